"""Confirming imports at the same moment, with truly parallel database
connections (PostgreSQL): a double click or two people confirming one batch
record it once, and two files with the same rows confirmed at once count
each use once."""

from collections import Counter

import pytest
from django.db import connection

from kaikukanta.models import AuditEntry
from tests.concurrency import run_at_once
from tests.usage.offline_helpers import csv_bytes, days_ago, scene
from usage.models import ImportBatch, Redemption
from usage.sheets import imports

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Row locks and parallel writers need PostgreSQL; SQLite serialises all writers.",
    ),
]


def _batch(net, world) -> ImportBatch:
    rows = [["Date", "Offering", "Card ID"]] + [
        [days_ago(3).isoformat(), "Hamlet", card.card_id] for card in world.cards
    ]
    return imports.start_file_import(
        site=net.venue_a, user=net.venue_contact, data=csv_bytes(rows), file_name="uses.csv"
    )


def _at_once(*jobs) -> Counter:
    """Run the confirmations at once; count how many uses each saw recorded."""
    return run_at_once([lambda job=job: f"recorded {job().counts['recorded']}" for job in jobs])


def test_one_batch_confirmed_twice_at_once_is_recorded_once(net):
    world = scene(net)
    batch = _batch(net, world)

    def confirm():
        return imports.confirm_batch(batch=batch, site=net.venue_a, user=net.venue_contact)

    outcomes = _at_once(confirm, confirm)

    assert outcomes == Counter({f"recorded {len(world.cards)}": 2})  # both see the one result
    assert Redemption.objects.count() == len(world.cards)
    assert AuditEntry.objects.filter(action="import.confirmed").count() == 1


def test_two_files_with_the_same_rows_confirmed_at_once_count_each_use_once(net):
    world = scene(net)
    first, second = _batch(net, world), _batch(net, world)

    def confirm(batch):
        return lambda: imports.confirm_batch(batch=batch, site=net.venue_a, user=net.venue_contact)

    outcomes = _at_once(confirm(first), confirm(second))

    assert sorted(outcomes) == ["recorded 0", f"recorded {len(world.cards)}"]
    assert Redemption.objects.count() == len(world.cards)
    already = [b.counts["already"] for b in ImportBatch.objects.all()]
    assert sorted(already) == [0, len(world.cards)]
