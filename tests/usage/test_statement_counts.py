"""What one recording and one card check cost the database, in SQL statements,
on the paths that the benchmark (bench/recording.py, docs/performance.md)
loads: a broker's recording, a cashier's recording at the desk and a broker's
card check. Each count includes everything the request issues — the token or
the session, the rate limiter, the locks, the use, its audit entry and the
statistics summary's upkeep — and, here, the SAVEPOINT and RELEASE that stand
for the transaction's BEGIN and COMMIT inside a test."""

import uuid

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from kaikukanta.models import AuditEntry
from stats.models import UseCell
from tests.factories import CardFactory, OfferingFactory
from tests.logins import log_in
from tests.usage.api.helpers import make_broker
from usage.models import Redemption

POSTGRESQL = connection.vendor == "postgresql"
# The token (or the session, the person and their second factor's question),
# the rate limiter and the site; then the card and the offering locked in one
# statement (on PostgreSQL with the lock timeout and the summary's lock on the
# card), one read of the earlier uses and the cap's count, and the use with its
# audit entry and summary cells: one statement on PostgreSQL (data-modifying
# CTEs), five on SQLite, which has none. Inside a test a SAVEPOINT and its
# RELEASE stand for the transaction's BEGIN and COMMIT.
API_RECORDING = 8 if POSTGRESQL else 12
DESK_RECORDING = 9 if POSTGRESQL else 13
CARD_CHECK = 3


@pytest.fixture(autouse=True)
def generous_rate_limit(settings):
    settings.API_RATE_LIMIT = "10000/s"
    settings.API_CARD_CHECK_RATE_LIMIT = "10000/s"


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, cap=100)


@pytest.fixture
def broker_client(net):
    broker = make_broker("Lippupiste Test", net.venue_a, area=net.area_a)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {broker.secret}")
    # The token's first use writes its last-used time (at most once a minute).
    client.get("/api/v1/sites")
    return client


def api_record(client, card, show):
    return client.post(
        "/api/v1/redemptions",
        {"card_id": card.card_id, "site_id": show.site_id, "offering_id": show.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )


def test_an_api_recording_costs_at_most_its_statements(
    net, broker_client, show, django_assert_max_num_queries
):
    api_record(broker_client, CardFactory(issued_by=net.dist_a), show)  # another card's use
    card = CardFactory(issued_by=net.dist_a)

    with django_assert_max_num_queries(API_RECORDING):
        response = api_record(broker_client, card, show)

    assert response.status_code == 201, response.content
    use = Redemption.objects.get(card=card)
    entry = AuditEntry.objects.get(action="redemption.recorded", object_id=str(use.pk))
    assert entry.data["card_id"] == card.card_id and entry.area_id == net.area_a.pk
    assert UseCell.objects.get(offering=show, channel="api").uses == 2


def test_a_desk_recording_costs_at_most_its_statements(
    net, client_for, show, django_assert_max_num_queries
):
    from django.test import Client

    cashier = log_in(Client(), net.cashier)
    net.cashier.last_desk_site = net.venue_a  # where they work: nothing to remember
    net.cashier.save(update_fields=["last_desk_site"])
    card = CardFactory(issued_by=net.dist_a)

    with django_assert_max_num_queries(DESK_RECORDING):
        response = cashier.post(
            "/desk/record/",
            {
                "site": net.venue_a.pk,
                "day": timezone.localdate().isoformat(),
                "card": card.card_id,
                "offering": show.pk,
                "children": 0,
                "key": f"desk:{net.cashier.pk}:{uuid.uuid4().hex}",
            },
        )

    assert response.status_code == 302
    use = Redemption.objects.get(card=card)
    assert use.recorded_by == net.cashier and use.offering == show
    assert AuditEntry.objects.filter(object_id=str(use.pk), actor=net.cashier).exists()


def test_a_card_check_costs_at_most_three_statements(
    net, broker_client, django_assert_max_num_queries
):
    card = CardFactory(issued_by=net.dist_a)

    with django_assert_max_num_queries(CARD_CHECK):
        response = broker_client.get(f"/api/v1/cards/{card.card_id}")

    assert response.status_code == 200
    assert response.json()["valid"] is True


def test_a_retry_with_its_key_records_nothing_new(net, broker_client, show):
    card = CardFactory(issued_by=net.dist_a)
    body = {"card_id": card.card_id, "site_id": show.site_id, "offering_id": show.pk}
    first = broker_client.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = broker_client.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY="k")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert Redemption.objects.filter(card=card).count() == 1
    assert AuditEntry.objects.filter(action="redemption.recorded").count() == 1
