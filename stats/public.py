"""The national figures anyone may see: yearly totals and the areas side by
side, as Kaikukeskus publishes them, with small cells suppressed.

The rule (shown on the page):

1. Primary suppression: a cell that counts 1–4 cards or tickets is hidden,
   totals included. (A zero identifies no one and is shown.)
2. Complementary suppression: a row's sector cells add up to the row's total
   and the areas add up to the national row. Wherever such a sum has exactly one
   hidden cell, the total minus the visible cells would give it away, so the
   smallest other non-zero cell of that sum is hidden too; repeated until every
   sum has no hidden cell or at least two.
3. The number of municipalities describes the network, not people, and is
   always shown.
"""

import datetime
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Min, OuterRef, Subquery, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from stats.filters import Filters, Period
from stats.models import CardPeriodCell, CardsUsed, UseCell
from stats.sources import Source
from usage.models import CardPeriod, Redemption
from venues.models import Area, Municipality, Offering, Site

THRESHOLD = 5
SECTORS = [*Offering.Sector.values, "none"]  # "none": plain admission, no offering
NATIONAL = "national"


def group_label(group: str) -> str:
    return {"holders": _("Holders' tickets"), "children": _("Children's tickets")}[group]


def short_labels() -> dict[str, str]:
    """Column labels under a group heading (the sector alone)."""
    sector_labels = dict(Offering.Sector.choices) | {"none": _("no offering"), "total": _("total")}
    return {
        f"{group}_{s}": str(sector_labels[s])
        for group in ("holders", "children")
        for s in [*SECTORS, "total"]
    }


def columns() -> list[tuple[str, str]]:
    """(key, label) of the published columns, in order."""
    sector_labels = dict(Offering.Sector.choices) | {"none": _("no offering")}
    cols = [
        ("cards_registered", _("Cards registered")),
        ("cards_used", _("Cards used at least once")),
    ]
    for group in ("holders", "children"):
        label = group_label(group)
        cols += [(f"{group}_{s}", f"{label}: {sector_labels[s]}") for s in SECTORS]
        cols.append((f"{group}_total", f"{label}: {_('total')}"))
    cols.append(("municipalities", _("Municipalities in the network")))
    return cols


def suppressible(key: str) -> bool:
    return key != "municipalities"


# ---------------------------------------------------------------------------
# Suppression
# ---------------------------------------------------------------------------


def suppress(
    cells: dict[Hashable, int],
    relations: Iterable[tuple[list[Hashable], Hashable]],
    threshold: int = THRESHOLD,
) -> set[Hashable]:
    """The keys of the cells to hide: every cell of 1..threshold-1, then, for each
    (parts, total) relation with exactly one hidden member, the smallest visible
    non-zero member, until no relation has exactly one."""
    hidden = {key for key, value in cells.items() if 0 < value < threshold}
    relations = list(relations)
    changed = True
    while changed:
        changed = False
        for parts, total in relations:
            members = [*parts, total]
            if sum(1 for key in members if key in hidden) != 1:
                continue
            candidates = [key for key in members if key not in hidden and cells[key] > 0]
            if not candidates:  # pragma: no cover (cannot happen: see the module's docstring)
                continue
            hidden.add(min(candidates, key=lambda key: (cells[key], str(key))))
            changed = True
    return hidden


# ---------------------------------------------------------------------------
# The figures
# ---------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    values: dict[str, int | None]  # None: suppressed
    year: int | None = None
    area_id: int | None = None


@dataclass
class PublicFigures:
    year: int
    years: list[int]
    columns: list[tuple[str, str]]
    areas: list[Row]  # the chosen year, area by area
    national: Row  # the chosen year, the whole network
    yearly: list[Row]  # the whole network, year by year
    generated_at: datetime.datetime = field(default_factory=timezone.now)


def available_years(today: datetime.date | None = None) -> list[int]:
    today = today or timezone.localdate()
    # The summary too: the uses of years folded by the data retention are only there.
    first_use = min(
        (
            d
            for d in (
                Redemption.objects.aggregate(y=Min("used_on"))["y"],
                UseCell.objects.aggregate(y=Min("month"))["y"],
            )
            if d
        ),
        default=None,
    )
    first_card = CardPeriod.objects.aggregate(y=Min("valid_from"))["y"]
    first = min((d.year for d in (first_use, first_card) if d), default=today.year)
    return list(range(today.year, first - 1, -1))


