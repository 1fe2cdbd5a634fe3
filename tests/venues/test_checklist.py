"""The venue's checklist: kept by the contact person, watched by the coordinator."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kaikukanta.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory
from usage.models import one_year_from
from venues.models import Checklist, OnboardingConfirmation

pytestmark = pytest.mark.django_db

COMPLETE = {
    "guideline_committed_on": "2026-01-15",
    "prices_page_url": "https://venue.example.fi/prices",
    "broker_informed": "true",
    "brokers": "Lippupiste",
    "free_cloakroom": "true",
    "assistants_free_known": "true",
}


def fill(client, site, **changes):
    data = COMPLETE | changes
    return client.post(reverse("venues:checklist_edit", args=[site.pk]), data)


def test_the_contact_person_keeps_the_checklist_and_the_change_is_audited(net, client_for):
    response = fill(client_for("venue_contact"), net.venue_a)

    assert response.status_code == 302
    checklist = Checklist.objects.get(site=net.venue_a)
    assert checklist.missing_items() == []
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


def test_the_coordinator_sees_missing_items_and_staff_overdue_for_onboarding(net, client_for):
    fill(client_for("venue_contact"), net.venue_a)
    fill(client_for("coordinator"), net.venue_a2, free_cloakroom="")
    today = timezone.localdate()
    for person in (net.cashier, net.venue_contact):
        OnboardingConfirmation.objects.create(
            user=person, confirmed_on=today, language="fi", versions={}
        )
    late = UserFactory(full_name="Late Larry")
    MembershipFactory(user=late, role="cashier", site=net.venue_a2)
    OnboardingConfirmation.objects.create(
        user=late, confirmed_on=today - datetime.timedelta(days=400), language="fi", versions={}
    )

    coordinator = client_for("coordinator")
    page = coordinator.get(reverse("venues:area", args=[net.area_a.pk]), HTTP_ACCEPT_LANGUAGE="en")

    rows = {row["site"].name: row for row in page.context["checklist_rows"]}
    assert rows["Venue A"]["complete"] and rows["Venue A"]["staff"].instructed_on == today
    assert not rows["Venue A2"]["complete"]
    assert rows["Venue A2"]["missing"] == ["free cloakroom offered"]
    assert [p.user for p in rows["Venue A2"]["staff"].not_confirmed] == [late]
    assert page.context["incomplete_count"] == 1
    assert [row["site"] for row in page.context["overdue_rows"]] == [net.venue_a2]
    assert "Venue B" not in rows
    html = page.content.decode()
    overdue_section = html.split('id="onboarding-overdue-heading"')[1].split("</section>")[0]
    with translation.override("en"):
        due = date_format(one_year_from(today - datetime.timedelta(days=400)), "SHORT_DATE_FORMAT")
    assert "Venue A2" in overdue_section and "Late Larry" in overdue_section
    assert f"due on {due}" in overdue_section
    assert "Venue A</a>" not in overdue_section


def test_a_site_without_a_checklist_misses_every_item():
    assert len(Checklist().missing_items()) == 5
