"""Brokers in the admin: a coordinator manages their area's brokers with their
area's venue sites; a national admin all. A new token is shown once; tokens
are revoked there."""

import re

import pytest
from django.urls import reverse

from tests.usage.api.helpers import make_broker
from usage import brokers
from usage.models import Broker, BrokerToken

CHANGELIST = reverse("admin:usage_broker_changelist")
ADD = reverse("admin:usage_broker_add")


def change_url(broker):
    return reverse("admin:usage_broker_change", args=[broker.pk])


def form_data(broker=None, **overrides):
    data = {
        "name": broker.name if broker else "New Broker",
        "contact_email": "",
        "area": broker.area_id if broker and broker.area_id else "",
        "sites": [s.pk for s in broker.sites.all()] if broker else [],
        "is_active": "on",
        "new_token_label": "",
        "tokens-TOTAL_FORMS": "0",
        "tokens-INITIAL_FORMS": "0",
        "tokens-MIN_NUM_FORMS": "0",
        "tokens-MAX_NUM_FORMS": "1000",
    }
    if broker:
        tokens = list(broker.tokens.order_by("-created_at"))
        data["tokens-TOTAL_FORMS"] = data["tokens-INITIAL_FORMS"] = str(len(tokens))
        for index, token in enumerate(tokens):
            data[f"tokens-{index}-id"] = token.pk
            data[f"tokens-{index}-broker"] = broker.pk
    data.update(overrides)
    return data


@pytest.fixture
def ours(net):
    return make_broker("Ours", net.venue_a, area=net.area_a)


@pytest.fixture
def theirs(net):
    return make_broker("Theirs", net.venue_b, area=net.area_b)


def test_a_coordinator_lists_their_areas_brokers_only(client_for, ours, theirs):
    page = client_for("coordinator").get(CHANGELIST).content.decode()
    assert "Ours" in page and "Theirs" not in page
    assert client_for("coordinator").get(change_url(theirs.broker)).status_code == 404


def test_a_national_admin_lists_all(client_for, ours, theirs):
    page = client_for("national_admin").get(CHANGELIST).content.decode()
    assert "Ours" in page and "Theirs" in page


@pytest.mark.parametrize("persona", ["cashier", "venue_contact", "distributor", "outsider"])
def test_other_roles_have_no_broker_admin(client_for, ours, persona):
    assert client_for(persona).get(CHANGELIST).status_code == 404  # outside their scope


def test_a_coordinator_can_choose_only_their_areas_venue_sites(net, client_for):
    form = client_for("coordinator").get(ADD).context["adminform"].form
    assert set(form.fields["sites"].queryset) == {net.venue_a, net.venue_a2}
    assert set(form.fields["area"].queryset) == {net.area_a}


def test_a_coordinator_cannot_give_a_site_of_another_area(net, client_for):
    response = client_for("coordinator").post(
        ADD, form_data(area=net.area_a.pk, sites=[net.venue_b.pk])
    )
    assert response.status_code == 200  # the form again, with an error
    assert not Broker.objects.exists()


def test_creating_a_broker_with_a_token_shows_the_token_once(net, client_for, api):
    client = client_for("coordinator")
    response = client.post(
        ADD,
        form_data(
            area=net.area_a.pk, sites=[net.venue_a.pk], new_token="on", new_token_label="pos"
        ),
        follow=True,
    )

    broker = Broker.objects.get(name="New Broker")
    stored = broker.tokens.get()
    page = response.content.decode()
    token = re.search(r"<code>(kkb_[a-z0-9]{8}_[A-Za-z0-9]{40})</code>", page).group(1)
    assert token.startswith(stored.prefix) and stored.label == "pos"
    assert stored.created_by == net.coordinator
    assert api(token).get("/api/v1/sites").status_code == 200
    # Never again: not on the broker's page, not in the list.
    assert token not in client.get(change_url(broker)).content.decode()
    assert token not in client.get(CHANGELIST).content.decode()
    assert stored.prefix in client.get(change_url(broker)).content.decode()


def test_a_token_is_revoked_from_the_brokers_page(client_for, ours, api):
    client = client_for("coordinator")
    data = form_data(ours.broker, **{"tokens-0-revoke": "on"})
    response = client.post(change_url(ours.broker), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert BrokerToken.objects.get(pk=ours.token.pk).revoked_at is not None
    assert api(ours.secret).get("/api/v1/sites").status_code == 401


def test_saving_keeps_sites_of_other_areas_given_by_kaikukeskus(net, client_for, ours):
    ours.broker.sites.add(net.venue_b)
    response = client_for("coordinator").post(
        change_url(ours.broker), form_data(ours.broker, sites=[net.venue_a2.pk])
    )
    assert response.status_code == 302
    assert set(ours.broker.sites.all()) == {net.venue_a2, net.venue_b}


def test_a_coordinator_must_place_a_broker_in_their_area(net, client_for):
    response = client_for("coordinator").post(ADD, form_data(sites=[net.venue_a.pk]))
    assert response.status_code == 200
    assert not Broker.objects.exists()


def test_a_national_admin_may_leave_the_area_empty(net, client_for):
    response = client_for("national_admin").post(
        ADD, form_data(sites=[net.venue_a.pk, net.venue_b.pk])
    )
    assert response.status_code == 302
    assert Broker.objects.get().area is None


def test_only_a_national_admin_deletes_a_broker(client_for, ours):
    delete = reverse("admin:usage_broker_delete", args=[ours.broker.pk])
    assert client_for("coordinator").get(delete).status_code == 403
    assert client_for("national_admin").get(delete).status_code == 200


def test_revoking_through_the_service_is_audited(ours):
    brokers.revoke_token(token=ours.token)
    from kaikukanta.models import AuditEntry

    entry = AuditEntry.objects.get(action="broker_token.revoked")
    assert entry.data["prefix"] == ours.token.prefix and entry.area == ours.broker.area
