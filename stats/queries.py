"""The reports: one function per report (a site's, an area's, the national
one), each returning a plain `Report` (stats/report.py) built from the
questions it asks a `Source` (stats/sources.py), and the row-level export of
a site's uses. Every figure is aggregated in the database."""

import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from stats import dimensions
from stats.charts import Chart, Series
from stats.filters import Filters, Period
from stats.report import TOP_OFFERINGS, Column, Figure, Report, Table
from stats.sources import CardSource, Source
from usage.models import Redemption
from venues.models import Area, Municipality, Offering, Organisation, Site

# ---------------------------------------------------------------------------
# Building blocks of the reports
# ---------------------------------------------------------------------------


def _months(period: Period) -> list[datetime.date]:
    months, day = [], period.start.replace(day=1)
    while day <= period.end:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_label(month: datetime.date) -> str:
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def chart_month_label(month: datetime.date) -> str:
    """A month under a chart's axis, short and unambiguous in the reader's
    language: Django's "N" abbreviations ("marras 2026", "nov 2026",
    "Nov. 2026"). Its "M" ones are three letters cut from the name, which in
    Finnish makes November "Mar" (marraskuu), read as maaliskuu (March)."""
    return formats.date_format(month, "N Y")


def _uses_columns(*, other: bool = False) -> list[Column]:
    columns = [
        Column("uses", _("Uses (holders' tickets)")),
        Column("children", _("Children's tickets")),
        Column("tickets", _("Tickets in all")),
    ]
    if other:
        columns.append(Column("other", _("Uses by cards from other areas")))
    return columns


def _measures(row: dict | None, *, other: bool = False) -> list[int]:
    row = row or {}
    uses, children = row.get("uses") or 0, row.get("children") or 0
    values = [uses, children, uses + children]
    if other:
        values.append(row.get("other") or 0)
    return values


def _total(rows: list[list[Any]], label_columns: int) -> list[Any]:
    sums = (
        [sum(row[i] or 0 for row in rows) for i in range(label_columns, len(rows[0]))]
        if rows
        else []
    )
    return [_("Total")] + [""] * (label_columns - 1) + sums


def _uses_series(rows: list[list[Any]], first: int) -> list[Series]:
    return [
        Series(_("Holders' tickets"), [row[first] for row in rows]),
        Series(_("Children's tickets"), [row[first + 1] for row in rows]),
    ]


def _key_figures(src: Source) -> list[Figure]:
    totals = src.additive()[0]
    uses, children = totals["uses"] or 0, totals["children"] or 0
    return [
        Figure("uses", _("Uses (holders' tickets)"), uses),
        Figure("children", _("Children's tickets"), children),
        Figure("tickets", _("Tickets in all"), uses + children),
        Figure("cards", _("Distinct cards used"), src.distinct_cards()[None]),
        Figure("other", _("Uses by cards from other areas"), totals["other"] or 0),
    ]


def _by_month(src: Source) -> Table:
    found = {row["k"]: row for row in src.additive("month")}
    months = _months(src.f.period)
    rows = [[_month_label(m), *_measures(found.get(m), other=True)] for m in months]
    return Table(
        "by_month",
        _("Uses by month"),
        [Column("month", _("Month"), "text"), *_uses_columns(other=True)],
        rows,
        _total(rows, 1),
        Chart(
            "line" if len(months) > 1 else "bar",
            _("Tickets by month"),
            [chart_month_label(m) for m in months],
            _uses_series(rows, 1),
            x_label=_("Month"),
            y_label=_("Tickets"),
        ),
    )


def _by_choice(src: Source, by: str, title: str, label: str, chart_title: str) -> Table:
    found = {row["k"]: row for row in src.additive(by)}
    labels = dimensions.value_labels(by)
    keys = [k for k in labels if k is not None or k in found]
    keys += [k for k in found if k not in labels]  # a value no longer offered
    rows = [[str(labels.get(k, k)), *_measures(found.get(k))] for k in keys]
    return Table(
        f"by_{by}",
        title,
        [Column(by, label, "text"), *_uses_columns()],
        rows,
        _total(rows, 1),
        Chart(
            "bar",
            chart_title,
            [r[0] for r in rows],
            _uses_series(rows, 1),
            horizontal=True,
            x_label=_("Tickets"),
        ),
    )


