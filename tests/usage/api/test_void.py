"""POST /api/v1/redemptions/{id}/void: with a reason, only the token's sites,
twice changes nothing."""

import pytest

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Redemption


def record(net, site):
    return services.record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=site,
        offering=OfferingFactory(site=site),
        channel=Redemption.Channel.DESK,
    ).redemption


def void(client, pk, body):
    return client.post(f"/api/v1/redemptions/{pk}/void", body, format="json")


@pytest.fixture
def use(net):
    return record(net, net.venue_a)


def test_it_voids_a_use_with_a_reason(broker, api, use):
    response = void(api(broker.secret), use.pk, {"reason": "sold by mistake"})

    assert response.status_code == 200
    assert response.json()["voided"] is True and response.json()["id"] == use.pk
    use.refresh_from_db()
    assert use.is_voided and use.void_reason == "sold by mistake" and use.voided_by is None
    entry = AuditEntry.objects.get(action="redemption.voided")
    assert broker.broker.name in entry.actor_label and broker.token.prefix in entry.actor_label
    assert broker.secret not in entry.actor_label


def test_voiding_twice_is_200_and_changes_nothing(broker, api, use):
    client = api(broker.secret)
    void(client, use.pk, {"reason": "first"})
    use.refresh_from_db()
    second = void(client, use.pk, {"reason": "second"})

    assert second.status_code == 200 and second.json()["voided"] is True
    again = Redemption.objects.get(pk=use.pk)
    assert (again.voided_at, again.void_reason) == (use.voided_at, "first")
    assert AuditEntry.objects.filter(action="redemption.voided").count() == 1


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 301}])
def test_a_reason_is_required(broker, api, use, body):
    data = problem(void(api(broker.secret), use.pk, body), 400, "invalid")
    assert list(data["errors"]) == ["reason"]
    use.refresh_from_db()
    assert not use.is_voided


def test_another_brokers_use_is_404_and_stays(net, broker, other_broker, api):
    theirs = record(net, net.venue_b)
    problem(void(api(broker.secret), theirs.pk, {"reason": "x"}), 404, "not_found")
    problem(void(api(broker.secret), 999999, {"reason": "x"}), 404, "not_found")
    theirs.refresh_from_db()
    assert not theirs.is_voided
    assert void(api(other_broker.secret), theirs.pk, {"reason": "x"}).status_code == 200
