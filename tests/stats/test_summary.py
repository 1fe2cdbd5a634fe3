"""The summary kept in the recording transaction equals the aggregate of the raw
uses: after records, voids, a card's background corrected, and a rebuild."""

import contextlib
import datetime
import random
import threading

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction

from stats import queries, summary
from stats.filters import Filters, Period
from stats.models import CardPeriodCell, CardsUsed, SiteCell, UseCell
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Card, Offering, Redemption

D = datetime.date


def snapshot() -> dict:
    """Every non-zero count of the summary (a zero row and a missing row agree)."""
    return {
        "uses": {
            (c.month, c.site_id, c.offering_id, c.channel): (c.uses, c.children, c.other_area_uses)
            for c in UseCell.objects.all()
            if c.uses or c.children or c.other_area_uses
        },
        "sites": {
            (c.month, c.site_id, c.dimension, c.value): (c.uses, c.children, c.other_area_uses)
            for c in SiteCell.objects.all()
            if c.uses or c.children or c.other_area_uses
        },
        "cards": {
            (c.period, c.start, c.scope, c.key): c.cards for c in CardsUsed.objects.all() if c.cards
        },
        "periods": {
            (c.month, c.site_id, c.kind): c.periods
            for c in CardPeriodCell.objects.all()
            if c.periods
        },
    }


def rebuilt() -> dict:
    """What the summary is when recomputed from the raw uses."""
    kept = snapshot()
    summary.rebuild()
    fresh = snapshot()
    assert summary.is_fresh()
    return kept, fresh


def test_the_kept_summary_equals_a_rebuild_after_records_and_voids(usage):
    kept, fresh = rebuilt()
    assert kept == fresh
    # And some cells by hand: Venue A in March 2025, O1 at the desk: uses 1, 2, 8.
    month = D(2025, 3, 1)
    o1 = usage.offerings.o1
    assert kept["uses"][(month, o1.site_id, o1.pk, "desk")] == (3, 7, 0)
    assert kept["uses"][(month, o1.site_id, o1.pk, "api")] == (1, 1, 1)  # C3 from area B
    # C4's voided use on 20 May leaves its use on 21 May: still one card that month.
    assert kept["cards"][("month", D(2025, 5, 1), "site", o1.site_id)] == 2  # C1, C4


def test_voiding_a_cards_last_use_of_a_period_takes_the_card_off(net, usage):
    u9 = usage.uses.u9  # C1 at Venue A2, its only use there in April and in Q2
    key = ("month", D(2025, 4, 1), "site", net.venue_a2.pk)
    assert snapshot()["cards"][key] == 1
    services.void_redemption(redemption=u9, reason="test")
    after = snapshot()
    assert key not in after["cards"]
    # C1 is still used in area A in Q2 (20 May at Venue A): the area keeps it.
    assert after["cards"][("quarter", D(2025, 4, 1), "area", net.area_a.pk)] == 2  # C1, C4
    kept, fresh = rebuilt()
    assert kept == fresh


def test_a_corrected_background_moves_the_uses_between_holder_cells(net, usage):
    c4 = usage.cards.c4  # born 2000: 18–29
    services.update_card_background(
        card=c4, site=net.dist_a, changed_by=None, birth_year=1970, gender="female"
    )
    kept, fresh = rebuilt()
    assert kept == fresh
    report = queries.site_report(net.venue_a, Filters(Period.year(2025)), card_figures=True)
    ages = {row[0]: row[1] for row in report.table("by_age_band").rows}
    assert ages["18–29"] == 0 and ages["45–64"] == 1


def test_moving_a_site_to_another_area_makes_reports_read_the_raw_uses(net, usage):
    report = queries.area_report(net.area_a, Filters(Period.year(2025)))
    assert report.from_summary and report.figure("other") == 1
    net.venue_a2.municipality = net.muni_b
    net.venue_a2.save()
    assert not summary.is_fresh()
    moved = queries.national_report(Filters(Period.year(2025)))
    assert not moved.from_summary
    call_command("rebuild_stats")
    assert summary.is_fresh()
    again = queries.national_report(Filters(Period.year(2025)))
    assert again.from_summary
    assert [t.rows for t in again.tables] == [t.rows for t in moved.tables]
    # C1's and C4's uses at Venue A2 (cards of area A), now in area B, come from
    # another area: 2 before, 4 now.
    assert again.figure("other") == 4


