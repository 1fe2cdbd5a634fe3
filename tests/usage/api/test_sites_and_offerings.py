"""GET /api/v1/sites and /api/v1/sites/{id}/offerings: only the token's sites."""

import datetime

from django.utils import timezone

from tests.factories import CardFactory, OfferingFactory, SiteFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Redemption
from venues.models import Offering, Organisation


def test_sites_lists_the_tokens_active_venue_sites_only(net, broker, api):
    closed = SiteFactory(organisation=net.venue_a2.organisation, municipality=net.muni_a)
    closed.is_active = False
    closed.save()
    broker.broker.sites.add(net.venue_a2, closed, net.dist_a)

    response = api(broker.secret).get("/api/v1/sites")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == [
        {"id": net.venue_a.pk, "name": "Venue A", "municipality": "Town A"},
        {"id": net.venue_a2.pk, "name": "Venue A2", "municipality": "Town A"},
    ]


def test_brokers_do_not_see_each_others_sites(net, broker, other_broker, api):
    assert [s["id"] for s in api(broker.secret).get("/api/v1/sites").json()] == [net.venue_a.pk]
    assert [s["id"] for s in api(other_broker.secret).get("/api/v1/sites").json()] == [
        net.venue_b.pk
    ]


def _record(net, offering, children=0, **kwargs):
    card = CardFactory(
        issued_by=net.dist_a,
        children=children,
        issued_on=timezone.localdate() - datetime.timedelta(days=30),
    )
    return services.record_redemption(
        card_id=card.card_id,
        site=offering.site,
        offering=offering,
        channel=Redemption.Channel.DESK,
        children=children,
        **kwargs,
    ).redemption


def test_offerings_of_the_day_with_cap_used_and_remaining(net, broker, api):
    today = timezone.localdate()
    capped = OfferingFactory(site=net.venue_a, cap=10, title="Capped")
    OfferingFactory(site=net.venue_a, cap=None, title="Free")
    OfferingFactory(site=net.venue_a, date=today + datetime.timedelta(days=1), title="Tomorrow")
    _record(net, capped, children=2)
    _record(net, capped)
    voided = _record(net, capped)
    services.void_redemption(redemption=voided, reason="mistake")

    response = api(broker.secret).get(f"/api/v1/sites/{net.venue_a.pk}/offerings")

    assert response.status_code == 200
    rows = {row["title"]: row for row in response.json()}
    assert set(rows) == {"Capped", "Free"}
    assert rows["Capped"] | {"starts_at": None} == {
        "id": capped.pk,
        "title": "Capped",
        "kind": "show",
        "sector": "culture",
        "starts_at": None,
        "cap": 10,
        "used": 4,
        "remaining": 6,
        "excluded": False,
    }
    assert rows["Capped"]["used"] == services.tickets_used(capped, today)
    assert datetime.datetime.fromisoformat(rows["Capped"]["starts_at"]) == capped.starts_at
    assert (rows["Free"]["cap"], rows["Free"]["used"], rows["Free"]["remaining"]) == (None, 0, None)


def test_admission_counts_per_day_and_the_date_parameter_chooses_the_day(net, broker, api):
    today = timezone.localdate()
    museum = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.ADMISSION,
        date=today - datetime.timedelta(days=5),
        end_date=today + datetime.timedelta(days=5),
        start_time=None,
        cap=30,
    )
    _record(net, museum, used_on=today - datetime.timedelta(days=1))
    _record(net, museum, used_on=today)
    _record(net, museum, used_on=today)
    yesterday = (today - datetime.timedelta(days=1)).isoformat()

    client = api(broker.secret)
    url = f"/api/v1/sites/{net.venue_a.pk}/offerings"
    assert client.get(url).json()[0]["used"] == 2
    assert client.get(url, {"date": yesterday}).json()[0]["used"] == 1
    assert client.get(url, {"date": "2000-01-01"}).json() == []


def test_offerings_of_another_brokers_site_are_404(net, broker, other_broker, api):
    OfferingFactory(site=net.venue_b)
    problem(api(broker.secret).get(f"/api/v1/sites/{net.venue_b.pk}/offerings"), 404, "not_found")
    problem(api(broker.secret).get("/api/v1/sites/999999/offerings"), 404, "not_found")


def test_offerings_of_a_distributor_site_given_to_the_broker_are_404(net, broker, api):
    broker.broker.sites.add(net.dist_a)
    assert net.dist_a.organisation.kind == Organisation.Kind.DISTRIBUTOR
    problem(api(broker.secret).get(f"/api/v1/sites/{net.dist_a.pk}/offerings"), 404, "not_found")


def test_a_malformed_date_is_invalid(net, broker, api):
    response = api(broker.secret).get(
        f"/api/v1/sites/{net.venue_a.pk}/offerings", {"date": "24.11.2026"}
    )
    body = problem(response, 400, "invalid")
    assert list(body["errors"]) == ["date"]
