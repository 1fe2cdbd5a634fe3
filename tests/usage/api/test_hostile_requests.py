"""Hostile requests to the broker API answer problem JSON, never 500: JSON
nested too deeply is 400 `invalid` (100,000 deep is also over the API's 64 KB,
so 413), a 7 MB body is 413 `payload_too_large`, and any JSON body or value
at all gets a 2xx or a 4xx problem (hypothesis)."""

import json

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import CardFactory, OfferingFactory
from tests.hostile import HOSTILE, json_values, nested
from tests.usage.api.helpers import problem
from usage.api.problems import PROBLEMS


def _post(client, path, body: bytes, key: str = "k-1"):
    return client.post(path, data=body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def test_json_nested_100000_deep_is_refused_unread(broker, api):
    response = _post(api(broker.secret), "/api/v1/redemptions", nested(100_000))
    problem(response, 413, "payload_too_large")


def test_json_nested_too_deeply_within_the_size_limit_is_400_invalid(broker, api):
    response = _post(api(broker.secret), "/api/v1/redemptions", nested(30_000))
    body = problem(response, 400, "invalid")
    assert body["errors"]["body"]


def test_a_7_mb_body_is_413_payload_too_large(broker, api):
    body = json.dumps({"card_id": "x" * (7 * 1024 * 1024)}).encode()

    response = _post(api(broker.secret), "/api/v1/redemptions", body)

    problem(response, 413, "payload_too_large")


def test_a_body_over_the_apis_own_limit_is_refused_unread(broker, api):
    body = json.dumps({"reason": "x" * (65 * 1024)}).encode()
    response = _post(api(broker.secret), "/api/v1/redemptions/1/void", body)
    problem(response, 413, "payload_too_large")


def test_a_body_over_djangos_limit_without_a_content_length_is_413_too(broker, api, settings):
    # DRF reads the body through Django, which refuses past its own limit.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client = api(broker.secret)
    response = client.generic(
        "POST",
        "/api/v1/redemptions",
        json.dumps({"card_id": "x" * 5000}),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-2",
        CONTENT_LENGTH="",
    )
    assert response.status_code in (400, 413)
    assert response["Content-Type"] == "application/problem+json"


def _is_problem_or_success(response) -> None:
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert body["code"] in PROBLEMS and body["status"] == response.status_code


@HOSTILE
@given(body=json_values)
def test_any_json_body_of_a_recording_is_answered_without_a_server_error(net, broker, api, body):
    response = _post(api(broker.secret), "/api/v1/redemptions", json.dumps(body).encode())
    _is_problem_or_success(response)


@HOSTILE
@given(
    card_id=json_values,
    site_id=json_values,
    offering_id=json_values,
    date=json_values,
    children=json_values,
)
def test_any_value_of_a_recordings_fields_is_answered_without_a_server_error(
    net, broker, api, card_id, site_id, offering_id, date, children
):
    body = {
        "card_id": card_id,
        "site_id": site_id,
        "offering_id": offering_id,
        "date": date,
        "children": children,
    }
    response = _post(api(broker.secret), "/api/v1/redemptions", json.dumps(body).encode())
    _is_problem_or_success(response)


@HOSTILE
@given(body=json_values, raw=st.binary(max_size=200))
def test_any_body_of_a_void_is_answered_without_a_server_error(net, broker, api, body, raw):
    offering = OfferingFactory(site=net.venue_a)
    card = CardFactory(issued_by=net.dist_a)
    recorded = _post(
        api(broker.secret),
        "/api/v1/redemptions",
        json.dumps(
            {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": offering.pk}
        ).encode(),
        key=f"k-{card.pk}",
    )
    path = f"/api/v1/redemptions/{recorded.json()['id']}/void"
    _is_problem_or_success(_post(api(broker.secret), path, json.dumps(body).encode()))
    _is_problem_or_success(_post(api(broker.secret), path, raw))