def _raw_counts(years: list[int]) -> dict[tuple[int, int | None], dict[str, int]]:
    """{(year, area pk): {column: count}} for every area and year, before
    suppression, computed in the database."""
    start, end = datetime.date(min(years), 1, 1), datetime.date(max(years), 12, 31)
    counts: dict[tuple[int, int | None], dict[str, int]] = {}

    def cell(year, area):
        return counts.setdefault((year, area), {})

    src = Source({}, Filters(Period("custom", start, end)))
    for row in src.additive(("year", "area", "sector")):
        year, area, sector = row["k"]
        sector = sector or "none"
        c = cell(year, area)
        c[f"holders_{sector}"] = c.get(f"holders_{sector}", 0) + row["uses"]
        c[f"children_{sector}"] = c.get(f"children_{sector}", 0) + row["children"]

    if src.summary:
        registered = (
            CardPeriodCell.objects.filter(
                kind=CardPeriod.Kind.ISSUED, month__gte=start, month__lte=end
            )
            .values(y=ExtractYear("month"), a=F("site__municipality__area"))
            .annotate(n=Sum("periods"))
            .order_by()
        )
    else:
        registered = (
            CardPeriod.objects.filter(
                kind=CardPeriod.Kind.ISSUED, valid_from__gte=start, valid_from__lte=end
            )
            .values(y=ExtractYear("valid_from"), a=F("site__municipality__area"))
            .annotate(n=Count("pk"))
            .order_by()
        )
    for row in registered:
        cell(row["y"], row["a"])["cards_registered"] = row["n"]

    if src.summary:  # distinct cards per calendar year, by the issuing site's area
        used = (
            CardsUsed.objects.filter(
                period="year", start__gte=start, start__lte=end, scope="issuer"
            )
            .values(y=ExtractYear("start"), a=Subquery(_site_area(OuterRef("key"))))
            .annotate(n=Sum("cards"))
            .order_by()
        )
    else:
        used = (
            Redemption.objects.active()
            .filter(used_on__gte=start, used_on__lte=end)
            .values(y=ExtractYear("used_on"), a=Subquery(_site_area(OuterRef("card__issued_by"))))
            .annotate(n=Count("card", distinct=True))
            .order_by()
        )
    for row in used:
        cell(row["y"], row["a"])["cards_used"] = row["n"]
    return counts


def _site_area(site_ref):
    return Site.objects.filter(pk=site_ref).values("municipality__area")[:1]


def public_figures(year: int | None = None, *, today: datetime.date | None = None) -> PublicFigures:
    """Every year's national row and the chosen year's areas, suppressed."""
    years = available_years(today)
    year = year if year in years else years[0]
    cols = columns()
    keys = [key for key, _label in cols]
    counts = _raw_counts(years)
    areas = list(Area.objects.annotate(n_municipalities=Count("municipalities")).order_by("name"))
    in_network = Municipality.objects.filter(area__isnull=False).count()

    def complete(found: dict[str, int], municipalities: int) -> dict[str, int]:
        values = {key: found.get(key, 0) for key in keys}
        for group in ("holders", "children"):
            values[f"{group}_total"] = sum(values[f"{group}_{s}"] for s in SECTORS)
        values["municipalities"] = municipalities
        return values

    tables: dict[int, tuple[list[Row], Row]] = {}
    for y in years:
        rows = [
            Row(
                area.name, complete(counts.get((y, area.pk), {}), area.n_municipalities), y, area.pk
            )
            for area in areas
        ]
        if (y, None) in counts:  # a site in a municipality not (or no longer) in an area
            rows.append(Row(_("Not in an area"), complete(counts[(y, None)], 0), y))
        national_values = {
            key: sum(row.values[key] for row in rows) for key in keys if key != "municipalities"
        }
        national_values["municipalities"] = in_network
        national = Row(_("Whole network"), national_values, y)
        _apply_suppression(rows, national, keys)
        tables[y] = (rows, national)

    rows, national = tables[year]
    return PublicFigures(
        year=year,
        years=years,
        columns=cols,
        areas=rows,
        national=national,
        yearly=[tables[y][1] for y in years],
    )


def _apply_suppression(rows: list[Row], national: Row, keys: list[str]) -> None:
    """Hide cells in place (value None) by the rule of the module's docstring."""
    everyone = [*rows, national]
    cells = {
        (index, key): row.values[key]
        for index, row in enumerate(everyone)
        for key in keys
        if suppressible(key)
    }
    national_index = len(rows)
    relations = []
    for index in range(len(everyone)):
        for group in ("holders", "children"):
            relations.append(
                ([(index, f"{group}_{s}") for s in SECTORS], (index, f"{group}_total"))
            )
    if rows:
        for key in keys:
            if suppressible(key):
                relations.append(([(i, key) for i in range(len(rows))], (national_index, key)))
    for index, key in suppress(cells, relations):
        everyone[index].values[key] = None
