"""The annual feedback-meeting report: an area's year against the year before,
as the coordinator shows it to the local network once a year.

Built from the same area reports as the report pages (`queries.area_report`
for the year and for the year before, both from the summary), plus the
venues' checklist as the area page shows it. A copy that goes outside the
network applies the public figures' suppression rule (`stats.public.suppress`):
cells of 1–4 are hidden, and so is the next smallest cell wherever a total
would give a hidden one away. A hidden cell is None; the PDF writes it as the
public pages do ("..")."""

import datetime
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from stats import public, queries
from stats.charts import Chart, Series
from stats.filters import FIRST_YEAR, Filters, Period
from stats.report import Report, Table
from venues.models import Area, Organisation, Site
from venues.onboarding.staff import checklist_rows  # the area page's own reading of it

Cell = int | str | None  # a number, a label, or None for a hidden figure


@dataclass
class AnnualTable:
    key: str
    title: str
    columns: list[str]
    numeric: list[bool]  # per column: a figure (right-aligned, may be hidden)
    rows: list[list[Cell]]
    total: list[Cell] | None = None
    note: str = ""
    chart: Chart | None = None
    # The last column is the change from column compare[1] (the year before)
    # to column compare[0] (the year).
    compare: tuple[int, int] = (3, 4)

    def column(self, label: str) -> list[Cell]:
        index = self.columns.index(label)
        return [row[index] for row in self.rows]


@dataclass
class Comparison:
    key: str
    label: str
    this_year: int | None
    last_year: int | None
    change: str


@dataclass
class ChecklistRow:
    site: str
    municipality: str
    missing: list[str]
    staff_not_confirmed: int | None  # None in the copy for outside the network


@dataclass
class AnnualReport:
    area: Area
    year: int
    public: bool
    municipalities: list[str]
    comparison: list[Comparison]
    tables: list[AnnualTable]
    checklist: list[ChecklistRow]
    made_on: datetime.date = field(default_factory=timezone.localdate)

    def figure(self, key: str) -> Comparison:
        return next(row for row in self.comparison if row.key == key)

    def table(self, key: str) -> AnnualTable:
        return next(table for table in self.tables if table.key == key)

    @property
    def complete_venues(self) -> int:
        return sum(1 for row in self.checklist if not row.missing)


def change(now: int | None, before: int | None) -> str:
    """The change on the year before, in per cent ("+12 %"); "–" where it
    cannot be told (a figure hidden, or nothing the year before)."""
    if now is None or before is None:
        return "–"
    if before == 0:
        return _("new") if now else "–"
    percent = round(100 * (now - before) / before)
    sign = "+" if percent > 0 else "−" if percent < 0 else "±"
    return pgettext("change in per cent", "%(sign)s%(value)s %%") % {
        "sign": sign,
        "value": formats.number_format(abs(percent), force_grouping=True),
    }


# ---------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------


def _suppress_table(table: AnnualTable, sums: list[tuple[list[int], int]]) -> None:
    """Hide the table's small figures in place: each numeric column adds up to
    the total row, and each `sums` entry says which columns of a row add up to
    which (uses + children = tickets)."""
    cells: dict[Hashable, int] = {}
    rows = [*table.rows, *([table.total] if table.total else [])]
    numeric = [i for i, is_number in enumerate(table.numeric) if is_number]
    for r, row in enumerate(rows):
        for c in numeric:
            if isinstance(row[c], int):
                cells[(r, c)] = row[c]
    relations: list[tuple[list[Hashable], Hashable]] = []
    if table.total:
        last = len(rows) - 1
        for c in numeric:
            parts = [(r, c) for r in range(last) if (r, c) in cells]
            if (last, c) in cells and parts:
                relations.append((parts, (last, c)))
    for r in range(len(rows)):
        for parts, total in sums:
            if all((r, c) in cells for c in [*parts, total]):
                relations.append(([(r, c) for c in parts], (r, total)))
    for r, c in public.suppress(cells, relations):
        rows[r][c] = None


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def _suppress_comparison(comparison: list[Comparison]) -> None:
    """Hide the small figures of the year in figures in place: each year's uses
    and children's tickets add up to its tickets, so hiding one of the three
    hides another. The count of venue sites counts sites, not people."""
    cells: dict[Hashable, int] = {}
    for row in comparison:
        if row.key != "active_sites":
            for year, value in (("this", row.this_year), ("last", row.last_year)):
                if value is not None:
                    cells[(row.key, year)] = value
    relations: list[tuple[list[Hashable], Hashable]] = [
        ([("uses", year), ("children", year)], ("tickets", year)) for year in ("this", "last")
    ]
    hidden = public.suppress(cells, relations)
    for row in comparison:
        if (row.key, "this") in hidden:
            row.this_year = None
        if (row.key, "last") in hidden:
            row.last_year = None


