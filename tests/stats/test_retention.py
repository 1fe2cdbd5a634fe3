"""Data retention: old uses folded into the statistics summary and deleted
with every report figure exactly as before, and card background data removed
years after the card's validity ended (the data set of tests/stats/conftest.py:
uses in 2024 and 2025)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from kaikukanta.models import AuditEntry
from stats import public, queries, summary
from stats.filters import Filters, Period, ReportFilterForm
from stats.models import SummaryState
from stats.report import Report
from usage import retention, services
from usage.models import Card, Redemption

D = datetime.date

PERIODS = [
    Period.year(2024),
    Period.month(2024, 12),
    Period.quarter(2024, 4),
    Period.year(2025),
    Period.quarter(2025, 1),
    Period.quarter(2025, 2),
    Period.month(2025, 3),
    Period.month(2025, 5),
    Period.month(2025, 6),
]


def _flat(report: Report) -> dict:
    """Every figure of a report: key figures, card figures, every table's rows
    and total (not when it was generated)."""
    return {
        "figures": [(f.key, f.value) for f in report.figures],
        "card_figures": [(f.key, f.value) for f in report.card_figures],
        "tables": {t.key: (t.rows, t.total) for t in report.tables},
    }


def every_figure(net) -> dict:
    """The figures of every report reachable for these periods: national, per
    area, per site, with and without a site filter, and the public figures."""
    figures = {}
    for period in PERIODS:
        whole = Filters(period)
        figures[f"national {period.slug}"] = _flat(queries.national_report(whole))
        figures[f"national {period.slug} at venue A"] = _flat(
            queries.national_report(Filters(period, site=net.venue_a))
        )
        for area in (net.area_a, net.area_b):
            figures[f"{area} {period.slug}"] = _flat(queries.area_report(area, whole))
        figures[f"area A {period.slug} at venue A2"] = _flat(
            queries.area_report(net.area_a, Filters(period, site=net.venue_a2))
        )
        for site, card_figures in ((net.venue_a, True), (net.venue_a2, False), (net.venue_b, True)):
            figures[f"{site} {period.slug} {card_figures}"] = _flat(
                queries.site_report(site, whole, card_figures=card_figures)
            )
    for year in (2024, 2025):
        published = public.public_figures(year, today=D(2026, 12, 1))
        figures[f"public {year}"] = {
            "years": published.years,
            "national": published.national.values,
            "areas": [(row.label, row.values) for row in published.areas],
            "yearly": [(row.year, row.values) for row in published.yearly],
        }
    return figures


@pytest.mark.parametrize("cutoff", [D(2025, 1, 1), D(2026, 1, 1)])
def test_folding_old_uses_keeps_every_report_figure_exactly(net, usage, cutoff):
    before = every_figure(net)
    old = Redemption.objects.filter(used_on__lt=cutoff).count()

    deleted = summary.fold_uses_before(cutoff)

    assert deleted == old > 0
    assert not Redemption.objects.filter(used_on__lt=cutoff).exists()
    assert summary.folded_before() == cutoff
    after = every_figure(net)
    assert after.keys() == before.keys()
    for name in before:
        assert after[name] == before[name], name


def test_a_stale_summary_is_rebuilt_before_folding_and_the_figures_stay(net, usage):
    summary.mark_stale("test: reports read the raw uses")
    from_raw = every_figure(net)

    summary.fold_uses_before(D(2026, 1, 1))

    assert summary.is_fresh()
    assert every_figure(net) == from_raw


def test_a_rebuild_after_folding_keeps_the_folded_years(net, usage):
    summary.fold_uses_before(D(2025, 1, 1))
    folded = every_figure(net)

    summary.rebuild()

    assert every_figure(net) == folded


def test_reports_read_the_summary_for_folded_years_even_when_it_is_stale(net, usage):
    summary.fold_uses_before(D(2025, 1, 1))
    expected = _flat(queries.national_report(Filters(Period.year(2024))))
    summary.mark_stale("test: a site moved")
    report = queries.national_report(Filters(Period.year(2024)))
    assert report.from_summary
    assert _flat(report) == expected
    assert report.figure("uses") == 1  # use 14, the only one of 2024


def test_the_report_form_refuses_what_the_summary_cannot_answer_for_folded_years(usage):
    summary.fold_uses_before(D(2025, 1, 1))
    today = D(2026, 12, 1)

    def errors(**data):
        form = ReportFilterForm(data, today=today)
        return form.errors.get("__all__", [])

    assert not errors(period="year", year="2024")
    assert not errors(period="month", year="2024", month="12")
    assert not errors(period="year", year="2025", sector="culture")  # not folded
    refused = errors(period="year", year="2024", sector="culture")
    assert refused and "kept only as summary figures" in refused[0]
    assert errors(period="custom", start="2024-12-01", end="2025-01-31")


# ---------------------------------------------------------------------------
# The command and the card background
# ---------------------------------------------------------------------------


def retention_command(*args: str) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_the_dry_run_says_what_would_be_removed_and_changes_nothing(net, usage, settings):
    settings.RETENTION_USES_YEARS = 1  # in 2026: the uses of 2024 (one of them)
    settings.RETENTION_BACKGROUND_YEARS = 1
    cards_before = list(Card.objects.values_list("pk", "birth_year", "postal_code"))
    uses_before = Redemption.objects.count()

    said = retention_command("--dry-run")

    assert "Would fold 1 uses dated before 2025-01-01 (from 2024 to 2024)" in said
    expected = retention.expired_backgrounds(retention.plan().background_cutoff).count()
    assert "Would remove the background data (birth year" in said
    assert f"of {expected} cards" in said
    assert "nothing was changed" in said
    assert Redemption.objects.count() == uses_before
    assert list(Card.objects.values_list("pk", "birth_year", "postal_code")) == cards_before
    assert summary.folded_before() is None


def test_the_command_removes_background_data_of_cards_long_expired(net, usage, settings):
    cards = usage.cards
    # C2's validity ended 2025-12-31 + a year… every card of 2025 is past in 2036.
    today = D(2029, 6, 1)
    settings.RETENTION_BACKGROUND_YEARS = 3  # cut-off 2026-06-01
    expired = set(retention.expired_backgrounds(D(2026, 6, 1)).values_list("pk", flat=True))
    assert expired  # the 2025 cards ended within 2026's first half or before
    totals_before = _flat(queries.national_report(Filters(Period.year(2025))))["figures"]

    retention.run(today=today)

    for card in Card.objects.filter(pk__in=expired):
        assert card.background_removed_on == today
        assert (card.birth_year, card.postal_code, card.children) == (None, "", 0)
        assert (card.gender, card.life_situation) == ("", "")
        assert card.card_id  # the card itself stays
    assert Card.objects.get(pk=cards.cc.pk).group_limit  # a community card has no holder
    assert AuditEntry.objects.filter(action="card.background_removed").count() == len(expired)
    # The totals stay; the holders' figures of those cards move to "not recorded",
    # in the summary as in the raw uses (a rebuild changes nothing).
    report = queries.national_report(Filters(Period.year(2025)))
    assert _flat(report)["figures"] == totals_before
    ages = dict(
        zip(
            report.table("by_age_band").column("age_band"),
            report.table("by_age_band").column("uses"),
            strict=True,
        )
    )
    assert ages["not recorded"] > 0
    kept = every_figure(net)
    summary.rebuild()
    assert every_figure(net) == kept


def test_a_card_whose_background_was_removed_is_renewed_only_after_it_is_entered_again(net, usage):
    card = usage.cards.c2
    retention.remove_backgrounds(D(2100, 1, 1), D(2030, 1, 1))
    card.refresh_from_db()
    with pytest.raises(ValueError):
        services.renew_card(card=card, site=net.dist_a, renewed_by=None)

    services.update_card_background(
        card=card, site=net.dist_a, changed_by=None, birth_year=1990, postal_code="33100"
    )
    card.refresh_from_db()
    assert card.background_removed_on is None
    assert services.renew_card(card=card, site=net.dist_a, renewed_by=None).valid_until


def test_a_use_folded_is_gone_but_the_summary_state_says_since_when(net, usage):
    summary.fold_uses_before(D(2025, 1, 1))
    state = SummaryState.objects.get()
    assert state.folded_before == D(2025, 1, 1)
    # Folding an earlier year later never moves the mark back.
    summary.fold_uses_before(D(2024, 1, 1))
    assert summary.folded_before() == D(2025, 1, 1)


def test_the_card_page_says_the_background_was_removed_and_renewal_asks_for_it_again(
    net, usage, client_for
):
    from django.urls import reverse

    card = usage.cards.c2
    retention.remove_backgrounds(D(2100, 1, 1), D(2030, 1, 1))
    distributor = client_for("distributor")

    page = distributor.get(reverse("usage:card", args=[net.dist_a.pk, card.pk]))
    assert "Removed under the data retention policy" in page.content.decode()
    assert "1990" not in page.content.decode()

    renewed = distributor.post(reverse("usage:card_renew", args=[net.dist_a.pk, card.pk]))
    assert renewed["Location"] == reverse("usage:card_background", args=[net.dist_a.pk, card.pk])
    card.refresh_from_db()
    assert card.valid_until < D(2026, 1, 1)  # not renewed


def test_a_use_dated_in_a_year_the_retention_folds_is_refused_and_counts_nowhere(
    net, usage, settings
):
    """Once a year is folded its uses are gone one by one, and with them what
    the duplicate rule and the distinct cards look at: C5's show of 2024-12-01
    would be recorded a second time and C5 counted twice among 2024's cards."""
    settings.RETENTION_USES_YEARS = 1
    first_kept = retention.first_day_kept(timezone.localdate())
    assert first_kept > D(2024, 12, 1)  # in 2026 or later: the uses of 2024 are not kept
    summary.fold_uses_before(D(2025, 1, 1))
    before = every_figure(net)
    uses_before = Redemption.objects.count()

    with pytest.raises(services.RedemptionRefused) as refused:
        services.record_redemption(
            card_id=usage.cards.c5.card_id,
            site=net.venue_a,
            offering=usage.offerings.o6,
            channel=Redemption.Channel.IMPORT,
            used_on=D(2024, 12, 1),
            after_the_fact=True,
        )

    assert refused.value.code == "date_not_kept"
    assert "too far in the past" in refused.value.message
    assert Redemption.objects.count() == uses_before
    assert every_figure(net) == before


def test_the_first_day_kept_is_the_first_of_the_oldest_year_kept(db, settings):
    settings.RETENTION_USES_YEARS = 10
    assert retention.first_day_kept(D(2026, 12, 4)) == D(2016, 1, 1)
    assert retention.first_day_kept(D(2027, 1, 1)) == D(2017, 1, 1)
    assert retention.plan(D(2026, 12, 4)).uses_cutoff == D(2016, 1, 1)
