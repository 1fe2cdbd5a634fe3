"""The venue's checklist: kept by the contact person, watched by the coordinator."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from venues.models import Checklist

pytestmark = pytest.mark.django_db

COMPLETE = {
    "guideline_committed_on": "2026-01-15",
    "staff_instructed_on": None,
    "prices_page_url": "https://venue.example.fi/prices",
    "broker_informed": "true",
    "brokers": "Lippupiste",
    "free_cloakroom": "true",
    "assistants_free_known": "true",
}


def fill(client, site, **changes):
    data = COMPLETE | {"staff_instructed_on": timezone.localdate().isoformat()} | changes
    return client.post(reverse("venues:checklist_edit", args=[site.pk]), data)


def test_the_contact_person_keeps_the_checklist_and_the_change_is_audited(net, client_for):
    response = fill(client_for("venue_contact"), net.venue_a)

    assert response.status_code == 302
    checklist = Checklist.objects.get(site=net.venue_a)
    assert checklist.is_complete()
    entry = AuditEntry.objects.get(action="checklist.changed")
    assert entry.site == net.venue_a and "brokers" in entry.data["changed"]


def test_informing_a_broker_needs_the_brokers_name(net, client_for):
    response = fill(client_for("venue_contact"), net.venue_a, brokers="")
    assert response.status_code == 200
    assert "brokers" in response.context["form"].errors


def test_the_site_page_shows_the_contacts_and_the_national_support(net, client_for):
    page = client_for("cashier").get(reverse("venues:site", args=[net.venue_a.pk])).content.decode()
    assert net.venue_a.contact_email in page
    assert net.coordinator.email in page  # the area's coordinator
    assert "tuki@kaikukeskus.fi" in page


def test_the_coordinator_sees_missing_items_and_overdue_instruction(net, client_for):
    fill(client_for("venue_contact"), net.venue_a)
    overdue = (timezone.localdate() - datetime.timedelta(days=400)).isoformat()
    fill(client_for("coordinator"), net.venue_a2, staff_instructed_on=overdue, free_cloakroom="")

    coordinator = client_for("coordinator")
    page = coordinator.get(reverse("venues:area", args=[net.area_a.pk]), HTTP_ACCEPT_LANGUAGE="en")

    rows = {row["site"].name: row for row in page.context["checklist_rows"]}
    assert not rows["Venue A"]["missing"] and not rows["Venue A"]["overdue"]
    assert rows["Venue A2"]["overdue"]
    assert rows["Venue A2"]["missing"] == ["free cloakroom offered"]
    assert page.context["incomplete_count"] == 1
    assert "Venue B" not in rows


def test_a_site_without_a_checklist_misses_every_item():
    assert len(Checklist().missing_items()) == 6
