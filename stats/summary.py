"""Upkeep of the statistics summary (see stats/models.py for what it holds).

Three ways the summary changes, all inside the transaction of the change that
causes them, so it never disagrees with the committed uses:

- `use_recorded` / `use_voided`: called by `usage.services.record_redemption`
  and `void_redemption`. They add or take off one use in its cells and, when it
  is the card's first (or last remaining) use of a period within a scope, one
  card in CardsUsed. Counters move with `UPDATE … SET n = n + d`, so
  concurrent recorders at one site queue on the row instead of losing counts.
  Deciding "first use" reads the card's other uses, so the uses of one card are
  serialised: a PostgreSQL advisory lock on the card (recording already holds
  the card's row lock; voiding does not, and must not take it after the use's
  row lock or a concurrent re-recording of the same use could deadlock).
- a signal when a card's background (birth year, gender, life situation) is
  corrected: its uses move from the old holder cells to the new ones.
- `rebuild`: recomputes everything from the raw uses in one transaction with
  the summary tables locked (the bulk loader calls it; so can an operator).
  Moving a site or a municipality to another area marks the summary stale
  (`mark_stale`); reports then aggregate the raw uses until a rebuild.
"""

import datetime
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone

from stats import dimensions
from stats.models import CardsUsed, HolderCell, SummaryState, UseCell
from usage.models import Card, Redemption
from venues.models import Site

# A namespace for our advisory locks (the first of PostgreSQL's two int4 keys).
ADVISORY_NAMESPACE = 7041


def is_fresh() -> bool:
    """Whether the summary agrees with the raw uses (reports read it only then)."""
    return SummaryState.objects.filter(stale_since__isnull=True).exists()


def mark_stale(reason: str) -> None:
    updated = SummaryState.objects.filter(stale_since__isnull=True).update(
        stale_since=timezone.now(), stale_reason=reason[:200]
    )
    if not updated and not SummaryState.objects.exists():
        SummaryState.objects.create(stale_since=timezone.now(), stale_reason=reason[:200])


def lock_card(card_pk: int) -> None:
    """Serialise the summary's upkeep for one card until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [ADVISORY_NAMESPACE, card_pk % 2**31]
            )


# ---------------------------------------------------------------------------
# Recording and voiding
# ---------------------------------------------------------------------------


def use_recorded(redemption: Redemption) -> None:
    """Count a newly recorded use. Called inside the recording transaction."""
    _count(redemption, +1)


def use_voided(redemption: Redemption) -> None:
    """Take a voided use off. Called inside the voiding transaction."""
    _count(redemption, -1)


def _count(use: Redemption, sign: int) -> None:
    lock_card(use.card_id)
    # Read the card after the lock: a concurrent correction of its background
    # has then either committed (and we see it) or not started.
    card = Card.objects.only("birth_year", "gender", "life_situation", "issued_by").get(
        pk=use.card_id
    )
    areas = dict(
        Site.objects.filter(pk__in={use.site_id, card.issued_by_id}).values_list(
            "pk", "municipality__area"
        )
    )
    site_area = areas.get(use.site_id)
    other = dimensions.other_area(site_area, areas.get(card.issued_by_id))
    month = use.used_on.replace(day=1)
    children = sign * use.children

    _bump(
        UseCell,
        [
            {
                "month": month,
                "site_id": use.site_id,
                "offering_id": use.offering_id,
                "channel": use.channel,
            }
        ],
        uses=sign,
        children=children,
        other_area_uses=sign * int(other),
    )
    _bump(
        HolderCell,
        [
            {"month": month, "site_id": use.site_id, "dimension": dimension, "value": value}
            for dimension, value in dimensions.holder_values(card, use.used_on.year).items()
        ],
        uses=sign,
        children=children,
    )
    _count_card(use, card, site_area, sign)


def calendar_periods(day: datetime.date) -> list[tuple[str, datetime.date, datetime.date]]:
    """(period, first day, last day) of the month, quarter and year of `day`."""
    month_start = day.replace(day=1)
    next_month = (month_start + datetime.timedelta(days=32)).replace(day=1)
    quarter_start = datetime.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    next_quarter = (quarter_start + datetime.timedelta(days=95)).replace(day=1)
    one_day = datetime.timedelta(days=1)
    return [
        ("month", month_start, next_month - one_day),
        ("quarter", quarter_start, next_quarter - one_day),
        ("year", datetime.date(day.year, 1, 1), datetime.date(day.year, 12, 31)),
    ]


def _count_card(use: Redemption, card: Card, site_area: int | None, sign: int) -> None:
    """+1 (or −1) distinct card in each period and scope where this use is the
    card's only active one."""
    periods = calendar_periods(use.used_on)
    year_start, year_end = periods[-1][1], periods[-1][2]
    scopes: dict[str, tuple[Q, int]] = {
        "nation": (Q(), 0),
        "site": (Q(site_id=use.site_id), use.site_id),
    }
    if site_area is not None:
        scopes["area"] = (Q(site__municipality__area=site_area), site_area)
    others = (
        Redemption.objects.active()
        .filter(card_id=use.card_id, used_on__gte=year_start, used_on__lte=year_end)
        .exclude(pk=use.pk)
    )
    seen = others.aggregate(
        **{
            f"{period}_{scope}": Count(
                "pk", filter=Q(used_on__gte=start, used_on__lte=end) & condition
            )
            for period, start, end in periods
            for scope, (condition, _key) in scopes.items()
        }
    )
    cells = []
    for period, start, _end in periods:
        for scope, (_condition, key) in scopes.items():
            if seen[f"{period}_{scope}"] == 0:
                cells.append({"period": period, "start": start, "scope": scope, "key": key})
                if scope == "nation":  # the card's first use anywhere: its issuer's too
                    cells.append(
                        {
                            "period": period,
                            "start": start,
                            "scope": "issuer",
                            "key": card.issued_by_id,
                        }
                    )
    if cells:
        _bump(CardsUsed, cells, cards=sign)