def _area_year(area: Area, year: int) -> Report:
    return queries.area_report(area, Filters(Period.year(year)))


def _active_sites(report: Report) -> int:
    return sum(1 for uses in report.table("by_site").column("uses") if uses)


def _by_key(table: Table, label_columns: int = 1) -> dict[tuple, list[Any]]:
    return {tuple(row[:label_columns]): row for row in table.rows}


def annual_report(area: Area, year: int, *, public_copy: bool = False) -> AnnualReport:
    """The area's `year` against the year before, for the feedback meeting
    (with small figures hidden when `public_copy`)."""
    now, before = _area_year(area, year), _area_year(area, year - 1)

    def figure(key: str, label: str, this: int, last: int) -> Comparison:
        return Comparison(key, label, this, last, "")

    comparison = [
        figure("uses", _("Uses (holders' tickets)"), now.figure("uses"), before.figure("uses")),
        figure(
            "children", _("Children's tickets"), now.figure("children"), before.figure("children")
        ),
        figure("tickets", _("Tickets in all"), now.figure("tickets"), before.figure("tickets")),
        figure("cards", _("Distinct cards used"), now.figure("cards"), before.figure("cards")),
        figure(
            "registered",
            _("New cards registered"),
            now.figure("registered"),
            before.figure("registered"),
        ),
        figure("renewed", _("Cards renewed"), now.figure("renewed"), before.figure("renewed")),
        figure(
            "active_sites",
            _("Venue sites with uses"),
            _active_sites(now),
            _active_sites(before),
        ),
    ]
    if public_copy:
        _suppress_comparison(comparison)
    for row in comparison:
        row.change = change(row.this_year, row.last_year)

    tables = [
        _by_sector(now, before, year),
        _by_month(now, before, year),
        _by_municipality(now, before, year),
        _venues(now, before, year),
        _distributors(now, before, year),
    ]
    for table in tables:
        if public_copy:
            # Uses and children's tickets add up to the tickets (not in every table).
            sums = [([1, 2], 3)] if table.compare == (3, 4) else []
            _suppress_table(table, sums)
            table.chart = None  # a chart would draw the hidden figures
        _fill_changes(table)

    venue_sites = Site.objects.filter(
        organisation__kind=Organisation.Kind.VENUE, municipality__area=area
    ).order_by("name")
    checklist = [
        ChecklistRow(
            row["site"].name,
            row["site"].municipality.name,
            row["missing"],
            None if public_copy else len(row["staff"].not_confirmed),
        )
        for row in checklist_rows(venue_sites)
    ]
    return AnnualReport(
        area=area,
        year=year,
        public=public_copy,
        municipalities=list(area.municipalities.order_by("name").values_list("name", flat=True)),
        comparison=comparison,
        tables=tables,
        checklist=checklist,
    )


CHANGE = "change"  # the last column's placeholder until it is filled in, after any suppression


def _fill_changes(table: AnnualTable) -> None:
    this, last = table.compare
    for row in [*table.rows, *([table.total] if table.total else [])]:
        row[-1] = change(
            row[this] if isinstance(row[this], int) else None,
            row[last] if isinstance(row[last], int) else None,
        )


def _uses_header(year: int) -> list[str]:
    return [
        _("Uses (holders' tickets)"),
        _("Children's tickets"),
        _("Tickets in all"),
        _("Tickets in %(year)d") % {"year": year - 1},
        pgettext("on the year before", "Change"),
    ]


def _uses_rows(labels: list[tuple], now: dict, before: dict, first: int) -> list[list[Cell]]:
    rows = []
    for key in labels:
        row, last = now.get(key), before.get(key)
        uses, children, tickets = (row[first : first + 3]) if row else (0, 0, 0)
        last_tickets = last[first + 2] if last else 0
        rows.append([*key, uses, children, tickets, last_tickets, CHANGE])
    return rows


def _total_row(rows: list[list[Cell]], label_columns: int) -> list[Cell] | None:
    """The sums of the figures' columns (None for a table without rows)."""
    if not rows:
        return None
    sums: list[Cell] = []
    for i in range(label_columns, len(rows[0])):
        values = [row[i] for row in rows]
        sums.append(CHANGE if values[0] == CHANGE else sum(v or 0 for v in values))  # type: ignore[misc]
    return [_("Total"), *[""] * (label_columns - 1), *sums]


def _keys_in_order(now: dict, before: dict) -> list[tuple]:
    keys = list(now)
    keys += [key for key in before if key not in now]
    return keys


