"""POST /api/v1/redemptions: recording through the one service, every refusal
as its problem code, and idempotency exactly as API.md says."""

import datetime
import itertools

import pytest
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Card, Redemption
from venues.models import Offering

URL = "/api/v1/redemptions"
_keys = itertools.count()


def post(client, body, key: str | None = "auto"):
    headers = {}
    if key == "auto":
        key = f"key-{next(_keys)}"
    if key is not None:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    return client.post(URL, body, format="json", **headers)


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, cap=None)


@pytest.fixture
def card(net):
    return CardFactory(issued_by=net.dist_a, card_id="TRE-1000", children=2)


@pytest.fixture
def client(broker, api):
    return api(broker.secret)


def body(card, show, **extra):
    return {"card_id": card.card_id, "site_id": show.site_id, "offering_id": show.pk} | extra


def test_it_records_a_use_and_answers_201_with_the_redemption(net, client, card, show):
    response = post(client, body(card, show, children=1))

    assert response.status_code == 201, response.content
    use = Redemption.objects.get()
    data = response.json()
    assert data == {
        "id": use.pk,
        "card_id": "TRE-1000",
        "site_id": net.venue_a.pk,
        "offering_id": show.pk,
        "date": timezone.localdate().isoformat(),
        "children": 1,
        "tickets": 2,
        "channel": "api",
        "recorded_at": data["recorded_at"],
        "voided": False,
    }
    assert datetime.datetime.fromisoformat(data["recorded_at"]) == use.recorded_at
    assert use.channel == Redemption.Channel.API and use.recorded_by is None


def test_the_use_names_the_broker_and_the_audit_entry_its_token_prefix(broker, client, card, show):
    post(client, body(card, show))

    use = Redemption.objects.get()
    assert use.broker == broker.broker
    entry = AuditEntry.objects.get(action="redemption.recorded")
    assert entry.actor is None
    assert broker.broker.name in entry.actor_label
    assert broker.token.prefix in entry.actor_label
    assert broker.secret not in entry.actor_label and broker.secret not in str(entry.data)


def test_date_and_children_have_defaults_and_the_card_id_any_case(net, client, card, show):
    response = post(
        client, {"card_id": " *tre-1000* ", "site_id": net.venue_a.pk, "offering_id": show.pk}
    )
    assert response.status_code == 201
    assert (response.json()["date"], response.json()["children"]) == (
        timezone.localdate().isoformat(),
        0,
    )


def test_a_use_on_another_date(net, client, card):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    later = OfferingFactory(site=net.venue_a, date=tomorrow)
    response = post(client, body(card, later, date=tomorrow.isoformat()))
    assert response.status_code == 201 and response.json()["date"] == tomorrow.isoformat()


