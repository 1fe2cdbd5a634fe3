"""The offline queue's sync never answers 500: deeply nested JSON is 400, and
any JSON at all (hypothesis) is answered 200 with each entry's fate or 400."""

import json
import uuid

from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import HOSTILE, json_values, nested

SYNC = reverse("usage:desk_offline_sync")


def _sync(client, body: bytes):
    return client.post(SYNC, body, content_type="application/json")


def test_deeply_nested_json_is_400(net, client_for):
    response = _sync(client_for("cashier"), nested(100_000))
    assert response.status_code == 400
    assert response.json()["error"]


@HOSTILE
@given(payload=json_values)
def test_any_json_payload_is_answered_without_a_server_error(net, client_for, payload):
    response = _sync(client_for("cashier"), json.dumps(payload).encode())
    assert response.status_code in (200, 400)


@HOSTILE
@given(
    site=json_values,
    offering=json_values,
    date=json_values,
    card=json_values,
    children=json_values,
    entry_id=st.one_of(json_values, st.just(str(uuid.uuid4()))),
)
def test_any_value_of_an_entry_is_answered_without_a_server_error(
    net, client_for, site, offering, date, card, children, entry_id
):
    entry = {
        "id": entry_id,
        "site": net.venue_a.pk if site is None else site,  # also past the site check
        "offering": offering,
        "date": date,
        "card": card,
        "children": children,
    }
    response = _sync(client_for("cashier"), json.dumps({"entries": [entry]}).encode())
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] in ("recorded", "already", "refused")
