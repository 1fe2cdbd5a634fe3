"""Report queries: one function per report, each returning a plain `Report`
(figures, tables, chart series) that the page, the workbook, the CSV and the
PDF all render.

Every figure is aggregated in the database. A `Source` answers the questions
a report asks ("uses by sector", "distinct cards", …) either from the summary
(stats/models.py), when the summary is fresh and can answer them exactly, or
from the raw uses. Both give the same answers; tests/stats prove it.

- With no filter but the period (made of whole months) and the site: uses,
  children's tickets and uses by cards from other areas, by month, site,
  municipality, area, channel, sector, kind or offering, and by the holder's
  age band, gender or life situation, from SiteCell.
- With a sector, kind or channel filter: the same additive figures from UseCell;
  the holder's figures from the raw uses.
- Distinct cards: from CardsUsed when the period is exactly one calendar month,
  quarter or year and no filter but the site is used.
- Cards registered and renewed: from CardPeriodCell for whole months.
Anything else is aggregated from the raw rows.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, Length, TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from stats import dimensions, summary
from stats.charts import Chart, Series
from stats.filters import Filters, Period
from stats.models import CardPeriodCell, CardsUsed, SiteCell, UseCell
from usage.models import CardPeriod, Redemption
from venues.models import Area, Municipality, Offering, Organisation, Site

TOP_OFFERINGS = 20

SHEETS = {
    "by_month": gettext_lazy("By month"),
    "by_sector": gettext_lazy("By sector"),
    "by_channel": gettext_lazy("By channel"),
    "top_offerings": gettext_lazy("Top offerings"),
    "by_age_band": gettext_lazy("By age band"),
    "by_gender": gettext_lazy("By gender"),
    "by_life_situation": gettext_lazy("By life situation"),
    "by_municipality": gettext_lazy("By municipality"),
    "by_site": gettext_lazy("By site"),
    "cards_by_distributor": gettext_lazy("Cards by distributor"),
    "by_area": gettext_lazy("By area"),
}


# ---------------------------------------------------------------------------
# The report object
# ---------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # text | int | date | month


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    chart: Chart | None = None
    note: str = ""
    # The pk behind each row where a row is a site or an area (pages link them).
    row_keys: list[Any] = field(default_factory=list)
    row_links: list[str | None] = field(default_factory=list)

    @property
    def sheet(self) -> str:
        """A short name for the table's sheet in a workbook (at most 31 characters)."""
        return str(SHEETS.get(self.key, self.title))

    def column(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass
class Figure:
    key: str
    label: str
    value: int


@dataclass
class Report:
    level: str  # site | area | national
    title: str
    place_name: str
    filters: Filters
    figures: list[Figure] = field(default_factory=list)
    card_figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    from_summary: bool = False
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def figure(self, key: str) -> int:
        for figure in [*self.figures, *self.card_figures]:
            if figure.key == key:
                return figure.value
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    @property
    def charts(self) -> list[Chart]:
        return [table.chart for table in self.tables if table.chart]


# ---------------------------------------------------------------------------
# Where the numbers come from
# ---------------------------------------------------------------------------

GROUPS = {
    # group name: lookup on a Redemption (raw) and on a UseCell (summary)
    "sector": "offering__sector",
    "kind": "offering__kind",
    "channel": "channel",
    "offering": "offering",
    "site": "site",
    "municipality": "site__municipality",
    "area": "site__municipality__area",
}


class Source:
    """Aggregates for one place (`where`: lookups on `site`) and one set of filters."""

    def __init__(self, where: dict[str, Any], filters: Filters, *, use_summary: bool | None = None):
        self.where = dict(where)
        if filters.site is not None:
            self.where["site"] = filters.site
        self.f = filters
        if use_summary is None:
            state = summary.status()
            # Uses before `folded_before` were deleted by the data retention: the
            # summary is their only record, fresh or not.
            folded = state.folded_before is not None and filters.period.start < state.folded_before
            use_summary = state.fresh or folded
        self.summary = use_summary
        self.used_summary = False

    # -- which path ---------------------------------------------------------

    def _cells_ok(self) -> bool:
        return self.summary and self.f.period.whole_months

    def _holders_ok(self) -> bool:
        return self._cells_ok() and not self.f.narrows_uses

    def _distinct_ok(self) -> bool:
        return (
            self.summary and self.f.period.calendar_period is not None and not self.f.narrows_uses
        )

    def _note(self, used: bool) -> bool:
        self.used_summary = self.used_summary or used
        return used

    # -- querysets -------------------------------------------------------------

    def _use_filters(self) -> dict[str, Any]:
        lookups = dict(self.where)
        if self.f.sector:
            lookups["offering__sector"] = self.f.sector
        if self.f.kind:
            lookups["offering__kind"] = self.f.kind
        if self.f.channel:
            lookups["channel"] = self.f.channel
        return lookups

    def raw_uses(self) -> QuerySet[Redemption]:
        p = self.f.period
        return Redemption.objects.active().filter(
            used_on__gte=p.start, used_on__lte=p.end, **self._use_filters()
        )

    def _cells(self) -> QuerySet[UseCell]:
        p = self.f.period
        return UseCell.objects.filter(month__gte=p.start, month__lte=p.end, **self._use_filters())

    # -- additive figures ---------------------------------------------------

    def additive(
        self, by: str | tuple[str, ...] | None = None, *, top: int | None = None
    ) -> list[dict]:
        """[{"k": group, "uses", "children", "other"}], or one row without `by`.
        With several groups (a tuple), "k" is a tuple of their values."""
        names = () if by is None else (by,) if isinstance(by, str) else by
        breakdown = [name for name in names if name in SITE_CELL_DIMENSIONS]
        cells = {
            "uses": Coalesce(Sum("uses"), 0),
            "children": Coalesce(Sum("children"), 0),
            "other": Coalesce(Sum("other_area_uses"), 0),
        }
        if self._note(self._cells_ok() and not self.f.narrows_uses and len(breakdown) <= 1):
            dimension = breakdown[0] if breakdown else "total"
            p = self.f.period
            qs = SiteCell.objects.filter(
                dimension=dimension, month__gte=p.start, month__lte=p.end, **self.where
            )
            measures, month, year = cells, F("month"), ExtractYear("month")
            value = F("value")
            top_order = [Length("value"), "value"]
        elif self._note(self._cells_ok()):
            qs = self._cells()
            measures, month, year = cells, F("month"), ExtractYear("month")
            value = None
            top_order = [Coalesce(F("offering"), Value(0))]
        else:
            qs = self.raw_uses()
            measures = {
                "uses": Count("pk"),
                "children": Coalesce(Sum("children"), 0),
                "other": Coalesce(Sum(dimensions.other_area_expression()), 0),
            }
            month, year = TruncMonth("used_on"), ExtractYear("used_on")
            value = None
            top_order = [Coalesce(F("offering"), Value(0))]
        if by is None:
            return [{"k": None, **qs.aggregate(**measures)}]
        special = {"month": month, "year": year}
        keys = {}
        for i, name in enumerate(names):
            if name in special:
                keys[f"k{i}"] = special[name]
            elif value is not None and name in SITE_CELL_DIMENSIONS:
                keys[f"k{i}"] = value
            else:
                keys[f"k{i}"] = F(GROUPS[name])
        rows = qs.annotate(**keys).values(*keys).annotate(**measures).order_by()
        if top:
            rows = rows.order_by("-uses", *top_order)[:top]
        result = []
        for row in rows:
            values = tuple(
                _key(name, row[f"k{i}"], from_cells=value is not None)
                for i, name in enumerate(names)
            )
            measures_only = {k: v for k, v in row.items() if k not in keys}
            result.append({**measures_only, "k": values[0] if isinstance(by, str) else values})
        return result

    # -- holders ---------------------------------------------------------------

    def holders(self, dimension: str) -> list[dict]:
        if self._note(self._holders_ok()):
            p = self.f.period
            qs = SiteCell.objects.filter(
                dimension=dimension, month__gte=p.start, month__lte=p.end, **self.where
            )
            rows = qs.values(k=F("value")).annotate(
                uses=Coalesce(Sum("uses"), 0), children=Coalesce(Sum("children"), 0)
            )
        else:
            expression = {
                "age_band": dimensions.age_band_expression(),
                "gender": F("card__gender"),
                "life_situation": F("card__life_situation"),
            }[dimension]
            rows = (
                self.raw_uses()
                .annotate(k=expression)
                .values("k")
                .annotate(uses=Count("pk"), children=Coalesce(Sum("children"), 0))
            )
        return list(rows.order_by())

    # -- distinct cards -----------------------------------------------------------

    def distinct_cards(self, by: str | None = None) -> dict[Any, int]:
        """{group: distinct cards used} (group None without `by`; by "site" or "area")."""
        if by == "area" and "site" in self.where:
            # One site chosen: its cards counted at the site, in the site's area.
            site = self.where["site"]
            area = site.municipality.area_id if isinstance(site, Site) else None
            if area is None:
                area = Site.objects.filter(pk=_pk(site)).values_list(
                    "municipality__area", flat=True
                )[0]
            return {area: self.distinct_cards()[None]}
        if self._note(self._distinct_ok()):
            period, start = self.f.period.calendar_period  # type: ignore[misc]
            rows = CardsUsed.objects.filter(period=period, start=start)
            if by is None:
                if "site" in self.where:
                    rows = rows.filter(scope="site", key=_pk(self.where["site"]))
                elif "site__municipality__area" in self.where:
                    rows = rows.filter(
                        scope="area", key=_pk(self.where["site__municipality__area"])
                    )
                else:
                    rows = rows.filter(scope="nation", key=0)
                return {None: sum(rows.values_list("cards", flat=True))}
            keys = self._group_keys(by)
            rows = rows.filter(scope=by, key__in=keys)
            return dict(rows.values_list("key", "cards"))
        uses = self.raw_uses()
        if by is None:
            return {None: uses.aggregate(n=Count("card", distinct=True))["n"]}
        rows = uses.values(k=F(GROUPS[by])).annotate(n=Count("card", distinct=True)).order_by()
        return {row["k"]: row["n"] for row in rows}

    def _group_keys(self, by: str) -> QuerySet:
        lookups = {
            ("pk" if k == "site" else k.removeprefix("site__")): (_pk(v) if k == "site" else v)
            for k, v in self.where.items()
        }
        sites = Site.objects.filter(organisation__kind=Organisation.Kind.VENUE, **lookups)
        if by == "site":
            return sites.values("pk")
        return sites.values("municipality__area")


SITE_CELL_DIMENSIONS = ("channel", "sector", "kind", "offering")


def _key(name: str, value: Any, *, from_cells: bool) -> Any:
    """A group's value as the raw uses give it (SiteCell stores text: "" for none)."""
    if name == "month":
        return _as_date(value)
    if from_cells and name in SITE_CELL_DIMENSIONS:
        if value == "":
            return None
        return int(value) if name == "offering" else value
    return value


def _pk(value) -> int:
    return value.pk if hasattr(value, "pk") else int(value)


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


class CardSource:
    """The cards registered by a set of distributor sites: registered, renewed
    and used at least once (anywhere) in the period. Only the period applies."""

    def __init__(self, where: dict[str, Any], period: Period, *, use_summary: bool):
        self.where = where  # lookups on a distributor Site
        self.period = period
        self.summary = use_summary and period.calendar_period is not None
        self.cells = use_summary and period.whole_months
        self.used_summary = False

    def _issuers(self) -> QuerySet[Site]:
        return Site.objects.filter(organisation__kind=Organisation.Kind.DISTRIBUTOR, **self.where)

    def periods(self, by: str | None) -> dict[Any, dict[str, int]]:
        """{group: {"issued": n, "renewed": n}} from the cards' validity periods."""
        key = {None: None, "site": "site", "area": "site__municipality__area"}[by]
        issuers = self._issuers().values("pk")
        if self.cells:
            self.used_summary = True
            qs = CardPeriodCell.objects.filter(
                month__gte=self.period.start, month__lte=self.period.end, site__in=issuers
            )
            measures = {
                "issued": Coalesce(Sum("periods", filter=Q(kind=CardPeriod.Kind.ISSUED)), 0),
                "renewed": Coalesce(Sum("periods", filter=Q(kind=CardPeriod.Kind.RENEWED)), 0),
            }
        else:
            qs = CardPeriod.objects.filter(
                valid_from__gte=self.period.start, valid_from__lte=self.period.end, site__in=issuers
            )
            measures = {
                "issued": Count("pk", filter=Q(kind=CardPeriod.Kind.ISSUED)),
                "renewed": Count("pk", filter=Q(kind=CardPeriod.Kind.RENEWED)),
            }
        if key is None:
            return {None: qs.aggregate(**measures)}
        rows = qs.values(k=F(key)).annotate(**measures).order_by()
        return {row["k"]: {"issued": row["issued"], "renewed": row["renewed"]} for row in rows}

    def used(self, by: str | None) -> dict[Any, int]:
        """{group: cards of these issuers used at least once in the period}."""
        if self.summary:
            self.used_summary = True
            period, start = self.period.calendar_period  # type: ignore[misc]
            rows = CardsUsed.objects.filter(
                period=period, start=start, scope="issuer", key__in=self._issuers().values("pk")
            )
            if by is None:
                return {None: rows.aggregate(n=Coalesce(Sum("cards"), 0))["n"]}
            if by == "site":
                return dict(rows.values_list("key", "cards"))
            area = Subquery(
                Site.objects.filter(pk=OuterRef("key")).values("municipality__area")[:1],
                output_field=IntegerField(),
            )
            grouped = rows.annotate(k=area).values("k").annotate(n=Sum("cards")).order_by()
            return {row["k"]: row["n"] for row in grouped}
        uses = Redemption.objects.active().filter(
            used_on__gte=self.period.start,
            used_on__lte=self.period.end,
            card__issued_by__in=self._issuers().values("pk"),
        )
        if by is None:
            return {None: uses.aggregate(n=Count("card", distinct=True))["n"]}
        key = {"site": "card__issued_by", "area": "card__issued_by__municipality__area"}[by]
        rows = uses.values(k=F(key)).annotate(n=Count("card", distinct=True)).order_by()
        return {row["k"]: row["n"] for row in rows}


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
