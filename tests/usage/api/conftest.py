"""Two brokers for the API tests: `broker` records at Venue A (area A),
`other_broker` at Venue B (area B). `api(token)` is a client that sends it."""

import pytest
from rest_framework.test import APIClient

from kaikukanta import ratelimit
from tests.usage.api.helpers import make_broker


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    # The rate limits have their own tests; elsewhere a test may send many requests.
    settings.API_RATE_LIMIT = "10000/s"
    settings.API_CARD_CHECK_RATE_LIMIT = "10000/s"
    settings.API_UNKNOWN_CARDS_PER_MINUTE = 10000
    settings.API_BAD_TOKEN_RATE_LIMIT = "10000/s"


@pytest.fixture(autouse=True)
def rate_clock(monkeypatch):
    """The rate limiter's clock stands still, a second into a minute, so that a
    test's requests never straddle two windows; its sweep never runs."""
    monkeypatch.setattr(ratelimit, "_clock", lambda: 1_800_000_001.0)
    monkeypatch.setattr(ratelimit, "_next_sweep", float("inf"))


@pytest.fixture
def broker(net):
    return make_broker("Lippupiste Test", net.venue_a, area=net.area_a)


@pytest.fixture
def other_broker(net):
    return make_broker("Other Tickets", net.venue_b, area=net.area_b)


@pytest.fixture
def api():
    def client(secret: str | None = None) -> APIClient:
        c = APIClient()
        if secret:
            c.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        return c

    return client
