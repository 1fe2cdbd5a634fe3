"""Every change made in the admin to a person, membership, broker, site or
organisation is written to the app's audit trail (not only Django's admin
history), in the same transaction, with who, what and which fields."""

import pytest
from django.urls import reverse

from kaikukanta.admin_site import AuditedAdmin, admin_site
from kaikukanta.audit import ACTION_LABELS
from kaikukanta.models import AuditEntry
from tests.factories import MembershipFactory, SiteFactory
from usage.models import Broker
from venues.models import Membership, Site

pytestmark = pytest.mark.django_db
Role = Membership.Role


def form_data(response) -> dict:
    """The admin form's current values, inlines included, ready to post back."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form[name].value()
        if value is None or value is False:
            continue
        if isinstance(value, list | tuple):
            data[name] = [str(v) for v in value]
        else:
            data[name] = "on" if value is True else str(value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
        for row in formset.forms:
            for name in row.fields:
                value = row[name].value()
                if value not in (None, False):
                    data[row.add_prefix(name)] = "on" if value is True else str(value)
    return data


def change(client, model, obj, **changes):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    data = form_data(client.get(url)) | changes
    return client.post(url, data)


def test_every_audited_admin_action_has_a_label():
    audited = [a for a in admin_site._registry.values() if isinstance(a, AuditedAdmin)]
    assert {type(a).__name__ for a in audited} >= {
        "UserAdmin",
        "MembershipAdmin",
        "SiteAdmin",
        "OrganisationAdmin",
        "BrokerAdmin",
    }
    for model_admin in audited:
        assert set(model_admin.audit_actions) == {"added", "changed", "deleted"}
        assert set(model_admin.audit_actions.values()) <= set(ACTION_LABELS)


def test_a_site_change_in_the_admin_is_audited_with_its_fields(net, client_for):
    response = change(client_for("coordinator"), type(net.venue_a), net.venue_a, name="Renamed")
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = AuditEntry.objects.get(action="site.changed")
    assert entry.site == net.venue_a and entry.area == net.area_a
    assert entry.actor == net.coordinator
    assert entry.data == {"via": "admin", "fields": ["name"]}


def test_an_organisation_change_is_audited(net, client_for):
    organisation = net.venue_a.organisation
    response = change(client_for("coordinator"), type(organisation), organisation, name="New")
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="organisation.changed").area == net.area_a


def test_a_brokers_change_is_audited_and_a_new_token_too(net, client_for):
    broker = Broker.objects.create(name="Lippupalvelu", area=net.area_a)
    response = change(
        client_for("coordinator"),
        Broker,
        broker,
        sites=[str(net.venue_a.pk)],
        new_token="on",
        new_token_label="till",
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="broker.changed")
    assert entry.area == net.area_a and "sites" in entry.data["fields"]
    assert AuditEntry.objects.filter(action="broker_token.created").exists()


def test_adding_and_removing_a_membership_in_the_admin_is_audited(net, client_for):
    coordinator = client_for("coordinator")
    response = coordinator.post(
        reverse("admin:venues_membership_add"),
        {"user": net.cashier.pk, "role": Role.CASHIER, "site": net.venue_a2.pk},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=net.cashier, site=net.venue_a2)
    added = AuditEntry.objects.get(action="membership.added")
    assert added.site == net.venue_a2 and added.data["user_id"] == net.cashier.pk

    response = coordinator.post(
        reverse("admin:venues_membership_changelist"),
        {"action": "delete_selected", "_selected_action": [membership.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    removed = AuditEntry.objects.get(action="membership.removed")
    assert removed.object_id == str(membership.pk) and removed.actor == net.coordinator


def test_a_national_admin_deleting_a_person_is_audited(net, client_for):
    person = net.outsider
    response = client_for("national_admin").post(
        reverse("admin:venues_user_delete", args=[person.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action="person.deleted")
    assert entry.object_id == str(person.pk) and entry.actor == net.national_admin


def test_a_refused_change_writes_nothing(net, client_for):
    MembershipFactory(user=net.national_admin, role=Role.CASHIER, site=net.venue_a)
    url = reverse("admin:venues_user_change", args=[net.national_admin.pk])
    response = client_for("coordinator").post(url, {"full_name": "X", "email": "x@example.fi"})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="person.").exists()


def test_a_national_admin_deleting_a_site_without_history_is_audited_under_its_area(
    net, client_for
):
    # The entry is filed under the area: one that pointed at the site would keep
    # the site from being deleted (the audit trail protects what it names).
    site = SiteFactory(organisation=net.venue_a.organisation, municipality=net.venue_a.municipality)
    response = client_for("national_admin").post(
        reverse("admin:venues_site_delete", args=[site.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Site.objects.filter(pk=site.pk).exists()
    entry = AuditEntry.objects.get(action="site.deleted")
    assert entry.site is None and entry.area == net.area_a
    assert entry.object_id == str(site.pk) and entry.actor == net.national_admin
