"""Where the numbers of a report come from.

A `Source` answers the questions a report asks ("uses by sector", "distinct
cards", …) either from the summary (stats/models.py), when the summary is
fresh and can answer them exactly, or from the raw uses; `CardSource` does the
same for the cards registered and renewed. Both ways give the same answers;
tests/stats prove it.

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

from stats import dimensions, summary
from stats.filters import Filters, Period
from stats.models import CardPeriodCell, CardsUsed, SiteCell, UseCell
from usage.models import CardPeriod, Redemption
from venues.models import Organisation, Site

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
