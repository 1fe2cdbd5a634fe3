"""Concurrent cashiers against a cap, with truly parallel database connections.

Like pretix's concurrency tests: threads with their own connections start at
once behind a barrier; a test-only hook widens the window between counting the
cap and inserting, so that a missing lock shows up every time. The negative
control switches the row lock off and shows the race is then observable —
proof that the first test passes because of the lock, not by luck."""

import time
from collections import Counter

import pytest
from django.db import connection

from tests.concurrency import run_at_once
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Redemption
from usage.services import RedemptionRefused, record_redemption

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks and parallel writers need PostgreSQL; SQLite serialises all writers.",
    ),
]

THREADS = 20
CAP = 5


def at_the_desk(net, card, offering):
    """The cashier of venue A records `card` for `offering`, today."""
    return record_redemption(
        card_id=card.card_id,
        site=net.venue_a,
        offering=offering,
        channel=Redemption.Channel.DESK,
        recorded_by=net.cashier,
    )


def race(net, offering, cards) -> Counter:
    """Each thread records one card for `offering` at the same moment; returns
    how many were recorded and how many refused, by code."""

    def cashier(card):
        def job():
            try:
                at_the_desk(net, card, offering)
            except RedemptionRefused as refusal:
                return refusal.code
            return "recorded"

        return job

    return run_at_once([cashier(card) for card in cards])


def test_cap_is_never_exceeded_by_concurrent_cashiers(net, wide_race_window):
    offering = OfferingFactory(site=net.venue_a, cap=CAP)
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(THREADS)]

    outcomes = race(net, offering, cards)

    assert outcomes == Counter({"recorded": CAP, "cap_reached": THREADS - CAP})
    assert services.tickets_used(offering, offering.date) == CAP


def test_negative_control_without_the_row_lock_the_cap_is_overrun(
    net, wide_race_window, monkeypatch
):
    monkeypatch.setattr(services, "_lock_rows", False)
    offering = OfferingFactory(site=net.venue_a, cap=CAP)
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(THREADS)]

    outcomes = race(net, offering, cards)

    assert not [o for o in outcomes if o.startswith("error")], outcomes
    assert outcomes["recorded"] > CAP, outcomes
    assert services.tickets_used(offering, offering.date) > CAP


def test_the_same_card_scanned_at_two_desks_at_once_is_recorded_once(net, wide_race_window):
    offering = OfferingFactory(site=net.venue_a, cap=None)
    card = CardFactory(issued_by=net.dist_a)

    outcomes = race(net, offering, [card] * 8)

    assert outcomes == Counter({"recorded": 1, "already_recorded": 7})


def test_a_deadlock_is_answered_busy_and_nothing_is_recorded(net, monkeypatch, caplog):
    """A real deadlock: another transaction holds what the recording writes
    next (the audit table) and waits for the card the recording has locked.
    PostgreSQL rolls one of the two back; it is the recording (the other
    waits longer before it looks for deadlocks), which is answered busy, with
    nothing of it left, and logged as the fault it is. Sent again, it is
    recorded."""
    import threading

    import psycopg

    from kaikukanta.models import AuditEntry

    offering = OfferingFactory(site=net.venue_a, cap=None)
    card = CardFactory(issued_by=net.dist_a)
    db = connection.settings_dict
    holding, other = threading.Event(), {}

    def other_transaction():
        with psycopg.connect(
            host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"]
        ) as conn:
            other["pid"] = conn.info.backend_pid
            conn.execute("SET deadlock_timeout = '30s'")
            conn.execute(f"LOCK TABLE {AuditEntry._meta.db_table} IN SHARE MODE")
            holding.set()
            conn.execute("SELECT id FROM usage_card WHERE id = %s FOR UPDATE", [card.pk])
            other["got the card"] = True
            conn.rollback()

    thread = threading.Thread(target=other_transaction)

    def window():  # the recording holds the card and the offering now
        thread.start()
        assert holding.wait(10)
        with connection.cursor() as cursor:  # until the other waits for the card
            for _ in range(200):
                cursor.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [other["pid"]]
                )
                if cursor.fetchone()[0] == "Lock":
                    return
                time.sleep(0.02)
        raise AssertionError("the other transaction never waited for the card")

    monkeypatch.setattr(services, "_race_window", window)
    with pytest.raises(RedemptionRefused) as refused:
        at_the_desk(net, card, offering)
    thread.join(timeout=30)

    assert refused.value.code == "busy"
    assert other == {"pid": other["pid"], "got the card": True}
    assert not Redemption.objects.exists() and not AuditEntry.objects.exists()
    assert "met a deadlock and was answered busy: deadlock detected" in caplog.text
    assert card.card_id not in caplog.text

    monkeypatch.setattr(services, "_race_window", None)
    again = at_the_desk(net, card, offering)
    assert again.created and Redemption.objects.count() == 1
