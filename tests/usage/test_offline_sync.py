"""Recording while the network is down: the offline page travels with what it
needs, and its sync records each saved use once, through the recording service."""

import datetime
import json
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Card, Redemption
from usage.offline import sync as offline_sync
from usage.offline import views as offline_views
from usage.offline.sync import MAX_ENTRIES_PER_SYNC
from usage.services import RedemptionRefused
from venues.models import Membership

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def entry(site, card, offering=None, **extra):
    return {
        "id": str(uuid.uuid4()),
        "site": site.pk,
        "offering": offering.pk if offering else None,
        "date": TODAY().isoformat(),
        "card": card if isinstance(card, str) else card.card_id,
        "children": 0,
    } | extra


def sync(client, *entries):
    return client.post(
        reverse("usage:desk_offline_sync"),
        json.dumps({"entries": list(entries)}),
        content_type="application/json",
        headers={"accept-language": "en"},
    )


def in_another_connection(job):
    """Run `job` in a thread, so with a database connection of its own."""

    def run():
        try:
            return job()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result(timeout=30)


def page_data(client):
    page = client.get(reverse("usage:desk_offline"))
    return json.loads(
        page.content.decode()
        .split('id="offline-data" type="application/json">')[1]
        .split("</script>")[0]
    )


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, title="Matinee", cap=1)


def test_saved_uses_are_recorded_once_with_the_offline_channel(net, client_for, show):
    card = CardFactory(issued_by=net.dist_a, children=1)
    saved = entry(net.venue_a, card, show, children=1)
    cashier = client_for("cashier")

    first = sync(cashier, saved).json()["results"]
    again = sync(cashier, saved).json()["results"]

    use = Redemption.objects.get()
    assert (use.channel, use.recorded_by, use.children) == ("offline", net.cashier, 1)
    assert first[0]["status"] == again[0]["status"] == "recorded"
    assert first[0]["redemption"] == again[0]["redemption"] == use.pk
    assert AuditEntry.objects.filter(action="redemption.recorded").count() == 1


def test_uses_over_the_cap_were_handed_out_already_and_are_flagged(net, client_for, show):
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(2)]
    results = sync(client_for("cashier"), *(entry(net.venue_a, c, show) for c in cards))
    assert [r["status"] for r in results.json()["results"]] == ["recorded", "recorded"]
    assert Redemption.objects.filter(over_cap=True).count() == 1


def test_an_expired_card_is_reported_back_and_not_recorded(net, client_for, show):
    expired = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(400))
    result = sync(client_for("cashier"), entry(net.venue_a, expired, show)).json()["results"][0]
    assert (result["status"], result["code"]) == ("refused", "card_expired")
    assert "not valid" in result["message"]
    assert not Redemption.objects.exists()


def test_a_use_already_recorded_at_the_desk_is_reported_as_already_there(net, client_for, show):
    card = CardFactory(issued_by=net.dist_a)
    cashier = client_for("cashier")
    sync(cashier, entry(net.venue_a, card, show))
    second = sync(cashier, entry(net.venue_a, card, show)).json()["results"][0]
    assert second["status"] == "already"
    assert Redemption.objects.count() == 1


def test_a_site_outside_the_cashiers_scope_records_nothing(net, client_for):
    card = CardFactory(issued_by=net.dist_a)
    result = sync(client_for("cashier"), entry(net.venue_b, card)).json()["results"][0]
    assert result["status"] == "refused"
    assert not Redemption.objects.exists()


def test_an_offering_of_another_site_records_nothing(net, client_for):
    card = CardFactory(issued_by=net.dist_a)
    elsewhere = OfferingFactory(site=net.venue_b)
    result = sync(client_for("cashier"), entry(net.venue_a, card, elsewhere)).json()["results"][0]
    assert result["code"] == "invalid"
    assert not Redemption.objects.exists()


@pytest.mark.parametrize(
    "bad",
    [
        "not json",
        json.dumps({"entries": "x"}),
        json.dumps({"nothing": []}),
        json.dumps({"entries": [{"id": "x"}]}),
        json.dumps({"entries": [{"id": "a" * 40, "site": "x", "date": "2026-13-40"}]}),
        json.dumps({"entries": [1, None, []]}),
    ],
)
def test_bad_input_gets_a_clear_answer_and_records_nothing(net, client_for, bad):
    response = client_for("cashier").post(
        reverse("usage:desk_offline_sync"), bad, content_type="application/json"
    )
    assert response.status_code in (200, 400)
    body = response.json()
    assert body.get("error") or all(r["status"] == "refused" for r in body["results"])
    assert not Redemption.objects.exists()


def test_a_date_older_than_a_month_belongs_to_the_import(net, client_for):
    card = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(100))
    old = (TODAY() - datetime.timedelta(40)).isoformat()
    result = sync(client_for("cashier"), entry(net.venue_a, card, date=old)).json()["results"][0]
    assert result["status"] == "refused"


def test_too_many_entries_at_once_are_refused_with_the_limit_to_keep(net, client_for):
    card = CardFactory(issued_by=net.dist_a)
    response = sync(client_for("cashier"), *[entry(net.venue_a, card)] * 501)
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["limit"]) == ("too_many_entries", MAX_ENTRIES_PER_SYNC)
    assert f"at most {MAX_ENTRIES_PER_SYNC}" in body["error"]
    assert not Redemption.objects.exists()