def _top_offerings(src: Source) -> Table:
    top = src.additive("offering", top=TOP_OFFERINGS)
    pks = [row["k"] for row in top if row["k"] is not None]
    offerings = {o.pk: o for o in Offering.objects.filter(pk__in=pks).select_related("site")}
    rows = []
    for row in top:
        offering = offerings.get(row["k"])
        if offering is None:
            cells = [_("no offering (plain admission)"), "", None, "", ""]
        else:
            cells = [
                offering.title,
                offering.site.name,
                offering.date,
                str(offering.get_kind_display()),
                str(offering.get_sector_display()),
            ]
        rows.append([*cells, *_measures(row)])
    return Table(
        "top_offerings",
        _("Offerings with the most uses (top %(n)d)") % {"n": TOP_OFFERINGS},
        [
            Column("offering", _("Offering"), "text"),
            Column("site", _("Site"), "text"),
            Column("date", _("Date"), "date"),
            Column("kind", _("Kind"), "text"),
            Column("sector", _("Sector"), "text"),
            *_uses_columns(),
        ],
        rows,
    )


def _by_holder(src: Source, dimension: str, title: str, label: str) -> Table:
    found = {row["k"]: row for row in src.holders(dimension)}
    labels = dimensions.value_labels(dimension)
    # Community cards, and (age band) cards whose background was removed, only when used.
    hidden = {dimensions.COMMUNITY} | (
        {dimensions.NOT_RECORDED} if dimension == "age_band" else set()
    )
    keys = [k for k in labels if k not in hidden or k in found]
    keys += [k for k in found if k not in labels]  # a value no longer offered
    rows = [[str(labels.get(k, k)), *_measures(found.get(k))] for k in keys]
    return Table(
        f"by_{dimension}",
        title,
        [Column(dimension, label, "text"), *_uses_columns()],
        rows,
        _total(rows, 1),
        Chart(
            "bar",
            title,
            [r[0] for r in rows],
            _uses_series(rows, 1),
            horizontal=True,
            x_label=_("Tickets"),
        ),
    )


def _holder_tables(src: Source) -> list[Table]:
    return [
        _by_holder(src, "age_band", _("Uses by the holder's age band"), _("Age band")),
        _by_holder(src, "gender", _("Uses by the holder's gender"), _("Gender")),
        _by_holder(
            src, "life_situation", _("Uses by the holder's life situation"), _("Life situation")
        ),
    ]


def _by_municipality(src: Source) -> Table:
    found = {row["k"]: row for row in src.additive("municipality")}
    names = dict(Municipality.objects.filter(pk__in=list(found)).values_list("pk", "name"))
    rows = sorted(([names[k], *_measures(row)] for k, row in found.items()), key=lambda r: r[0])
    return Table(
        "by_municipality",
        _("Uses by the venue's municipality"),
        [Column("municipality", _("Municipality"), "text"), *_uses_columns()],
        rows,
        _total(rows, 1),
    )


def _by_site(src: Source, sites: QuerySet[Site]) -> Table:
    found = {row["k"]: row for row in src.additive("site")}
    cards = src.distinct_cards("site")
    rows, keys = [], []
    for site in sites.select_related("municipality").order_by("name"):
        keys.append(site.pk)
        rows.append(
            [
                site.name,
                site.municipality.name,
                *_measures(found.get(site.pk), other=True),
                cards.get(site.pk, 0),
            ]
        )
    total = _total(rows, 2)
    if total:
        total[-1] = ""  # distinct cards do not add up across sites
    return Table(
        "by_site",
        _("Uses by venue site"),
        [
            Column("site", _("Site"), "text"),
            Column("municipality", _("Municipality"), "text"),
            *_uses_columns(other=True),
            Column("cards", _("Distinct cards used")),
        ],
        rows,
        total,
        note=_("A card used at several sites counts once at each."),
        row_keys=keys,
    )


def _card_figures(cards: CardSource) -> list[Figure]:
    periods = cards.periods(None)[None]
    return [
        Figure("registered", _("Cards registered"), periods["issued"]),
        Figure("renewed", _("Cards renewed"), periods["renewed"]),
        Figure("used_once", _("Cards used at least once"), cards.used(None)[None]),
    ]


def _cards_by_distributor(cards: CardSource, issuers: QuerySet[Site]) -> Table:
    periods = cards.periods("site")
    used = cards.used("site")
    rows = []
    for site in issuers.select_related("municipality").order_by("name"):
        counts = periods.get(site.pk, {})
        rows.append(
            [
                site.name,
                site.municipality.name,
                counts.get("issued", 0),
                counts.get("renewed", 0),
                used.get(site.pk, 0),
            ]
        )
    return Table(
        "cards_by_distributor",
        _("Cards by issuing distributor"),
        [
            Column("site", _("Distributor site"), "text"),
            Column("municipality", _("Municipality"), "text"),
            Column("registered", _("Cards registered")),
            Column("renewed", _("Cards renewed")),
            Column("used_once", _("Cards used at least once")),
        ],
        rows,
        _total(rows, 2),
        note=_("Cards used at least once: this distributor's cards used anywhere in the period."),
    )


