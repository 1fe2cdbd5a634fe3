"""The venue's list of recorded uses, and voids by the venue contact person and
the area coordinator, always with a reason."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Redemption
from usage.services import RedemptionRefused, record_redemption

pytestmark = pytest.mark.usefixtures("english")


TODAY = timezone.localdate


def record(net, offering=None, *, site=None, **kwargs):
    card = kwargs.pop("card", None) or CardFactory(issued_by=net.dist_a, children=3)
    return record_redemption(
        card_id=card.card_id,
        site=site or net.venue_a,
        offering=offering,
        channel=kwargs.pop("channel", Redemption.Channel.DESK),
        recorded_by=kwargs.pop("recorded_by", net.cashier),
        **kwargs,
    ).redemption


def uses_url(net, site=None):
    return reverse("usage:uses", args=[(site or net.venue_a).pk])


def void_url(use, site=None):
    return reverse("usage:use_void", args=[(site or use.site).pk, use.pk])


# --- The list ---------------------------------------------------------------------


def test_the_list_shows_todays_uses_of_the_site_by_default(net, client_for):
    show = OfferingFactory(site=net.venue_a, title="Evening concert")
    today = record(net, show, children=2)
    yesterday = TODAY() - datetime.timedelta(days=1)
    old_show = OfferingFactory(site=net.venue_a, date=yesterday)
    card = CardFactory(issued_by=net.dist_a, issued_on=yesterday)
    record(net, old_show, card=card, used_on=yesterday, after_the_fact=True)
    record(net, None, site=net.venue_a2)  # another site's

    response = client_for("venue_contact").get(uses_url(net))

    assert list(response.context["page"]) == [today]
    page = response.content.decode()
    assert today.card.card_id in page and "Evening concert" in page
    assert response.context["totals"] == {"uses": 1, "children": 2, "voided": 0, "tickets": 3}


def test_the_list_filters_by_date_and_offering(net, client_for):
    yesterday = TODAY() - datetime.timedelta(days=1)
    first = OfferingFactory(site=net.venue_a, date=yesterday)
    second = OfferingFactory(site=net.venue_a, date=yesterday)
    card = CardFactory(issued_by=net.dist_a, issued_on=yesterday - datetime.timedelta(days=3))
    use_first = record(net, first, card=card, used_on=yesterday, after_the_fact=True)
    use_second = record(net, second, card=card, used_on=yesterday, after_the_fact=True)
    client = client_for("venue_contact")

    on_day = client.get(uses_url(net), {"day": yesterday.isoformat()})
    of_one = client.get(uses_url(net), {"day": yesterday.isoformat(), "offering": first.pk})

    assert set(on_day.context["page"]) == {use_first, use_second}
    assert list(of_one.context["page"]) == [use_first]


def test_the_list_shows_channel_recorder_and_the_over_cap_flag(net, client_for):
    show = OfferingFactory(site=net.venue_a, cap=1)
    record(net, show)
    over = record(net, show, channel=Redemption.Channel.PAPER, after_the_fact=True)

    response = client_for("venue_contact").get(uses_url(net))

    page = response.content.decode()
    assert over.over_cap
    assert "over the cap" in page
    assert "paper form" in page
    assert str(net.cashier) in page


def test_a_mistyped_date_shows_today(net, client_for):
    use = record(net)
    response = client_for("venue_contact").get(uses_url(net), {"day": "31.2.2026"})
    assert response.context["day"] == TODAY()
    assert list(response.context["page"]) == [use]


def test_a_cashier_does_not_see_the_sites_list_of_uses(net, client_for):
    # Cashiers undo their own records at the desk; the list is the venue's.
    assert client_for("cashier").get(uses_url(net)).status_code == 404


# --- Voids --------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["venue_contact", "coordinator", "national_admin"])
def test_the_venue_contact_and_the_coordinator_void_a_use_with_a_reason(net, client_for, persona):
    use = record(net)

    response = client_for(persona).post(void_url(use), {"reason": "  wrong offering  "})

    assert response.status_code == 302
    use.refresh_from_db()
    assert use.is_voided
    assert (use.voided_by, use.void_reason) == (getattr(net, persona), "wrong offering")
    entry = AuditEntry.objects.get(action="redemption.voided")
    assert entry.actor == getattr(net, persona) and entry.site == net.venue_a


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_void_needs_a_reason(net, client_for, reason):
    use = record(net)
    response = client_for("venue_contact").post(void_url(use), {"reason": reason})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    use.refresh_from_db()
    assert not use.is_voided


@pytest.mark.parametrize(
    "persona",
    ["cashier", "other_cashier", "other_venue_contact", "other_coordinator", "distributor"],
)
def test_others_cannot_void_the_sites_uses(net, client_for, persona):
    use = record(net)
    response = client_for(persona).post(void_url(use), {"reason": "not mine"})
    assert response.status_code == 404
    use.refresh_from_db()
    assert not use.is_voided


def test_a_use_cannot_be_voided_through_another_sites_address(net, client_for):
    use = record(net, site=net.venue_b)
    response = client_for("venue_contact").post(
        void_url(use, site=net.venue_a), {"reason": "mine now"}
    )
    assert response.status_code == 404
    use.refresh_from_db()
    assert not use.is_voided


def test_a_voided_use_stays_visible_as_voided(net, client_for):
    use = record(net)
    client = client_for("venue_contact")
    client.post(void_url(use), {"reason": "recorded twice"})

    response = client.get(uses_url(net))

    assert list(response.context["page"]) == [use]
    page = response.content.decode()
    assert "voided" in page and "recorded twice" in page and str(net.venue_contact) in page
    assert response.context["totals"]["uses"] == 0
    assert response.context["totals"]["voided"] == 1
    assert Redemption.objects.count() == 1


def test_voiding_twice_changes_nothing(net, client_for):
    use = record(net)
    client = client_for("venue_contact")
    client.post(void_url(use), {"reason": "first"})
    response = client.post(void_url(use), {"reason": "second"})
    assert response.status_code == 200
    use.refresh_from_db()
    assert use.void_reason == "first"
    assert AuditEntry.objects.filter(action="redemption.voided").count() == 1


def test_a_voided_use_frees_its_place_under_the_cap(net, client_for):
    show = OfferingFactory(site=net.venue_a, cap=1)
    use = record(net, show)
    with pytest.raises(RedemptionRefused) as full:
        record(net, show)
    assert full.value.code == "cap_reached"

    client_for("coordinator").post(void_url(use), {"reason": "the holder did not come"})

    assert record(net, show).offering == show
    assert services.tickets_used(show, TODAY()) == 1


def test_the_void_page_describes_the_use(net, client_for):
    show = OfferingFactory(site=net.venue_a, title="Matinee")
    use = record(net, show, children=1)
    response = client_for("venue_contact").get(void_url(use))
    page = response.content.decode()
    assert use.card.card_id in page and "Matinee" in page
    assert 'name="reason"' in page