def test_plain_admission_without_an_offering(net, client, card):
    response = post(
        client, {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": None}
    )
    assert response.status_code == 201 and response.json()["offering_id"] is None


# --- Refusals: every code of API.md and the service's own ----------------------------


def test_card_unknown(client, show):
    problem(
        post(client, {"card_id": "NOPE-1", "site_id": show.site_id, "offering_id": show.pk}),
        404,
        "card_unknown",
    )


def test_card_expired(net, client, show):
    old = CardFactory(
        issued_by=net.dist_a, issued_on=timezone.localdate() - datetime.timedelta(days=400)
    )
    problem(post(client, body(old, show)), 409, "card_expired")


def test_card_not_yet_valid(net, client, card, show):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    past = OfferingFactory(site=net.venue_a, date=yesterday)
    problem(post(client, body(card, past, date=yesterday.isoformat())), 409, "card_not_yet_valid")


def test_card_closed(net, client, card, show):
    services.close_card(card=card, site=net.dist_a, reason=Card.CloseReason.LOST, closed_by=None)
    problem(post(client, body(card, show)), 409, "card_closed")


def test_children_not_allowed_on_a_course(net, client, card):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    problem(post(client, body(card, course, children=1)), 409, "children_not_allowed")


def test_too_many_children(client, card, show):
    problem(post(client, body(card, show, children=3)), 409, "too_many_children")


def test_already_recorded_points_at_the_earlier_use(client, card, show):
    first = post(client, body(card, show)).json()
    data = problem(post(client, body(card, show)), 409, "already_recorded")
    assert data["redemption_id"] == first["id"]


def test_cap_reached_says_how_many_places_remain(net, client, card):
    capped = OfferingFactory(site=net.venue_a, cap=2)
    data = problem(post(client, body(card, capped, children=2)), 409, "cap_reached")
    assert data["remaining"] == 2
    assert not Redemption.objects.exists()


def test_cap_reached_when_full_remaining_is_zero(net, client, card):
    capped = OfferingFactory(site=net.venue_a, cap=1)
    post(client, body(CardFactory(issued_by=net.dist_a), capped))
    assert problem(post(client, body(card, capped)), 409, "cap_reached")["remaining"] == 0


def test_offering_excluded(net, client, card):
    excluded = OfferingFactory(site=net.venue_a, excluded=True, exclusion_reason="Gala")
    problem(post(client, body(card, excluded)), 409, "offering_excluded")


def test_offering_not_at_site_for_another_site_or_no_such_offering(net, client, card):
    elsewhere = OfferingFactory(site=net.venue_b)
    problem(
        post(client, body(card, elsewhere, site_id=net.venue_a.pk)), 404, "offering_not_at_site"
    )
    problem(
        post(client, body(card, elsewhere, site_id=net.venue_a.pk, offering_id=999999)),
        404,
        "offering_not_at_site",
    )


def test_a_site_outside_the_tokens_sites_is_404(net, client, card, other_broker):
    theirs = OfferingFactory(site=net.venue_b)
    problem(post(client, body(card, theirs)), 404, "not_found")
    assert not Redemption.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"card_id": "x"}, "card_id"),
        ({"card_id": None}, "card_id"),
        ({"site_id": "1"}, "site_id"),
        ({"site_id": None}, "site_id"),
        ({"children": -1}, "children"),
        ({"children": 21}, "children"),
        ({"children": True}, "children"),
        ({"children": 1.5}, "children"),
        ({"offering_id": "abc"}, "offering_id"),
        ({"date": "24.11.2026"}, "date"),
    ],
)
def test_a_malformed_field_is_invalid_with_errors_naming_it(client, card, show, change, field):
    data = problem(post(client, body(card, show) | change), 400, "invalid")
    assert list(data["errors"]) == [field]
    assert all(isinstance(m, str) for m in data["errors"][field])


def test_missing_fields_are_listed_together(client):
    data = problem(post(client, {}), 400, "invalid")
    assert set(data["errors"]) == {"card_id", "site_id"}


