"""Inviting people: a coordinator to any site or the area, a venue contact
person cashiers to their own site; the invitation is a one-time link."""

import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.urls import reverse

from kaikukanta.models import AuditEntry
from venues.models import Membership, User

pytestmark = pytest.mark.django_db
Role = Membership.Role


def invite(client, data, **query):
    url = reverse("venues:invite") + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return client.post(url, {**query, **data})


def link_in(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def test_a_coordinator_invites_a_new_person_who_sets_a_password_with_the_link(
    net, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(
            client_for("coordinator"),
            {"email": "New.Cashier@Example.fi", "full_name": "New Cashier", "role": Role.CASHIER},
            site=net.venue_a2.pk,
        )

    assert response.status_code == 302
    user = User.objects.get(email="new.cashier@example.fi")
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, role=Role.CASHIER, site=net.venue_a2).exists()
    assert AuditEntry.objects.filter(action="membership.invited", site=net.venue_a2).exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.cashier@example.fi"]

    path = urlparse(link_in(mail.outbox[0])).path
    anonymous = client_for("anonymous")
    form_page = anonymous.get(path, follow=True)
    assert form_page.status_code == 200 and form_page.context["validlink"]
    done = anonymous.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "A-long-new-passw0rd", "new_password2": "A-long-new-passw0rd"},
    )
    assert done.status_code == 302
    assert anonymous.login(username="new.cashier@example.fi", password="A-long-new-passw0rd")

    # The link works once.
    again = client_for("anonymous").get(path, follow=True)
    assert not again.context["validlink"]


def test_a_person_who_already_logs_in_gets_the_new_access_without_a_password_link(
    net, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(
            client_for("coordinator"),
            {"email": net.cashier.email, "full_name": "x", "role": Role.CASHIER},
            site=net.venue_a2.pk,
        )
    assert net.cashier.memberships.count() == 2
    assert "/accounts/login/" in mail.outbox[0].body
    assert "welcome" not in mail.outbox[0].body


def test_a_venue_contact_person_may_invite_only_cashiers_to_their_own_site(net, client_for):
    contact = client_for("venue_contact")
    page = contact.get(reverse("venues:invite") + f"?site={net.venue_a.pk}")
    assert [value for value, _ in page.context["form"].fields["role"].choices] == [Role.CASHIER]

    response = invite(
        contact,
        {"email": "boss@example.fi", "full_name": "Boss", "role": Role.VENUE_CONTACT},
        site=net.venue_a.pk,
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="boss@example.fi").exists()
    assert contact.get(reverse("venues:invite") + f"?site={net.venue_a2.pk}").status_code == 404


def test_a_coordinator_invites_distributors_only_to_distributor_sites(net, client_for):
    page = client_for("coordinator").get(reverse("venues:invite") + f"?site={net.dist_a.pk}")
    assert [value for value, _ in page.context["form"].fields["role"].choices] == [Role.DISTRIBUTOR]


def test_a_coordinator_cannot_invite_to_another_area(net, client_for):
    response = invite(
        client_for("coordinator"),
        {"email": "x@example.fi", "full_name": "X", "role": Role.CASHIER},
        site=net.venue_b.pk,
    )
    assert response.status_code == 404
    assert not User.objects.filter(email="x@example.fi").exists()


def test_removing_access_keeps_the_person_and_leaves_an_audit_entry(net, client_for):
    membership = net.cashier.memberships.get()
    response = client_for("venue_contact").post(
        reverse("venues:membership_remove", args=[membership.pk])
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=net.cashier.pk).exists()
    assert AuditEntry.objects.filter(action="membership.removed").exists()


def test_nobody_removes_their_own_access(net, client_for):
    membership = net.coordinator.memberships.get()
    client_for("coordinator").post(reverse("venues:membership_remove", args=[membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()
