"""Recording while the network is down: the offline page travels with what it
needs, and its sync records each saved use once, through the recording service."""

import datetime
import json
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage.models import Redemption

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


def test_too_many_entries_at_once_are_refused(net, client_for):
    card = CardFactory(issued_by=net.dist_a)
    response = sync(client_for("cashier"), *[entry(net.venue_a, card)] * 501)
    assert response.status_code == 400
    assert not Redemption.objects.exists()


def test_the_offline_page_carries_the_sites_and_the_coming_days_offerings(net, client_for):
    soon = OfferingFactory(
        site=net.venue_a, title="Next week", date=TODAY() + datetime.timedelta(5)
    )
    OfferingFactory(site=net.venue_a, title="Far away", date=TODAY() + datetime.timedelta(30))
    OfferingFactory(site=net.venue_b, title="Elsewhere")
    page = client_for("cashier").get(reverse("usage:desk_offline"))
    data = json.loads(
        page.content.decode()
        .split('id="offline-data" type="application/json">')[1]
        .split("</script>")[0]
    )
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
