"""Nobody changes another person's account (password, email, name, active flag,
second factor), with one exception: a national admin may, and an area
coordinator may for a person whose roles all lie inside their area and who is
neither a coordinator nor a national admin (`access.may_manage_account`).

Each privilege path a lower role could climb is tried here, starting with the
reported one: a coordinator invites the national admin to their own site, then
sets the admin's password in the admin."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse

from kaikukanta import access
from kaikukanta.models import AuditEntry
from tests.factories import MembershipFactory, UserFactory
from venues.models import Membership, User

pytestmark = pytest.mark.django_db
Role = Membership.Role


def password_page(person) -> str:
    return f"/admin/venues/user/{person.pk}/password/"


def change_page(person) -> str:
    return reverse("admin:venues_user_change", args=[person.pk])


def change_person(client, person, **fields):
    data = {
        "email": person.email,
        "full_name": person.full_name,
        "phone": person.phone,
        "is_active": "on" if person.is_active else "",
    } | fields
    return client.post(change_page(person), {k: v for k, v in data.items() if v != ""})


def invite_to(client, site, email):
    return client.post(
        reverse("venues:invite") + f"?site={site.pk}",
        {"site": site.pk, "email": email, "full_name": "Taken Over", "role": Role.CASHIER},
    )


def run_action(client, action, *people):
    return client.post(
        reverse("admin:venues_user_changelist"),
        {"action": action, "_selected_action": [p.pk for p in people]},
    )


# --- The rule ---------------------------------------------------------------------


@pytest.fixture
def spanning(net):
    """A cashier at a venue of area A and at one of area B."""
    person = UserFactory(email="two-areas@example.fi")
    MembershipFactory(user=person, role=Role.CASHIER, site=net.venue_a)
    MembershipFactory(user=person, role=Role.CASHIER, site=net.venue_b)
    return person


@pytest.mark.parametrize(
    ("actor", "person", "may"),
    [
        ("national_admin", "coordinator", True),
        ("national_admin", "other_coordinator", True),
        ("national_admin", "cashier", True),
        ("coordinator", "cashier", True),
        ("coordinator", "venue_contact", True),
        ("coordinator", "distributor", True),
        ("coordinator", "national_admin", False),
        ("coordinator", "other_coordinator", False),
        ("coordinator", "other_cashier", False),
        ("coordinator", "coordinator", False),
        ("coordinator", "outsider", False),
        ("venue_contact", "cashier", False),
        ("distributor", "cashier", False),
        ("cashier", "cashier", False),
        ("other_coordinator", "cashier", False),
    ],
)
def test_who_may_manage_whose_account(net, actor, person, may):
    assert access.may_manage_account(getattr(net, actor), getattr(net, person)) is may


def test_a_coordinator_may_not_manage_someone_who_also_acts_in_another_area(net, spanning):
    assert not access.may_manage_account(net.coordinator, spanning)
    assert not access.may_manage_account(net.other_coordinator, spanning)
    assert access.may_manage_account(net.national_admin, spanning)


def test_a_coordinator_may_not_manage_a_maintainer_or_a_second_coordinator_role(net):
    maintainer = UserFactory(is_staff=True)
    MembershipFactory(user=maintainer, role=Role.CASHIER, site=net.venue_a)
    also_coordinator = UserFactory()
    MembershipFactory(user=also_coordinator, role=Role.CASHIER, site=net.venue_a)
    MembershipFactory(user=also_coordinator, role=Role.COORDINATOR, area=net.area_b)
    assert not access.may_manage_account(net.coordinator, maintainer)
    assert not access.may_manage_account(net.coordinator, also_coordinator)


def test_an_inactive_national_admin_may_manage_nobody(net):
    net.national_admin.is_active = False
    net.national_admin.save()
    assert not access.may_manage_account(net.national_admin, net.cashier)


# --- The reported takeover, and its variants ---------------------------------------------


def test_a_coordinator_who_invites_the_national_admin_gains_no_power_over_the_account(
    net, client_for, django_capture_on_commit_callbacks
):
    coordinator = client_for("coordinator")
    admin = net.national_admin
    admin.totpdevice_set.create(name="phone", confirmed=True)
    password_before = admin.password
    with django_capture_on_commit_callbacks(execute=True):
        assert invite_to(coordinator, net.venue_a, admin.email).status_code == 302

    # The invitation only added a membership, and told the admin by email.
    admin.refresh_from_db()
    assert admin.memberships.filter(site=net.venue_a, role=Role.CASHIER).exists()
    assert admin.full_name != "Taken Over" and admin.password == password_before
    assert [m.to for m in mail.outbox] == [[admin.email]]
    assert "welcome" not in mail.outbox[0].body  # no link to set a password

    # Setting the password in the admin: no such page.
    assert coordinator.get(password_page(admin)).status_code == 404
    assert coordinator.post(password_page(admin), {"password1": "x" * 20}).status_code == 404
    # Changing the email (then resetting the password): refused.
    response = change_person(coordinator, admin, email="attacker@example.fi")
    assert response.status_code == 403
    # Deactivating: refused.
    assert change_person(coordinator, admin, is_active="").status_code == 403
    # Sending a reset link or removing the second factor: skipped.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        run_action(coordinator, "send_password_reset_link", admin)
        run_action(coordinator, "reset_second_factor", admin)
    assert mail.outbox == []
    admin.refresh_from_db()
    assert admin.email == "admin@example.fi" and admin.is_active
    assert admin.password == password_before
    assert admin.totpdevice_set.exists()


@pytest.mark.parametrize("victim", ["other_coordinator", "other_cashier", "other_venue_contact"])
def test_a_coordinator_cannot_take_over_a_person_of_another_area_by_inviting_them(
    net, client_for, victim
):
    coordinator = client_for("coordinator")
    person = getattr(net, victim)
    assert invite_to(coordinator, net.venue_a, person.email).status_code == 302
    # Now in the coordinator's list of people, but not theirs to change.
    assert coordinator.get(change_page(person)).status_code == 200
    assert change_person(coordinator, person, full_name="Renamed").status_code == 403
    assert coordinator.get(password_page(person)).status_code == 404
    person.refresh_from_db()
    assert person.full_name != "Renamed"


def test_the_change_page_of_a_person_one_may_not_manage_is_read_only(net, client_for):
    MembershipFactory(user=net.national_admin, role=Role.CASHIER, site=net.venue_a)
    page = client_for("coordinator").get(change_page(net.national_admin))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert "full_name" not in page.context["adminform"].form.fields


def test_a_coordinator_still_corrects_the_name_of_their_areas_cashier(net, client_for):
    response = change_person(client_for("coordinator"), net.cashier, full_name="Correct Name")
    assert response.status_code == 302
    net.cashier.refresh_from_db()
    assert net.cashier.full_name == "Correct Name"
    entry = AuditEntry.objects.get(action="person.changed")
    assert entry.actor == net.coordinator and entry.area == net.area_a
    assert entry.data == {"via": "admin", "fields": ["full_name"]}


def test_a_venue_contact_cannot_reach_their_cashiers_account(net, client_for):
    contact = client_for("venue_contact")
    assert contact.get(password_page(net.cashier)).status_code == 404
    assert contact.get(change_page(net.cashier)).status_code == 404
    assert change_person(contact, net.cashier, full_name="X").status_code == 404


@pytest.mark.parametrize("persona", ["national_admin", "coordinator", "venue_contact", "cashier"])
def test_nobody_has_a_page_for_setting_another_persons_password(net, client_for, persona):
    assert client_for(persona).get(password_page(net.cashier)).status_code == 404


def test_the_person_page_offers_no_password_field(net, client_for):
    page = client_for("national_admin").get(change_page(net.cashier))
    assert "password" not in page.context["adminform"].form.fields
    assert b"/password/" not in page.content


# --- What an admin may do instead -----------------------------------------------------------


def test_an_admin_sends_a_reset_link_that_lets_the_person_set_a_password(
    net, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(client_for("coordinator"), "send_password_reset_link", net.cashier)
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [[net.cashier.email]]
    link = next(word for word in mail.outbox[0].body.split() if "/password/reset/" in word)
    form = client_for("anonymous").get(link.split("testserver")[-1], follow=True)
    assert form.context["validlink"]
    assert AuditEntry.objects.filter(action="person.password_link_sent", area=net.area_a).exists()


def test_an_action_over_several_people_skips_those_one_may_not_manage(
    net, client_for, django_capture_on_commit_callbacks
):
    MembershipFactory(user=net.national_admin, role=Role.CASHIER, site=net.venue_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            client_for("coordinator"),
            "send_password_reset_link",
            net.cashier,
            net.national_admin,
        )
    assert [m.to for m in mail.outbox] == [[net.cashier.email]]
    texts = [str(m) for m in response.wsgi_request._messages]
    assert any("skipped" in text or "ohitettiin" in text for text in texts)


# --- The admin's "view on site" --------------------------------------------------------------


def view_on_site(obj) -> str:
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_view_on_site_redirects_only_for_objects_in_the_users_scope(net, client_for):
    coordinator = client_for("coordinator")
    assert coordinator.get(view_on_site(net.venue_a)).status_code == 302
    assert coordinator.get(view_on_site(net.venue_b)).status_code == 404
    assert coordinator.get(view_on_site(net.area_b)).status_code == 404
    assert client_for("national_admin").get(view_on_site(net.venue_b)).status_code == 302


@pytest.mark.parametrize("persona", ["venue_contact", "cashier", "distributor", "outsider"])
def test_view_on_site_is_404_for_everyone_outside_the_network_admin(net, client_for, persona):
    assert client_for(persona).get(view_on_site(net.venue_a)).status_code == 404


def test_view_on_site_is_404_for_unknown_types_and_objects(net, client_for):
    admin = client_for("national_admin")
    assert admin.get("/admin/r/999999/1/").status_code == 404
    assert (
        admin.get(view_on_site(net.venue_a).replace(f"/{net.venue_a.pk}/", "/x/")).status_code
        == 404
    )
    user_type = ContentType.objects.get_for_model(User)
    assert admin.get(f"/admin/r/{user_type.pk}/{net.cashier.pk}/").status_code == 404
