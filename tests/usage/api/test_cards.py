"""GET /api/v1/cards/{card_id}: whether the card can be used now, nothing personal."""

import datetime

from django.utils import timezone

from tests.factories import CardFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Card, one_year_from

FIELDS = {"card_id", "valid", "valid_until", "kind", "children_allowed", "reason"}


def test_a_valid_card_with_its_children_and_nothing_personal(net, broker, api):
    card = CardFactory(issued_by=net.dist_a, card_id="TRE-1234", children=2, birth_year=1970)

    response = api(broker.secret).get("/api/v1/cards/TRE-1234")

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "card_id": "TRE-1234",
        "valid": True,
        "valid_until": card.valid_until.isoformat(),
        "kind": "personal",
        "children_allowed": 2,
        "reason": None,
    }
    assert set(body) == FIELDS  # no birth year, postal code, gender, life situation


def test_the_card_id_is_normalised(net, broker, api):
    CardFactory(issued_by=net.dist_a, card_id="TRE-1234")
    response = api(broker.secret).get("/api/v1/cards/%20*tre-1234*%20")
    assert response.status_code == 200 and response.json()["card_id"] == "TRE-1234"


def test_an_expired_card(net, broker, api):
    issued = timezone.localdate() - datetime.timedelta(days=400)
    CardFactory(issued_by=net.dist_a, card_id="OLD-1", issued_on=issued)
    body = api(broker.secret).get("/api/v1/cards/OLD-1").json()
    assert (body["valid"], body["reason"]) == (False, "card_expired")
    assert body["valid_until"] == one_year_from(issued).isoformat()


def test_a_closed_card(net, broker, api):
    card = CardFactory(issued_by=net.dist_a, card_id="LOST-1")
    services.close_card(card=card, site=net.dist_a, reason=Card.CloseReason.LOST, closed_by=None)
    body = api(broker.secret).get("/api/v1/cards/LOST-1").json()
    assert (body["valid"], body["reason"]) == (False, "card_closed")


def test_a_community_card_allows_its_group_limit(net, broker, api):
    CardFactory(
        issued_by=net.dist_a,
        card_id="YHT-1",
        kind=Card.Kind.COMMUNITY,
        group_limit=10,
        birth_year=None,
        postal_code="",
    )
    body = api(broker.secret).get("/api/v1/cards/YHT-1").json()
    assert (body["kind"], body["children_allowed"], body["valid"]) == ("community", 10, True)


def test_an_unknown_card_is_404_card_unknown(broker, api):
    problem(api(broker.secret).get("/api/v1/cards/NOPE-1"), 404, "card_unknown")


def test_a_malformed_card_id_is_invalid(broker, api):
    body = problem(api(broker.secret).get("/api/v1/cards/ab"), 400, "invalid")
    assert list(body["errors"]) == ["card_id"]
