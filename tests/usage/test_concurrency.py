"""Concurrent cashiers against a cap, with truly parallel database connections.

Like pretix's concurrency tests: threads with their own connections start at
once behind a barrier; a test-only hook widens the window between counting the
cap and inserting, so that a missing lock shows up every time. The negative
control switches the row lock off and shows the race is then observable —
proof that the first test passes because of the lock, not by luck."""

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


def race(net, offering, cards) -> Counter:
    """Each thread records one card for `offering` at the same moment; returns
    how many were recorded and how many refused, by code."""

    def cashier(card):
        def job():
            try:
                record_redemption(
                    card_id=card.card_id,
                    site=net.venue_a,
                    offering=offering,
                    channel=Redemption.Channel.DESK,
                    recorded_by=net.cashier,
                )
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
