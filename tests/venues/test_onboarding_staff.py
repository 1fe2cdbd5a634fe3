"""The checklist's "staff last instructed" follows from the people's own
confirmations: the date by which all of the site's active cashiers and contact
persons had confirmed, otherwise who has not."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory
from venues.models import OnboardingConfirmation
from venues.onboarding.staff import site_staff

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 2)


def confirmed(user, days_ago: int) -> None:
    OnboardingConfirmation.objects.create(
        user=user,
        confirmed_on=TODAY - datetime.timedelta(days=days_ago),
        language="fi",
        versions={},
    )


def staff_of(site):
    return site_staff([site.pk], today=TODAY)[site.pk]


def test_the_site_is_instructed_on_the_day_the_last_of_its_staff_confirmed(net):
    confirmed(net.cashier, 10)
    confirmed(net.venue_contact, 200)
    confirmed(net.venue_contact, 300)  # an older one: the latest counts

    staff = staff_of(net.venue_a)

    assert staff.all_confirmed and not staff.not_confirmed
    assert staff.instructed_on == TODAY - datetime.timedelta(days=10)
    # The first whose year runs out sets the next due date.
    assert staff.next_due_on == datetime.date(2027, 5, 15)


def test_otherwise_it_says_who_has_not(net):
    confirmed(net.cashier, 10)
    confirmed(net.venue_contact, 366)  # a year and a day: overdue
    newcomer = UserFactory(full_name="Nelli Uusi")
    MembershipFactory(user=newcomer, role="cashier", site=net.venue_a)

    staff = staff_of(net.venue_a)

    assert not staff.all_confirmed and staff.instructed_on is None
    assert {p.user for p in staff.not_confirmed} == {net.venue_contact, newcomer}


def test_only_active_cashiers_and_contact_persons_count(net):
    confirmed(net.cashier, 10)
    confirmed(net.venue_contact, 10)
    gone = UserFactory(is_active=False)
    MembershipFactory(user=gone, role="cashier", site=net.venue_a)
    coordinator_elsewhere = net.coordinator  # a coordinator is not the site's staff

    staff = staff_of(net.venue_a)

    assert staff.all_confirmed
    assert {p.user for p in staff.people} == {net.cashier, net.venue_contact}
    assert coordinator_elsewhere not in {p.user for p in staff.people}


def test_a_person_with_two_roles_at_the_site_is_one_person(net, english):
    MembershipFactory(user=net.venue_contact, role="cashier", site=net.venue_a)
    people = staff_of(net.venue_a).people
    assert [p.user for p in people].count(net.venue_contact) == 1
    contact = next(p for p in people if p.user == net.venue_contact)
    assert set(contact.roles) == {"cashier", "venue contact person"}


def test_a_site_without_staff_is_not_instructed(net):
    staff = staff_of(net.venue_a2)
    assert not staff.people and not staff.all_confirmed and staff.instructed_on is None


def test_the_site_page_names_who_has_not_confirmed_to_those_who_manage_it(net, client_for):
    OnboardingConfirmation.objects.create(
        user=net.cashier, confirmed_on=datetime.date.today(), language="fi", versions={}
    )
    url = reverse("venues:site", args=[net.venue_a.pk])
    for persona in ("venue_contact", "coordinator"):
        page = client_for(persona).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "1 person has not gone through the onboarding material" in page
        assert f"{net.venue_contact.get_full_name()} (venue contact person): not yet" in page
    cashier_view = client_for("cashier").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 person has not gone through the onboarding material" in cashier_view
    assert "not yet confirmed" not in cashier_view


def test_the_checklist_form_no_longer_asks_for_the_date(net, client_for):
    page = client_for("venue_contact").get(reverse("venues:checklist_edit", args=[net.venue_a.pk]))
    assert "staff_instructed_on" not in page.context["form"].fields