def test_every_answer_and_the_page_announce_the_limit_of_one_sync(net, client_for, monkeypatch):
    monkeypatch.setattr(offline_views, "MAX_ENTRIES_PER_SYNC", 2)
    cashier = client_for("cashier")
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(3)]

    assert page_data(cashier)["sync_limit"] == 2
    assert sync(cashier, *(entry(net.venue_a, c) for c in cards[:2])).json()["limit"] == 2
    too_many = sync(cashier, *(entry(net.venue_a, c) for c in cards))
    assert (too_many.status_code, too_many.json()["limit"]) == (400, 2)
    assert Redemption.objects.count() == 2


def test_a_busy_register_answers_retry_and_the_same_entry_is_recorded_later(
    net, client_for, show, monkeypatch
):
    card = CardFactory(issued_by=net.dist_a)
    refused = CardFactory(issued_by=net.dist_a, closed_on=TODAY(), close_reason="lost")
    saved = [entry(net.venue_a, card, show), entry(net.venue_a, refused, show)]
    cashier = client_for("cashier")
    real = services.record_redemptions
    busy = lambda **kw: [RedemptionRefused("busy")] * len(kw["uses"])  # noqa: E731
    monkeypatch.setattr(services, "record_redemptions", busy)

    first = sync(cashier, *saved).json()["results"]
    monkeypatch.setattr(services, "record_redemptions", real)
    again = sync(cashier, *saved).json()["results"]

    assert [(r["status"], r["code"]) for r in first] == [("retry", "busy")] * 2
    assert "just now" in first[0]["message"]
    assert [(r["status"], r.get("code")) for r in again] == [
        ("recorded", None),
        ("refused", "card_closed"),
    ]
    assert Redemption.objects.get().card == card


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks need PostgreSQL; SQLite serialises all writers and never answers busy.",
)
def test_a_card_locked_by_another_recorder_is_answered_retry_and_recorded_once_free(
    net, client_for, show, monkeypatch
):
    monkeypatch.setattr(services, "LOCK_TIMEOUT_MS", 200)
    card = CardFactory(issued_by=net.dist_a)
    saved = entry(net.venue_a, card, show)
    cashier = client_for("cashier")

    with transaction.atomic():  # another recorder holds the card's row
        Card.objects.select_for_update().get(pk=card.pk)
        while_locked = in_another_connection(lambda: sync(cashier, saved).json())
    after = sync(cashier, saved).json()

    assert (while_locked["results"][0]["status"], while_locked["results"][0]["code"]) == (
        "retry",
        "busy",
    )
    assert after["results"][0]["status"] == "recorded"
    assert Redemption.objects.get().card == card


def test_the_services_temporary_refusals_are_answered_retry_and_the_rest_are_final():
    assert "busy" in services.TEMPORARY_REFUSALS
    for code in services.REFUSAL_MESSAGES:
        status = offline_sync._answer("e1", RedemptionRefused(code))["status"]
        temporary = code in services.TEMPORARY_REFUSALS
        assert status == "retry" if temporary else status in ("already", "refused"), code


def test_entries_of_two_sites_are_recorded_in_their_order_and_answered_in_theirs(
    net, client_for, show
):
    Membership.objects.create(user=net.cashier, role=Membership.Role.CASHIER, site=net.venue_b)
    there = OfferingFactory(site=net.venue_b, title="Elsewhere", cap=1)
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(3)]
    saved = [
        entry(net.venue_a, cards[0], show),
        entry(net.venue_b, cards[1], there),
        entry(net.venue_a, cards[2], show),  # over the cap of 1: flagged, not refused
        entry(net.venue_a, cards[0], show),  # the same card again: already there
    ]
    results = sync(client_for("cashier"), *saved).json()["results"]

    assert [r["id"] for r in results] == [e["id"] for e in saved]
    assert [r["status"] for r in results] == ["recorded", "recorded", "recorded", "already"]
    assert [r["over_cap"] for r in results[:3]] == [False, False, True]
    assert Redemption.objects.filter(site=net.venue_b).get().card == cards[1]


def test_a_key_sent_twice_in_one_request_is_recorded_once(net, client_for, show):
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(2)]
    first = entry(net.venue_a, cards[0], show)
    twin = entry(net.venue_a, cards[1], show, id=first["id"])
    results = sync(client_for("cashier"), first, twin).json()["results"]
    assert [(r["status"], r.get("code")) for r in results] == [
        ("recorded", None),
        ("refused", "idempotency_mismatch"),
    ]
    assert Redemption.objects.get().card == cards[0]


def test_a_whole_sync_takes_a_handful_of_statements(
    net, client_for, show, django_assert_max_num_queries
):
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(30)]
    cashier = client_for("cashier")
    with django_assert_max_num_queries(30):
        results = sync(cashier, *(entry(net.venue_a, c, show) for c in cards)).json()["results"]
    assert {r["status"] for r in results} == {"recorded"}


def test_the_offline_page_carries_the_sites_and_the_coming_days_offerings(net, client_for):
    soon = OfferingFactory(
        site=net.venue_a, title="Next week", date=TODAY() + datetime.timedelta(5)
    )
    OfferingFactory(site=net.venue_a, title="Far away", date=TODAY() + datetime.timedelta(30))
    OfferingFactory(site=net.venue_b, title="Elsewhere")
    data = page_data(client_for("cashier"))
    titles = [o["label"] for site in data["sites"] for o in site["offerings"]]
    assert [site["id"] for site in data["sites"]] == [net.venue_a.pk]
    assert any("Next week" in t for t in titles)
    assert not any("Far away" in t or "Elsewhere" in t for t in titles)
    assert soon.pk in [o["id"] for o in data["sites"][0]["offerings"]]


def test_the_service_worker_is_served_from_the_desk_with_the_assets_to_keep(client_for):
    response = client_for("anonymous").get(reverse("usage:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "/static/kaikukanta/offline.js" in body and "/desk/offline/" in body