def _by_sector(now: Report, before: Report, year: int) -> AnnualTable:
    this, last = _by_key(now.table("by_sector")), _by_key(before.table("by_sector"))
    rows = _uses_rows(_keys_in_order(this, last), this, last, 1)
    return AnnualTable(
        "by_sector",
        _("By sector"),
        [_("Sector"), *_uses_header(year)],
        [False, True, True, True, True, False],
        rows,
        _total_row(rows, 1),
        chart=Chart(
            "bar",
            _("Tickets by sector"),
            [str(row[0]) for row in rows],
            [
                Series(str(year), [row[3] for row in rows]),  # type: ignore[misc]
                Series(str(year - 1), [row[4] for row in rows]),  # type: ignore[misc]
            ],
            horizontal=True,
            x_label=_("Tickets"),
        ),
    )


def _by_month(now: Report, before: Report, year: int) -> AnnualTable:
    this, last = now.table("by_month").rows, before.table("by_month").rows
    rows: list[list[Cell]] = []
    for row, old in zip(this, last, strict=True):
        rows.append([row[0], row[1], row[2], row[3], old[3], CHANGE])
    chart = Chart(
        "line",
        _("Tickets by month"),
        [queries.chart_month_label(datetime.date(year, m, 1)) for m in range(1, 13)],
        [
            Series(str(year), [row[3] for row in rows]),  # type: ignore[misc]
            Series(str(year - 1), [row[4] for row in rows]),  # type: ignore[misc]
        ],
        x_label=_("Month"),
        y_label=_("Tickets"),
    )
    return AnnualTable(
        "by_month",
        _("By month"),
        [_("Month"), *_uses_header(year)],
        [False, True, True, True, True, False],
        rows,
        _total_row(rows, 1),
        chart=chart,
    )


def _by_municipality(now: Report, before: Report, year: int) -> AnnualTable:
    this = _by_key(now.table("by_municipality"))
    last = _by_key(before.table("by_municipality"))
    keys = sorted(_keys_in_order(this, last))
    rows = _uses_rows(keys, this, last, 1)
    return AnnualTable(
        "by_municipality",
        _("By the venue's municipality"),
        [_("Municipality"), *_uses_header(year)],
        [False, True, True, True, True, False],
        rows,
        _total_row(rows, 1),
    )


def _venues(now: Report, before: Report, year: int) -> AnnualTable:
    this = _by_key(now.table("by_site"), 2)
    last = _by_key(before.table("by_site"), 2)
    rows: list[list[Cell]] = []
    for key in sorted(_keys_in_order(this, last)):
        row, old = this.get(key), last.get(key)
        uses, children = (row[2], row[3]) if row else (0, 0)
        rows.append([*key, uses, children, old[2] if old else 0, CHANGE])
    return AnnualTable(
        "venues",
        _("Venues"),
        [
            _("Site"),
            _("Municipality"),
            _("Uses (holders' tickets)"),
            _("Children's tickets"),
            _("Uses in %(year)d") % {"year": year - 1},
            _("Change in uses"),
        ],
        [False, False, True, True, True, False],
        rows,
        _total_row(rows, 2),
        compare=(2, 4),
    )


def _distributors(now: Report, before: Report, year: int) -> AnnualTable:
    this = _by_key(now.table("cards_by_distributor"), 2)
    last = _by_key(before.table("cards_by_distributor"), 2)
    rows: list[list[Cell]] = []
    for key in sorted(_keys_in_order(this, last)):
        row, old = this.get(key), last.get(key)
        registered, renewed = (row[2], row[3]) if row else (0, 0)
        old_registered = old[2] if old else 0
        rows.append([*key, registered, renewed, old_registered, CHANGE])
    return AnnualTable(
        "distributors",
        _("Distributors"),
        [
            _("Distributor site"),
            _("Municipality"),
            _("New cards registered"),
            _("Cards renewed"),
            _("Registered in %(year)d") % {"year": year - 1},
            _("Change in registrations"),
        ],
        [False, False, True, True, True, False],
        rows,
        _total_row(rows, 2),
        compare=(2, 4),
    )


# ---------------------------------------------------------------------------
# What the coordinator asks for
# ---------------------------------------------------------------------------


class AnnualReportForm(forms.Form):
    """The year, the copy (for the network, or for outside it) and the language."""

    year = forms.TypedChoiceField(label=gettext_lazy("Year"), coerce=int, choices=())
    public = forms.BooleanField(
        label=gettext_lazy("A copy for outside the network, with small figures hidden"),
        help_text=gettext_lazy(
            "As on the public statistics page: cells of 1–4 cards or tickets are not shown "
            "(..), nor a cell that a total would give away; no charts and no staff figures."
        ),
        required=False,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Language of the report"), choices=(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(y, str(y)) for y in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["language"].choices = [(code, _(name)) for code, name in settings.LANGUAGES]