def test_random_records_and_voids_keep_the_summary_equal_to_the_raw_uses(net):
    rng = random.Random(4)
    cards = [
        CardFactory(
            issued_by=rng.choice([net.dist_a, net.dist_b]),
            issued_on=D(2025, 1, 1),
            birth_year=rng.choice([1940, 1960, 1990, 2009]),
            gender=rng.choice(["", "female", "male"]),
            life_situation=rng.choice(["", "retired", "student"]),
            children=rng.choice([0, 2]),
        )
        for _ in range(12)
    ]
    sites = [net.venue_a, net.venue_a2, net.venue_b]
    offerings = [
        OfferingFactory(
            site=rng.choice(sites),
            kind=Offering.Kind.SHOW,
            sector=rng.choice(Offering.Sector.values),
            date=D(2025, rng.randint(1, 12), rng.randint(1, 28)),
        )
        for _ in range(15)
    ]
    recorded = []
    for _ in range(80):
        offering = rng.choice(offerings)
        card = rng.choice(cards)
        with contextlib.suppress(services.RedemptionRefused):
            recorded.append(
                services.record_redemption(
                    card_id=card.card_id,
                    site=offering.site,
                    offering=offering,
                    channel=rng.choice(Redemption.Channel.values),
                    used_on=offering.date,
                    children=rng.choice([0, 0, card.children]),
                ).redemption
            )
        if recorded and rng.random() < 0.25:
            services.void_redemption(redemption=rng.choice(recorded), reason="random")
    assert len(recorded) > 30

    periods = [Period.year(2025), Period.quarter(2025, 2), Period.month(2025, 7)]
    filters = [Filters(p) for p in periods] + [
        Filters(periods[0], site=net.venue_a),
        Filters(periods[1], channel="desk"),
        Filters(periods[0], sector="culture"),
    ]

    def reports():
        out = []
        for f in filters:
            out.append(queries.national_report(f))
            out.append(queries.area_report(net.area_a, f))
            out.append(queries.site_report(net.venue_b, f, card_figures=True))
        return [
            ([(x.key, x.value) for x in r.figures + r.card_figures], [t.rows for t in r.tables])
            for r in out
        ]

    from_summary = reports()
    summary.mark_stale("compare with the raw uses")
    from_raw = reports()
    assert from_summary == from_raw
    kept_state = snapshot()
    summary.rebuild()
    assert snapshot() == kept_state


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Parallel writers need PostgreSQL; SQLite serialises all writers.",
)
def test_concurrent_records_and_voids_keep_the_summary_exact():
    """Cashiers at one site record and void at once (the same cells, the same
    cards): no count is lost and no card counted twice."""
    from tests.conftest import _build_network

    net = _build_network()
    summary.rebuild()
    offering = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.ADMISSION,
        date=D(2025, 1, 1),
        end_date=D(2025, 12, 31),
        start_time=None,
    )
    cards = [CardFactory(issued_by=net.dist_a, issued_on=D(2025, 1, 1), children=1)
             for _ in range(6)]  # fmt: skip
    first = [
        services.record_redemption(card_id=c.card_id, site=net.venue_a, offering=offering,
                                   channel="desk", used_on=D(2025, 3, 1)).redemption
        for c in cards
    ]  # fmt: skip
    barrier = threading.Barrier(12)
    errors = []

    def work(index):
        try:
            barrier.wait()
            card = cards[index % 6]
            if index < 6:
                services.void_redemption(redemption=first[index], reason="parallel")
            else:
                services.record_redemption(
                    card_id=card.card_id, site=net.venue_a, offering=offering,
                    channel="desk", used_on=D(2025, 3, 2), children=1,
                )  # fmt: skip
        except Exception as error:  # any error fails the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    kept = snapshot()
    summary.rebuild()
    assert snapshot() == kept
    assert kept["cards"][("month", D(2025, 3, 1), "site", net.venue_a.pk)] == 6
    assert Card.objects.count() == 6


def test_an_offerings_new_sector_moves_its_uses(net, usage):
    o1 = usage.offerings.o1  # culture, uses 1, 2, 3, 8 at Venue A
    with transaction.atomic():  # as the admin and the offering pages save
        o1.sector = Offering.Sector.SCIENCE
        o1.save()
    report = queries.site_report(net.venue_a, Filters(Period.year(2025)), card_figures=False)
    assert report.from_summary
    sectors = {row[0]: row[1:] for row in report.table("by_sector").rows}
    assert sectors["culture"] == [0, 0, 0]
    assert sectors["science"] == [4, 8, 12]
    kept, fresh = rebuilt()
    assert kept == fresh


def test_a_change_outside_a_transaction_marks_the_summary_stale(net, usage):
    o1 = usage.offerings.o1
    o1.kind = Offering.Kind.ADMISSION
    o1.end_date = o1.date
    o1.start_time = None
    o1.save()  # the test's transaction is not the save's own: see signals.py
    assert summary.is_fresh() is connection.in_atomic_block