def test_a_body_that_is_not_json_is_invalid(client):
    response = client.post(URL, "{nope", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")
    assert list(problem(response, 400, "invalid")["errors"]) == ["body"]


def test_a_body_that_is_a_list_is_invalid(client):
    response = client.post(URL, [1, 2], format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert list(problem(response, 400, "invalid")["errors"]) == ["body"]


def test_a_body_in_another_media_type_is_415(client):
    response = client.post(URL, "card_id=X", content_type="text/plain", HTTP_IDEMPOTENCY_KEY="k")
    problem(response, 415, "unsupported_media_type")


def test_offering_required_where_the_site_has_offerings_that_day(net, client, card, show):
    data = problem(post(client, body(card, show, offering_id=None)), 400, "invalid")
    assert list(data["errors"]) == ["offering_id"]


def test_offering_not_on_the_date(net, client, card, show):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    data = problem(post(client, body(card, show, date=tomorrow)), 400, "invalid")
    assert list(data["errors"]) == ["offering_id"]


def test_a_date_older_than_the_uses_the_register_keeps(net, client, settings):
    """400 `invalid` on the date (API.md: a parameter out of range), as the
    offering's date is: no new code within v1."""
    settings.RETENTION_USES_YEARS = 1
    first_kept = datetime.date(timezone.localdate().year - 1, 1, 1)
    old_card = CardFactory(issued_by=net.dist_a, issued_on=first_kept - datetime.timedelta(days=30))
    before = (first_kept - datetime.timedelta(days=1)).isoformat()
    request = {"card_id": old_card.card_id, "site_id": net.venue_a.pk, "offering_id": None}

    data = problem(post(client, request | {"date": before}), 400, "invalid")

    assert list(data["errors"]) == ["date"]
    assert "liian kaukana menneisyydessä" in data["errors"]["date"][0]  # Finnish by default
    assert not Redemption.objects.exists()


def test_busy_is_503_with_retry_after(client, card, show, monkeypatch):
    def busy(**kwargs):
        raise services.RedemptionRefused("busy")

    monkeypatch.setattr(services, "record_redemption", busy)
    response = post(client, body(card, show))
    problem(response, 503, "busy")
    assert response["Retry-After"] == "1"


# --- Idempotency -----------------------------------------------------------------------


@pytest.mark.parametrize("key", [None, "", "x" * 65])
def test_the_idempotency_key_is_required_and_1_to_64_characters(client, card, show, key):
    data = problem(post(client, body(card, show), key=key), 400, "invalid")
    assert list(data["errors"]) == ["Idempotency-Key"]
    assert not Redemption.objects.exists()


def test_a_key_of_64_characters_is_accepted(client, card, show):
    assert post(client, body(card, show), key="k" * 64).status_code == 201


def test_the_same_key_and_body_again_is_200_with_the_same_redemption(client, card, show):
    first = post(client, body(card, show), key="sale-1")
    again = post(client, body(card, show), key="sale-1")

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert Redemption.objects.count() == 1
    assert AuditEntry.objects.filter(action="redemption.recorded").count() == 1


def test_the_same_body_normalised_is_the_same_request(client, card, show):
    first = post(client, body(card, show), key="sale-1")
    spelled_out = body(card, show, card_id=" tre-1000 ", children=0)
    again = post(client, spelled_out, key="sale-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_the_same_key_with_another_body_is_422(client, card, show):
    post(client, body(card, show), key="sale-1")
    problem(post(client, body(card, show, children=1), key="sale-1"), 422, "idempotency_mismatch")
    assert Redemption.objects.count() == 1


def test_a_refused_request_does_not_use_up_its_key(net, client, card):
    capped = OfferingFactory(site=net.venue_a, cap=0)
    problem(post(client, body(card, capped), key="sale-1"), 409, "cap_reached")
    capped.cap = 5
    capped.save()
    assert post(client, body(card, capped), key="sale-1").status_code == 201


def test_keys_are_per_broker(net, broker, other_broker, api, card, show):
    broker.broker.sites.add(net.venue_b)
    other_broker.broker.sites.add(net.venue_a)
    first = post(api(broker.secret), body(card, show), key="same")
    second_card = CardFactory(issued_by=net.dist_a)
    second = post(api(other_broker.secret), body(second_card, show), key="same")

    assert (first.status_code, second.status_code) == (201, 201)
    assert set(Redemption.objects.values_list("idempotency_key", flat=True)) == {
        f"api:{broker.broker.pk}:same",
        f"api:{other_broker.broker.pk}:same",
    }


def test_a_retry_after_a_void_returns_the_voided_use_and_records_nothing(client, card, show):
    first = post(client, body(card, show), key="sale-1").json()
    client.post(f"{URL}/{first['id']}/void", {"reason": "customer left"}, format="json")
    again = post(client, body(card, show), key="sale-1")
    assert again.status_code == 200 and again.json()["voided"] is True
    assert Redemption.objects.count() == 1
