"""The API under concurrent writers, on PostgreSQL with truly parallel
connections (as tests/usage/test_concurrency.py): many clients sending the same
Idempotency-Key record once, and API clients racing desk cashiers for the last
places never exceed the cap."""

import random
import threading
import time
from collections import Counter

import pytest
from django.db import connection, connections
from rest_framework.test import APIClient

from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import make_broker
from usage import services
from usage.models import Redemption
from usage.services import RedemptionRefused

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks and parallel writers need PostgreSQL; SQLite serialises all writers.",
    ),
]


@pytest.fixture
def wide_race_window(monkeypatch):
    monkeypatch.setattr(services, "_race_window", lambda: time.sleep(0.05))


def run_at_once(jobs, jitter: float = 0.0) -> Counter:
    """Run each job in its own thread with its own connection, all released at
    once (then each after a random delay up to `jitter` seconds, so that
    different kinds of jobs interleave); returns a count of what the jobs
    returned (or of their errors)."""
    barrier = threading.Barrier(len(jobs))
    outcomes: Counter = Counter()
    lock = threading.Lock()

    def run(job):
        try:
            barrier.wait()
            time.sleep(random.uniform(0, jitter))
            outcome = job()
        except Exception as error:  # any unexpected error fails the test
            outcome = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def api_job(secret, body, key, ids=None):
    def job():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = client.post("/api/v1/redemptions", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
        data = response.json()
        if ids is not None and "id" in data:
            ids.append(data["id"])
        return f"api {response.status_code} {data.get('code', '')}".strip()

    return job


def desk_job(net, card, offering):
    def job():
        try:
            services.record_redemption(
                card_id=card.card_id,
                site=net.venue_a,
                offering=offering,
                channel=Redemption.Channel.DESK,
                recorded_by=net.cashier,
            )
        except RedemptionRefused as refusal:
            return f"desk {refusal.code}"
        return "desk recorded"

    return job


def test_the_same_idempotency_key_sent_by_many_clients_at_once_records_once(
    net, settings, wide_race_window
):
    settings.API_RATE_LIMIT = "10000/s"
    broker = make_broker("Race Tickets", net.venue_a)
    card = CardFactory(issued_by=net.dist_a)
    show = OfferingFactory(site=net.venue_a, cap=None)
    body = {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": show.pk}
    ids: list[int] = []

    outcomes = run_at_once([api_job(broker.secret, body, "retry-storm", ids) for _ in range(10)])

    assert outcomes == Counter({"api 201": 1, "api 200": 9}), outcomes
    assert Redemption.objects.count() == 1
    assert set(ids) == {Redemption.objects.get().pk}


def mixed_race(net, settings):
    """10 API clients (a holder and a child: two tickets each) and 10 desk
    cashiers (one ticket each) at once for a show with a cap of 20."""
    settings.API_RATE_LIMIT = "10000/s"
    cap = 20
    broker = make_broker("Race Tickets", net.venue_a)
    show = OfferingFactory(site=net.venue_a, cap=cap)
    api_cards = [CardFactory(issued_by=net.dist_a, children=1) for _ in range(10)]
    desk_cards = [CardFactory(issued_by=net.dist_a) for _ in range(10)]
    jobs = [
        api_job(
            broker.secret,
            {
                "card_id": c.card_id,
                "site_id": net.venue_a.pk,
                "offering_id": show.pk,
                "children": 1,
            },
            f"sale-{index}",
        )
        for index, c in enumerate(api_cards)
    ] + [desk_job(net, c, show) for c in desk_cards]
    return show, run_at_once(jobs, jitter=0.1)


def test_api_clients_and_desk_cashiers_at_once_never_exceed_the_cap(
    net, settings, wide_race_window
):
    show, outcomes = mixed_race(net, settings)

    assert set(outcomes) <= {
        "api 201",
        "api 409 cap_reached",
        "desk recorded",
        "desk cap_reached",
    }, outcomes
    used = services.tickets_used(show, show.date)
    assert used <= show.cap
    # The places were all taken (a last single place may stay for a two-ticket use).
    assert used >= show.cap - 1
    assert outcomes["api 201"] * 2 + outcomes["desk recorded"] == used
    assert sum(outcomes.values()) == 20
    # The desk can take at most 10 places, so the API got some of them too.
    assert outcomes["api 201"] >= 5


def test_negative_control_without_the_row_lock_the_mixed_race_overruns_the_cap(
    net, settings, wide_race_window, monkeypatch
):
    monkeypatch.setattr(services, "_lock_rows", False)
    show, outcomes = mixed_race(net, settings)

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert services.tickets_used(show, show.date) > show.cap, outcomes
