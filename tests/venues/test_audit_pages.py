"""The audit pages: a venue contact person reads the site's trail, a distributor
their site's card changes, a coordinator the area's; nobody another's."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kaikukanta import audit
from kaikukanta.audit import ACTION_LABELS
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.services import record_redemption

pytestmark = pytest.mark.usefixtures("english")


def log(action, site, actor=None, **data):
    with transaction.atomic():
        return audit.log(action=action, obj=site, actor=actor, site=site, data=data)


def site_audit(net, site):
    return reverse("venues:site_audit", args=[site.pk])


def area_audit(area):
    return reverse("venues:area_audit", args=[area.pk])


def entries(response):
    return [row.entry for row in response.context["rows"]]


@pytest.fixture
def trail(net):
    """One entry at each site of the network."""
    return {
        site: log("checklist.changed", getattr(net, site), changed=["brokers"])
        for site in ("venue_a", "venue_a2", "venue_b", "dist_a", "dist_b")
    }


def test_a_venue_contact_sees_only_their_sites_entries(net, client_for, trail):
    client = client_for("venue_contact")
    assert entries(client.get(site_audit(net, net.venue_a))) == [trail["venue_a"]]
    assert client.get(site_audit(net, net.venue_a2)).status_code == 404
    assert client.get(site_audit(net, net.venue_b)).status_code == 404
    assert client.get(area_audit(net.area_a)).status_code == 404


def test_a_coordinator_sees_the_areas_entries_and_never_another_areas(net, client_for, trail):
    with transaction.atomic():
        area_entry = audit.log(
            action="membership.invited", obj=net.area_a, actor=net.coordinator, area=net.area_a
        )
    client = client_for("coordinator")

    response = client.get(area_audit(net.area_a))

    assert set(entries(response)) == {
        trail["venue_a"],
        trail["venue_a2"],
        trail["dist_a"],
        area_entry,
    }
    assert client.get(area_audit(net.area_b)).status_code == 404
    assert client.get(site_audit(net, net.venue_b)).status_code == 404
    assert entries(client.get(site_audit(net, net.venue_a2))) == [trail["venue_a2"]]


def test_a_distributor_sees_their_sites_card_changes(net, client_for, trail):
    card = CardFactory(issued_by=net.dist_a)
    services.close_card(card=card, site=net.dist_a, reason="lost", closed_by=net.distributor)
    client = client_for("distributor")

    response = client.get(site_audit(net, net.dist_a))

    assert [entry.action for entry in entries(response)] == ["card.closed", "checklist.changed"]
    assert client.get(site_audit(net, net.dist_b)).status_code == 404
    assert client.get(site_audit(net, net.venue_a)).status_code == 404


@pytest.mark.parametrize("persona", ["cashier", "outsider", "other_venue_contact"])
def test_others_do_not_see_the_sites_trail(net, client_for, trail, persona):
    assert client_for(persona).get(site_audit(net, net.venue_a)).status_code == 404


def test_a_national_admin_sees_every_area(net, client_for, trail):
    client = client_for("national_admin")
    assert entries(client.get(area_audit(net.area_b))) == [trail["dist_b"], trail["venue_b"]]


def test_entries_are_newest_first_and_paginated(net, client_for):
    logged = [log("checklist.changed", net.venue_a, changed=[str(n)]) for n in range(55)]
    client = client_for("venue_contact")

    first = client.get(site_audit(net, net.venue_a))
    second = client.get(site_audit(net, net.venue_a), {"page": 2})

    assert entries(first) == logged[::-1][:50]
    assert entries(second) == logged[::-1][50:]


def test_the_trail_filters_by_action(net, client_for):
    show = OfferingFactory(site=net.venue_a)
    card = CardFactory(issued_by=net.dist_a)
    use = record_redemption(
        card_id=card.card_id, site=net.venue_a, offering=show, channel="desk"
    ).redemption
    services.void_redemption(redemption=use, reason="wrong show", voided_by=net.venue_contact)
    client = client_for("venue_contact")

    everything = client.get(site_audit(net, net.venue_a))
    voids = client.get(site_audit(net, net.venue_a), {"action": "redemption.voided"})
    nonsense = client.get(site_audit(net, net.venue_a), {"action": "drop.tables"})

    assert [e.action for e in entries(everything)] == ["redemption.voided", "redemption.recorded"]
    assert [e.action for e in entries(voids)] == ["redemption.voided"]
    assert len(entries(nonsense)) == 2  # an unknown action filters nothing


def test_each_row_tells_what_happened_as_a_sentence(net, client_for):
    net.cashier.full_name = "Kalle Kassa"
    net.cashier.save()
    show = OfferingFactory(site=net.venue_a, title="Kesäyön unelma")
    card = CardFactory(issued_by=net.dist_a, card_id="TRE-1006", children=2)
    record_redemption(
        card_id=card.card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
        recorded_by=net.cashier,
        children=2,
    )
    client = client_for("venue_contact")

    response = client.get(site_audit(net, net.venue_a))

    day = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    expected = (
        f"Kalle Kassa recorded card TRE-1006 for Kesäyön unelma on {day} (at the desk), "
        "with 2 children's tickets."
    )
    assert response.context["rows"][0].sentence == expected
    assert expected in html.unescape(response.content.decode())


def test_the_sentences_are_in_the_readers_language(net, client_for):
    net.cashier.full_name = "Kalle Kassa"
    net.cashier.save()
    show = OfferingFactory(site=net.venue_a, title="Kesäyön unelma")
    card = CardFactory(issued_by=net.dist_a, card_id="TRE-1006")
    record_redemption(
        card_id=card.card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
        recorded_by=net.cashier,
    )
    client = client_for("venue_contact")
    day = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")

    finnish = client.get(site_audit(net, net.venue_a), HTTP_ACCEPT_LANGUAGE="fi")
    swedish = client.get(site_audit(net, net.venue_a), HTTP_ACCEPT_LANGUAGE="sv")

    with translation.override("fi"):
        assert finnish.context["rows"][0].sentence == (
            f"Kalle Kassa kirjasi kortin TRE-1006 käytön: Kesäyön unelma {day} (kassalla)."
        )
    assert swedish.context["rows"][0].sentence.startswith("Kalle Kassa registrerade kort TRE-1006")


def test_the_trail_filters_by_person(net, client_for):
    show = OfferingFactory(site=net.venue_a)
    for recorder in (net.cashier, net.venue_contact):
        record_redemption(
            card_id=CardFactory(issued_by=net.dist_a).card_id,
            site=net.venue_a,
            offering=show,
            channel="desk",
            recorded_by=recorder,
        )
    client = client_for("venue_contact")

    response = client.get(site_audit(net, net.venue_a), {"person": net.cashier.pk})

    assert [e.actor for e in entries(response)] == [net.cashier]
    people = list(response.context["form"].fields["person"].queryset)
    assert set(people) == {net.cashier, net.venue_contact}
    outside = client.get(site_audit(net, net.venue_a), {"person": net.other_cashier.pk})
    assert len(entries(outside)) == 2  # not a choice: filters nothing


def test_every_action_the_code_logs_has_a_label():
    logged = set()
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        if "tests" in path.parts or ".venv" in path.parts:
            continue
        logged |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', path.read_text()))
    assert logged, "the walk found no audit calls"
    assert logged <= set(ACTION_LABELS), sorted(logged - set(ACTION_LABELS))
