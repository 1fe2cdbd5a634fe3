"""Helpers for the API tests."""

from types import SimpleNamespace

from usage import brokers
from usage.models import Broker


def make_broker(name, *sites, area=None):
    """A broker with the sites and one token; `.secret` is the token string."""
    broker = Broker.objects.create(name=name, area=area)
    broker.sites.set(sites)
    token, secret = brokers.create_token(broker=broker, label="test")
    return SimpleNamespace(broker=broker, token=token, secret=secret)


def problem(response, status: int, code: str) -> dict:
    """Assert that the response is a problem with this status and code."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["code"] == code, body
    assert body["type"] == f"/api/v1/problems/{code}"
    assert body["title"] and body["detail"]
    return body
