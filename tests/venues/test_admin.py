"""The Django admin, walked model by model with every role: national admins see
everything, coordinators their area, everyone else is sent to the admin login,
and an object outside a coordinator's scope is a 404."""

import pytest
from django.urls import reverse

from kaikukanta.admin_site import admin_site
from kaikukanta.models import AuditEntry
from tests.conftest import PERSONAS

pytestmark = pytest.mark.django_db

NETWORK_MANAGERS = {"coordinator", "national_admin"}
MODELS = list(admin_site._registry)


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def in_scope_object(net, model):
    """One object of `model` in area A (coordinator's scope) and one in area B."""
    from usage.models import Broker
    from venues.models import Area, Membership, Municipality, Organisation, Site, User

    match model:
        case _ if model is Area:
            return net.area_a, net.area_b
        case _ if model is Municipality:
            return net.muni_a, net.muni_b
        case _ if model is Organisation:
            return net.venue_a.organisation, net.venue_b.organisation
        case _ if model is Site:
            return net.venue_a, net.venue_b
        case _ if model is Membership:
            return net.cashier.memberships.get(), net.other_cashier.memberships.get()
        case _ if model is User:
            return net.cashier, net.other_cashier
        case _ if model is AuditEntry:
            return audit_entry_at(net.venue_a), audit_entry_at(net.venue_b)
        case _ if model is Broker:
            return (
                Broker.objects.create(name="Broker A", area=net.area_a),
                Broker.objects.create(name="Broker B", area=net.area_b),
            )
    return None


def audit_entry_at(site):
    from django.db import transaction

    from kaikukanta import audit

    with transaction.atomic():
        return audit.log(action="test.entry", obj=site, site=site)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelists_serve_network_managers_only(client_for, persona, model):
    response = client_for(persona).get(admin_url(model, "changelist"))
    if persona in NETWORK_MANAGERS:
        assert response.status_code == 200
    elif persona == "anonymous":
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]
    else:
        assert response.status_code == 404  # outside their scope


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_a_coordinator_gets_404_for_objects_of_another_area(net, client_for, model):
    objects = in_scope_object(net, model)
    if objects is None:
        pytest.skip(f"{model._meta.label} has its own admin scoping test")
    mine, theirs = objects
    coordinator = client_for("coordinator")
    admin = client_for("national_admin")

    # A read-only admin answers the change URL with its view page.
    assert coordinator.get(admin_url(model, "change", mine.pk)).status_code == 200
    assert coordinator.get(admin_url(model, "change", theirs.pk)).status_code == 404
    assert admin.get(admin_url(model, "change", theirs.pk)).status_code == 200


def test_a_coordinators_changelist_lists_only_the_areas_sites(net, client_for):
    response = client_for("coordinator").get(admin_url(net.venue_a.__class__, "changelist"))
    assert b"Venue A" in response.content
    assert b"Venue B" not in response.content


def test_a_coordinator_can_only_place_a_site_in_the_areas_municipalities(net, client_for):
    response = client_for("coordinator").get(admin_url(net.venue_a.__class__, "add"))
    choices = [str(m) for m in response.context["adminform"].form.fields["municipality"].queryset]
    assert choices == ["Town A"]


def test_a_coordinator_cannot_add_areas_or_municipalities(net, client_for):
    coordinator = client_for("coordinator")
    assert coordinator.get(admin_url(net.area_a.__class__, "add")).status_code == 403
    assert coordinator.get(admin_url(net.muni_a.__class__, "add")).status_code == 403


def test_a_coordinator_cannot_make_anyone_a_national_admin(net, client_for):
    response = client_for("coordinator").get(
        admin_url(net.cashier.__class__, "change", net.cashier.pk)
    )
    assert "is_national_admin" not in response.context["adminform"].form.fields


def test_audit_entries_are_read_only_in_the_admin(net, client_for):
    response = client_for("national_admin").get(admin_url(AuditEntry, "add"))
    assert response.status_code == 403