def _uses_part(src: Source, *, holders: bool) -> list[Table]:
    tables = [
        _by_month(src),
        _by_choice(src, "sector", _("Uses by sector"), _("Sector"), _("Tickets by sector")),
        _by_choice(src, "channel", _("Uses by channel"), _("Channel"), _("Tickets by channel")),
        _top_offerings(src),
    ]
    if holders:
        tables += _holder_tables(src)
    return tables


# ---------------------------------------------------------------------------
# The reports
# ---------------------------------------------------------------------------


def site_report(site: Site, filters: Filters, *, card_figures: bool) -> Report:
    """A venue site's uses. With `card_figures` (coordinators, national admins)
    also the uses by the holder's background."""
    src = Source({"site": site}, filters)
    report = Report("site", _("Uses at %(site)s") % {"site": site.name}, site.name, filters)
    report.figures = _key_figures(src)
    report.tables = _uses_part(src, holders=card_figures)
    report.from_summary = src.used_summary
    return report


def area_report(area: Area, filters: Filters) -> Report:
    """An area: uses at its venue sites, site by site, and the cards its
    distributor sites registered."""
    src = Source({"site__municipality__area": area}, filters)
    cards = CardSource({"municipality__area": area}, filters.period, use_summary=src.summary)
    venue_sites = Site.objects.filter(
        organisation__kind=Organisation.Kind.VENUE, municipality__area=area
    )
    if filters.site is not None:
        venue_sites = venue_sites.filter(pk=filters.site.pk)
    report = Report("area", _("Kaikukortti in %(area)s") % {"area": area.name}, area.name, filters)
    report.figures = _key_figures(src)
    report.card_figures = _card_figures(cards)
    report.tables = [
        *_uses_part(src, holders=True),
        _by_site(src, venue_sites),
        _by_municipality(src),
        _cards_by_distributor(
            cards,
            Site.objects.filter(
                organisation__kind=Organisation.Kind.DISTRIBUTOR, municipality__area=area
            ),
        ),
    ]
    report.from_summary = src.used_summary or cards.used_summary
    return report


def national_report(filters: Filters) -> Report:
    """The whole network, every area side by side."""
    src = Source({}, filters)
    cards = CardSource({}, filters.period, use_summary=src.summary)
    report = Report("national", _("Kaikukortti nationwide"), _("Nationwide"), filters)
    report.figures = _key_figures(src)
    report.card_figures = _card_figures(cards)
    report.tables = [
        *_uses_part(src, holders=True),
        _by_area(src, cards),
        _by_municipality(src),
    ]
    report.from_summary = src.used_summary or cards.used_summary
    return report


def _by_area(src: Source, cards: CardSource) -> Table:
    uses = {row["k"]: row for row in src.additive("area")}
    distinct = src.distinct_cards("area")
    periods = cards.periods("area")
    used = cards.used("area")
    areas = Area.objects.annotate(
        municipality_count=Count("municipalities", distinct=True)
    ).order_by("name")
    rows = []
    for area in areas:
        counts = periods.get(area.pk, {})
        rows.append(
            [
                area.name,
                *_measures(uses.get(area.pk), other=True),
                distinct.get(area.pk, 0),
                counts.get("issued", 0),
                counts.get("renewed", 0),
                used.get(area.pk, 0),
                area.municipality_count,
            ]
        )
    total = _total(rows, 1)
    if total:
        total[5] = ""  # a card used in several areas counts once in each
    return Table(
        "by_area",
        _("Areas side by side"),
        [
            Column("area", _("Area"), "text"),
            *_uses_columns(other=True),
            Column("cards", _("Distinct cards used")),
            Column("registered", _("Cards registered")),
            Column("renewed", _("Cards renewed")),
            Column("used_once", _("Cards used at least once")),
            Column("municipalities", _("Municipalities")),
        ],
        rows,
        total,
        Chart(
            "bar",
            _("Tickets by area"),
            [r[0] for r in rows],
            _uses_series(rows, 1),
            horizontal=True,
            x_label=_("Tickets"),
        ),
        note=_(
            "Distinct cards used: cards used at the area's venues (a card used in several "
            "areas counts in each). Cards registered, renewed and used at least once: the "
            "cards of the area's distributor sites."
        ),
        row_keys=[area.pk for area in areas],
    )


# ---------------------------------------------------------------------------
# Row-level export: the uses of a site, one by one
# ---------------------------------------------------------------------------


def site_uses(site: Site, period: Period) -> QuerySet:
    """The active uses at a site in the period, as value rows for a streaming
    export (the venue contact person's "uses of the year")."""
    return (
        Redemption.objects.active()
        .filter(site=site, used_on__gte=period.start, used_on__lte=period.end)
        .order_by("used_on", "pk")
        .values_list(
            "used_on", "offering__title", "card__card_id", "children", "channel", "recorded_at"
        )
    )