def _bump(model: type[Model], keys: list[dict], **deltas: int) -> None:
    """Add `deltas` to the rows with these keys, creating missing rows first."""
    model.objects.bulk_create([model(**key) for key in keys], ignore_conflicts=True)
    condition = reduce(or_, (Q(**key) for key in keys))
    model.objects.filter(condition).update(
        **{field: F(field) + delta for field, delta in deltas.items()}
    )


# ---------------------------------------------------------------------------
# A card's background corrected
# ---------------------------------------------------------------------------


def card_background_changed(card: Card, old: dict) -> None:
    """Move the card's active uses from the holder cells of its old background
    to those of the new one. Runs inside the change's transaction, with the card
    locked (`lock_card` was taken before `old` was read)."""
    changed = {
        dimension
        for dimension, field in (
            ("age_band", "birth_year"),
            ("gender", "gender"),
            ("life_situation", "life_situation"),
        )
        if old[field] != getattr(card, field)
    }
    if not changed:
        return
    before = Card(
        birth_year=old["birth_year"], gender=old["gender"], life_situation=old["life_situation"]
    )
    groups = (
        Redemption.objects.active()
        .filter(card=card)
        .annotate(month=TruncMonth("used_on"))
        .values("month", "site")
        .annotate(uses=Count("pk"), children=Coalesce(Sum("children"), 0))
        .order_by()
    )
    for group in groups:  # a card's few site-months, not uses one by one
        month = _as_date(group["month"])
        for sign, holder in ((-1, before), (+1, card)):
            values = dimensions.holder_values(holder, month.year)
            _bump(
                HolderCell,
                [
                    {"month": month, "site_id": group["site"], "dimension": d, "value": values[d]}
                    for d in sorted(changed)
                ],
                uses=sign * group["uses"],
                children=sign * group["children"],
            )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# ---------------------------------------------------------------------------
# Rebuilding from the raw uses
# ---------------------------------------------------------------------------


def _insert_select(model: type[Model], query: QuerySet, columns: dict[str, str]) -> None:
    """INSERT INTO model (columns) SELECT …: the aggregate runs in the database
    and its rows never come to Python. `columns` maps the query's output names
    to the model's fields."""
    q = query.query
    # Django 5.2 keeps the select list's order in `selected`.
    names = (
        list(q.selected)
        if q.selected is not None
        else [
            *q.extra_select,
            *q.values_select,
            *q.annotation_select,
        ]
    )
    targets = [model._meta.get_field(columns[name]).column for name in names]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({', '.join(targets)}) {sql}",
            params,
        )


PERIOD_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}


def rebuild() -> None:
    """Recompute the whole summary from the raw uses, in one transaction.

    The summary tables are locked for the duration so that no recording can
    change them between the aggregate's snapshot and the commit (recorders wait;
    on SQLite, writers queue anyway)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                tables = ", ".join(m._meta.db_table for m in (UseCell, HolderCell, CardsUsed))
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        UseCell.objects.all().delete()
        HolderCell.objects.all().delete()
        CardsUsed.objects.all().delete()
        active = Redemption.objects.active()

        _insert_select(
            UseCell,
            active.annotate(m=TruncMonth("used_on"))
            .values("m", "site", "offering", "channel")
            .annotate(
                n=Count("pk"),
                c=Coalesce(Sum("children"), 0),
                o=Coalesce(Sum(dimensions.other_area_expression()), 0),
            )
            .order_by(),
            {
                "m": "month",
                "site": "site",
                "offering": "offering",
                "channel": "channel",
                "n": "uses",
                "c": "children",
                "o": "other_area_uses",
            },
        )
        holder_expressions = {
            "age_band": dimensions.age_band_expression(),
            "gender": F("card__gender"),
            "life_situation": F("card__life_situation"),
        }
        for dimension, expression in holder_expressions.items():
            _insert_select(
                HolderCell,
                active.annotate(m=TruncMonth("used_on"), d=Value(dimension), v=expression)
                .values("m", "site", "d", "v")
                .annotate(n=Count("pk"), c=Coalesce(Sum("children"), 0))
                .order_by(),
                {
                    "m": "month",
                    "site": "site",
                    "d": "dimension",
                    "v": "value",
                    "n": "uses",
                    "c": "children",
                },
            )
        scopes = {
            "nation": Value(0, output_field=IntegerField()),
            "site": F("site"),
            "area": F("site__municipality__area"),
            "issuer": F("card__issued_by"),
        }
        for period, trunc in PERIOD_TRUNC.items():
            for scope, key in scopes.items():
                uses = active
                if scope == "area":
                    uses = uses.filter(site__municipality__area__isnull=False)
                _insert_select(
                    CardsUsed,
                    uses.annotate(p=Value(period), s=trunc("used_on"), sc=Value(scope), k=key)
                    .values("p", "s", "sc", "k")
                    .annotate(n=Count("card", distinct=True))
                    .order_by(),
                    {"p": "period", "s": "start", "sc": "scope", "k": "key", "n": "cards"},
                )
        state = SummaryState.objects.first() or SummaryState()
        state.built_at = timezone.now()
        state.stale_since = None
        state.stale_reason = ""
        state.save()
