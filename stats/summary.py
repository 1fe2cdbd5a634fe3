"""Upkeep of the statistics summary (see stats/models.py for what it holds).

The summary changes only inside the transaction of the change that causes it,
so it never disagrees with the committed rows:

- `use_recorded` / `use_voided`: called by `usage.services.record_redemption`
  and `void_redemption`. They add or take off one use in its cells and, when
  it is the card's first (or last remaining) use of a period within a scope,
  one card in CardsUsed. Counters move with `UPDATE … SET n = n + d`, so
  concurrent recorders at one site queue on the row and lose nothing.
- signals (stats/signals.py) when a card's background or an offering's sector
  or kind is corrected (the uses move between cells), when a card period is
  registered (CardPeriodCell), and when a site or a municipality moves to
  another area (the summary is marked stale).
- `rebuild`: recomputes everything from the raw rows in one transaction with the
  summary tables locked (the bulk loader calls it; so can an operator).

Serialisation. Deciding "the card's first use" reads the card's other uses,
and moving an offering's or a card's uses reads theirs, so every change that
touches a card's or an offering's cells holds a PostgreSQL advisory lock on it
(recording holds the card's and the offering's row locks, and the card's
advisory lock only: a correction of an offering takes the offering's row lock
before its advisory lock, so it waits for the recorder anyway; voiding holds
only the use's row lock, and must not wait for the card's row after it, or a
concurrent re-recording of the same use could deadlock). On SQLite, writers
are serialised anyway.
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import CharField, Count, F, IntegerField, Model, QuerySet, Sum, Value
from django.db.models.functions import Cast, Coalesce, TruncMonth, TruncQuarter, TruncYear
from django.utils import timezone

from kaikukanta import db
from stats import dimensions
from stats.models import CardPeriodCell, CardsUsed, SiteCell, SummaryState, UseCell
from usage.models import Card, CardPeriod, Redemption
from venues.models import Offering, Site

# Namespaces of our advisory locks (the first of PostgreSQL's two int4 keys).
LOCK_CARD = 7041
LOCK_OFFERING = 7042
TABLES = (UseCell, SiteCell, CardsUsed, CardPeriodCell)


def is_fresh() -> bool:
    """Whether the summary agrees with the raw rows (reports read it only then)."""
    return SummaryState.objects.filter(stale_since__isnull=True).exists()


@dataclass(frozen=True)
class Status:
    fresh: bool  # the summary agrees with the raw rows
    folded_before: datetime.date | None  # uses before this day live only in the summary


def status() -> Status:
    """The summary's state in one query (what a report needs to choose its path)."""
    row = SummaryState.objects.values("stale_since", "folded_before").order_by("pk").first()
    if row is None:
        return Status(fresh=False, folded_before=None)
    return Status(fresh=row["stale_since"] is None, folded_before=row["folded_before"])


def folded_before() -> datetime.date | None:
    return status().folded_before


def mark_stale(reason: str) -> None:
    updated = SummaryState.objects.filter(stale_since__isnull=True).update(
        stale_since=timezone.now(), stale_reason=reason[:200]
    )
    if not updated and not SummaryState.objects.exists():
        SummaryState.objects.create(stale_since=timezone.now(), stale_reason=reason[:200])


def lock(namespace: int, pk: int) -> None:
    """Serialise the summary's upkeep for one card or offering until the
    transaction ends."""
    _advisory_locks(namespace, {pk})


def _conflict_target(model: type[Model], key: dict) -> str:
    """The unique index an upsert of `key` meets (UseCell has two, partial)."""
    if model is UseCell:
        if key["offering_id"] is None:
            return "(month, site_id, channel) WHERE offering_id IS NULL"
        return "(month, site_id, offering_id, channel) WHERE offering_id IS NOT NULL"
    return {
        SiteCell: "(month, site_id, dimension, value)",
        CardsUsed: "(period, start, scope, key)",
        CardPeriodCell: "(month, site_id, kind)",
    }[model]


def _bump(model: type[Model], keys: list[dict], **deltas: int) -> None:
    """Add the same `deltas` to the rows with these keys, creating missing ones."""
    if keys:
        cells = {tuple(key.values()): list(deltas.values()) for key in keys}
        _upsert(model, tuple(keys[0]), tuple(deltas), cells, +1)


# ---------------------------------------------------------------------------
# Recording and voiding
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the cells need to know of the uses' cards, sites and offerings,
    and the cards' other active uses in the uses' years (for distinct cards):
    `card_years` rows are (pk, card, day, site, the site's area)."""

    cards: dict  # card pk → (Card with its background, the issuing site's area)
    site_areas: dict  # site pk → area pk
    offerings: dict  # offering pk → {"sector", "kind"}
    card_years: list[tuple] | None = None  # None: read them

    @classmethod
    def of(cls, site: Site, uses: list[Redemption], card_years: list[tuple]) -> "Facts":
        """From the rows the recording service read under its locks: the uses'
        cards (with their issuing site's municipality), the site (with its
        municipality) and the offerings. A correction of any of these holds the
        same row lock, so they are as current as a fresh read."""
        cards = {}
        for use in uses:
            card = use.card
            background = Card(
                kind=card.kind,
                birth_year=card.birth_year,
                gender=card.gender,
                life_situation=card.life_situation,
                issued_by_id=card.issued_by_id,
            )
            cards[card.pk] = (background, card.issued_by.municipality.area_id)
        offerings = {
            use.offering.pk: {"sector": use.offering.sector, "kind": use.offering.kind}
            for use in uses
            if use.offering is not None
        }
        return cls(cards, {site.pk: site.municipality.area_id}, offerings, card_years)


def lock_uses(card_pks: set[int]) -> None:
    """The summary's locks on these cards, in one statement: the recording
    service takes them after its row locks and before it reads the cards'
    earlier uses (which decide a card's first use in a period). It holds the
    offerings' row locks, which every correction of an offering takes before
    the offering's advisory lock, so it needs no advisory lock on them."""
    _advisory_lock_keys([(LOCK_CARD, pk % 2**31) for pk in card_pks])


def card_lock_expression(card_pk_column: str) -> str:
    """`lock_uses` of one card as an SQL expression, for a recorder that takes
    it in the statement that locks the card's row (PostgreSQL): evaluated on
    the locked row, so after the row lock, as `lock_uses` is."""
    return f"pg_advisory_xact_lock({LOCK_CARD}, mod({card_pk_column}, {2**31})::int)"


def uses_recorded(uses: list[Redemption], facts: "Facts | None" = None) -> None:
    """Count newly recorded uses (already inserted). Called inside the
    recording transaction, once for all the uses it records. With `facts`,
    the locks were taken (`lock_uses`) and nothing needs reading."""
    _apply(uses, +1, facts)


def recorded_statements(uses: list[Redemption], facts: "Facts") -> list[tuple[str, list]]:
    """The upserts that count these uses, not executed: for a recording that
    sends them in its own statement (the locks taken, `lock_uses`)."""
    return _statements(uses, +1, facts)


def use_recorded(redemption: Redemption) -> None:
    uses_recorded([redemption])


def use_voided(redemption: Redemption) -> None:
    """Take a voided use off. Called inside the voiding transaction."""
    _apply([redemption], -1)


def site_cell_values(
    *, channel: str, offering: dict | None, offering_pk: int | None, holder: dict[str, str]
) -> dict[str, str]:
    """The value of a use in each of SiteCell's dimensions."""
    return {
        "total": "",
        "channel": channel,
        "sector": offering["sector"] if offering else "",
        "kind": offering["kind"] if offering else "",
        "offering": str(offering_pk) if offering_pk else "",
        **holder,
    }


def _advisory_locks(namespace: int, pks: set[int]) -> None:
    """Serialise the upkeep for these cards or offerings (one statement; the
    keys in a fixed order, so two recorders never wait on each other crosswise)."""
    _advisory_lock_keys([(namespace, pk % 2**31) for pk in pks])


def _advisory_lock_keys(keys: list[tuple[int, int]]) -> None:
    """Take these (namespace, key) advisory locks in one statement, in a fixed
    order: cards (7041) before offerings (7042), each by key."""
    if connection.vendor != "postgresql" or not keys:
        return
    keys = sorted(set(keys))
    with db.prepared_cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(ns, k) FROM "
            "(SELECT ns, k FROM unnest(%s::int[], %s::int[]) AS t(ns, k) ORDER BY ns, k) AS keys",
            [[ns for ns, _k in keys], [k for _ns, k in keys]],
        )


def _facts(uses: list[Redemption]) -> tuple[dict, dict, dict]:
    """What the cells need to know of the uses' cards, sites and offerings,
    read after the locks (a concurrent correction has then either committed,
    and we see it, or not started): three queries whatever the number of uses."""
    cards = {
        pk: (
            Card(
                kind=kind,
                birth_year=birth_year,
                gender=gender,
                life_situation=life,
                issued_by_id=issuer,
            ),
            issuer_area,
        )
        for pk, kind, birth_year, gender, life, issuer, issuer_area in Card.objects.filter(
            pk__in={use.card_id for use in uses}
        ).values_list(
            "pk",
            "kind",
            "birth_year",
            "gender",
            "life_situation",
            "issued_by_id",
            "issued_by__municipality__area_id",
        )
    }
    site_areas = dict(
        Site.objects.filter(pk__in={use.site_id for use in uses}).values_list(
            "pk", "municipality__area_id"
        )
    )
    offerings = {
        pk: {"sector": sector, "kind": kind}
        for pk, sector, kind in Offering.objects.filter(
            pk__in={use.offering_id for use in uses if use.offering_id}
        ).values_list("pk", "sector", "kind")
    }
    return cards, site_areas, offerings


def _apply(uses: list[Redemption], sign: int, facts: Facts | None = None) -> None:
    """Add (+1) or take off (−1) the uses in their cells, and the cards that
    they make used (or no longer used) in a period and scope."""
    if not uses:
        return
    if facts is None:
        _advisory_lock_keys(
            [(LOCK_CARD, use.card_id % 2**31) for use in uses]
            + [(LOCK_OFFERING, use.offering_id % 2**31) for use in uses if use.offering_id]
        )
        facts = Facts(*_facts(uses))
    statements = _statements(uses, sign, facts)
    if connection.vendor == "postgresql":
        # One statement, shaped as the recording service's (its cells' CTEs
        # in the same order): PostgreSQL then updates the tables' rows in the
        # same order for a void as for a recording, and two of them never
        # wait for each other's cell rows crosswise.
        statements = [as_ctes(statements)]
    for sql, params in statements:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def as_ctes(
    statements: list[tuple[str, list]], before: list[tuple[str, str, list]] = ()
) -> tuple[str, list]:
    """The cells' upserts as data-modifying CTEs of one statement (PostgreSQL),
    after the `before` ones ((name, sql, params)); the statement returns the
    first `before` CTE's rows (or 1)."""
    parts, params = [], []
    for name, sql, part_params in before:
        parts.append(f"{name} AS ({sql})")
        params += part_params
    for number, (sql, cell_params) in enumerate(statements):
        parts.append(f"c{number} AS ({sql})")
        params += cell_params
    result = f"SELECT * FROM {before[0][0]}" if before else "SELECT 1"
    return f"WITH {', '.join(parts)} {result}", params


def _statements(uses: list[Redemption], sign: int, facts: Facts) -> list[tuple[str, list]]:
    """The upserts of the uses' cells (UseCell, SiteCell, CardsUsed)."""
    cards, site_areas, offerings = facts.cards, facts.site_areas, facts.offerings
    use_cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    site_cells: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    for use in uses:
        card, issuer_area = cards[use.card_id]
        measures = (
            1,
            use.children,
            int(dimensions.other_area(site_areas[use.site_id], issuer_area)),
        )
        month = use.used_on.replace(day=1)
        _add(use_cells[(month, use.site_id, use.offering_id, use.channel)], measures)
        values = site_cell_values(
            channel=use.channel,
            offering=offerings.get(use.offering_id),
            offering_pk=use.offering_id,
            holder=dimensions.holder_values(card, use.used_on.year),
        )
        for dimension, value in values.items():
            _add(site_cells[(month, use.site_id, dimension, value)], measures)
    measure_names = ("uses", "children", "other_area_uses")
    use_keys = ("month", "site_id", "offering_id", "channel")
    statements = [
        # UseCell's two partial unique indexes: a cell with an offering, and one without.
        _upsert_sql(
            UseCell,
            use_keys,
            measure_names,
            {k: v for k, v in use_cells.items() if (k[2] is not None) is with_offering},
            sign,
        )
        for with_offering in (True, False)
    ]
    statements.append(
        _upsert_sql(
            SiteCell, ("month", "site_id", "dimension", "value"), measure_names, site_cells, sign
        )
    )
    statements.append(_count_cards(uses, cards, site_areas, sign, facts.card_years))
    return [statement for statement in statements if statement is not None]


def _add(totals: list[int], measures: tuple[int, ...]) -> None:
    for position, value in enumerate(measures):
        totals[position] += value


def _upsert(
    model: type[Model],
    key_names: tuple[str, ...],
    measure_names: tuple[str, ...],
    cells: dict[tuple, list[int]],
    sign: int,
) -> None:
    """Add each cell's measures (times `sign`) to its row, creating missing ones:
    one INSERT … ON CONFLICT DO UPDATE for all the cells."""
    statement = _upsert_sql(model, key_names, measure_names, cells, sign)
    if statement is not None:
        with connection.cursor() as cursor:
            cursor.execute(*statement)


def _upsert_sql(
    model: type[Model],
    key_names: tuple[str, ...],
    measure_names: tuple[str, ...],
    cells: dict[tuple, list[int]],
    sign: int,
) -> tuple[str, list] | None:
    """The upsert of `_upsert`, not executed (None: no cells). The rows are in
    a fixed order (their keys'), so two writers lock shared rows in the same
    order and never wait for each other crosswise."""
    if not cells:
        return None
    # In key order (each column holds values of one type, or None throughout).
    rows = [
        (*key, *(sign * m for m in measures))
        for key, measures in sorted(cells.items(), key=itemgetter(0))
    ]
    target = _conflict_target(model, dict(zip(key_names, rows[0][: len(key_names)], strict=True)))
    vendor = connection.vendor
    if vendor == "postgresql":
        # One array a column: the statement's text and its number of parameters
        # do not depend on the number of rows, so PostgreSQL prepares it once
        # and psycopg converts it once (it caches the conversion only of a
        # statement with at most 50 parameters: a recording's one statement
        # holds its use, audit entry and all its cells). Each array goes as its
        # text (db.array_literal), which psycopg's list dumper is slow to write.
        text = _upsert_text(vendor, model, key_names, measure_names, target, None)
        return text, [db.array_literal(column) for column in zip(*rows, strict=True)]
    text = _upsert_text(vendor, model, key_names, measure_names, target, len(rows))
    return text, [value for row in rows for value in row]


@functools.lru_cache(maxsize=256)
def _upsert_text(
    vendor: str,
    model: type[Model],
    key_names: tuple[str, ...],
    measure_names: tuple[str, ...],
    target: str,
    rows: int | None,
) -> str:
    """The text of `_upsert_sql`'s statement: with `rows` rows of values, or
    (None) with one array parameter a column, each cast to its column's type."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [*key_names, *measure_names]
    updates = ", ".join(f"{qn(f)} = {table}.{qn(f)} + excluded.{qn(f)}" for f in measure_names)
    if rows is None:
        arrays = ", ".join(
            f"%s::{model._meta.get_field(column).db_type(connection)}[]" for column in columns
        )
        source = f"SELECT * FROM unnest({arrays})"
    else:
        source = "VALUES " + ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * rows)
    return (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) {source} "
        f"ON CONFLICT {target} DO UPDATE SET {updates}"
    )


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


def _covers(day: datetime.date, site: int, area: int | None) -> set[tuple]:
    """The (period, start, scope, key) cells a use on `day` at `site` counts its
    card in (the issuer's cell follows the nation's, below)."""
    cells = set()
    for period, start, _end in calendar_periods(day):
        cells |= {(period, start, "nation", 0), (period, start, "site", site)}
        if area is not None:
            cells.add((period, start, "area", area))
    return cells


def _count_cards(
    uses: list[Redemption],
    cards: dict,
    site_areas: dict,
    sign: int,
    card_years: list[tuple] | None = None,
) -> tuple[str, list] | None:
    """+1 (or −1) distinct card in each period and scope where these uses are
    the card's only active ones: its other active uses in those years
    (`card_years`, or read in one query: a handful a card, at most one per
    offering and day)."""
    own = {use.pk for use in uses}
    years = {use.used_on.year for use in uses}
    others = card_years
    if others is None:
        others = (
            Redemption.objects.active()
            .filter(
                card__in={use.card_id for use in uses},
                used_on__gte=datetime.date(min(years), 1, 1),
                used_on__lte=datetime.date(max(years), 12, 31),
            )
            .values_list("pk", "card_id", "used_on", "site_id", "site__municipality__area_id")
        )
    covered: dict[int, set[tuple]] = defaultdict(set)
    for pk, card, day, site, area in others:
        if pk not in own:
            covered[card] |= _covers(day, site, area)
    new: dict[int, set[tuple]] = defaultdict(set)
    for use in uses:
        new[use.card_id] |= _covers(use.used_on, use.site_id, site_areas[use.site_id])
    changed: dict[tuple, list[int]] = defaultdict(lambda: [0])
    for card, cells in new.items():
        for period, start, scope, key in cells - covered[card]:
            changed[(period, start, scope, key)][0] += 1
            if scope == "nation":  # the card's first use anywhere: its issuer's too
                changed[(period, start, "issuer", cards[card][0].issued_by_id)][0] += 1
    return _upsert_sql(CardsUsed, ("period", "start", "scope", "key"), ("cards",), changed, sign)


# ---------------------------------------------------------------------------
# Corrections
# ---------------------------------------------------------------------------


def _groups(uses: QuerySet[Redemption]) -> QuerySet:
    """Active uses by month and site, with their measures."""
    return (
        uses.filter(voided_at__isnull=True)
        .annotate(month=TruncMonth("used_on"))
        .values("month", "site")
        .annotate(
            uses=Count("pk"),
            children=Coalesce(Sum("children"), 0),
            other=Coalesce(Sum(dimensions.other_area_expression()), 0),
        )
        .order_by()
    )


def _move(group: dict, old: dict[str, str], new: dict[str, str]) -> None:
    """Move a (month, site) group of uses from the old values to the new ones."""
    month = _as_date(group["month"])
    for sign, values in ((-1, old), (+1, new)):
        _bump(
            SiteCell,
            [
                {"month": month, "site_id": group["site"], "dimension": d, "value": v}
                for d, v in values.items()
            ],
            uses=sign * group["uses"],
            children=sign * group["children"],
            other_area_uses=sign * group["other"],
        )


def card_background_changed(card: Card, before: dict) -> None:
    """Move the card's uses between holder cells after its birth year, gender or
    life situation was corrected. Called inside the change's transaction with
    the card locked (`lock(LOCK_CARD, …)` was taken before `before` was read)."""
    old_card = Card(
        kind=card.kind,
        birth_year=before["birth_year"],
        gender=before["gender"],
        life_situation=before["life_situation"],
    )
    for group in _groups(Redemption.objects.filter(card=card)):  # a card's few site-months
        year = _as_date(group["month"]).year
        old = dimensions.holder_values(old_card, year)
        new = dimensions.holder_values(card, year)
        changed = [d for d in old if old[d] != new[d]]
        if changed:
            _move(group, {d: old[d] for d in changed}, {d: new[d] for d in changed})


def offering_changed(offering: Offering, before: dict) -> None:
    """Move the offering's uses between sector and kind cells after either was
    changed. Called inside the change's transaction, with the offering locked."""
    changed = [field for field in ("sector", "kind") if before[field] != getattr(offering, field)]
    if not changed:
        return
    old = {field: before[field] for field in changed}
    new = {field: getattr(offering, field) for field in changed}
    for group in _groups(Redemption.objects.filter(offering=offering)):
        _move(group, old, new)


def card_period_added(period: CardPeriod, sign: int = +1) -> None:
    """Count a card registered or renewed (or, with sign −1, one deleted)."""
    _bump(
        CardPeriodCell,
        [
            {
                "month": period.valid_from.replace(day=1),
                "site_id": period.site_id,
                "kind": period.kind,
            }
        ],
        periods=sign,
    )


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# ---------------------------------------------------------------------------
# Rebuilding from the raw rows
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
        else [*q.extra_select, *q.values_select, *q.annotation_select]
    )
    targets = [model._meta.get_field(columns[name]).column for name in names]
    sql, params = q.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({', '.join(targets)}) {sql}", params)


def _lock_tables() -> None:
    """No recording changes the summary until the transaction ends (recorders
    wait; on SQLite, writers queue anyway)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            tables = ", ".join(model._meta.db_table for model in TABLES)
            cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")


PERIOD_TRUNC = {"month": TruncMonth, "quarter": TruncQuarter, "year": TruncYear}
MEASURES = {"n": "uses", "c": "children", "o": "other_area_uses"}


def rebuild() -> None:
    """Recompute the whole summary from the raw rows, in one transaction.

    The summary tables are locked for the duration so that no recording can
    change them between the aggregate's snapshot and the commit (recorders
    wait; on SQLite, writers queue anyway)."""
    with transaction.atomic():
        _lock_tables()
        folded = folded_before()
        for model in TABLES:
            cells = model.objects.all()
            if folded is not None and model is not CardPeriodCell:
                # The folded years' uses are gone: their cells are their only record.
                cells = cells.filter(
                    **{"start__gte" if model is CardsUsed else "month__gte": folded}
                )
            cells.delete()
        active = Redemption.objects.active()
        measures = {
            "n": Count("pk"),
            "c": Coalesce(Sum("children"), 0),
            "o": Coalesce(Sum(dimensions.other_area_expression()), 0),
        }
        _insert_select(
            UseCell,
            active.annotate(m=TruncMonth("used_on"))
            .values("m", "site", "offering", "channel")
            .annotate(**measures)
            .order_by(),
            {"m": "month", "site": "site", "offering": "offering", "channel": "channel"} | MEASURES,
        )
        recent_cells = UseCell.objects.all()
        if folded is not None:  # the folded years' breakdowns are kept as they are
            recent_cells = recent_cells.filter(month__gte=folded)
        # The site-month breakdowns by what a use stores come from UseCell (already
        # a sixth of the uses); those by the holder, from the uses and their cards.
        by_cell = {
            "total": Value(""),
            "channel": F("channel"),
            "sector": Coalesce(F("offering__sector"), Value("")),
            "kind": Coalesce(F("offering__kind"), Value("")),
            "offering": Coalesce(Cast("offering", CharField()), Value("")),
        }
        for dimension, expression in by_cell.items():
            _insert_select(
                SiteCell,
                recent_cells.annotate(d=Value(dimension), v=expression)
                .values("month", "site", "d", "v")
                .annotate(n=Sum("uses"), c=Sum("children"), o=Sum("other_area_uses"))
                .order_by(),
                {"month": "month", "site": "site", "d": "dimension", "v": "value"} | MEASURES,
            )
        by_holder = {
            "age_band": dimensions.age_band_expression(),
            "gender": F("card__gender"),
            "life_situation": F("card__life_situation"),
        }
        for dimension, expression in by_holder.items():
            _insert_select(
                SiteCell,
                active.annotate(m=TruncMonth("used_on"), d=Value(dimension), v=expression)
                .values("m", "site", "d", "v")
                .annotate(**measures)
                .order_by(),
                {"m": "month", "site": "site", "d": "dimension", "v": "value"} | MEASURES,
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
        _insert_select(
            CardPeriodCell,
            CardPeriod.objects.annotate(m=TruncMonth("valid_from"))
            .values("m", "site", "kind")
            .annotate(n=Count("pk"))
            .order_by(),
            {"m": "month", "site": "site", "kind": "kind", "n": "periods"},
        )
        state = SummaryState.objects.order_by("pk").first() or SummaryState()
        state.built_at = timezone.now()
        state.stale_since = None
        state.stale_reason = ""
        state.save()


# ---------------------------------------------------------------------------
# Data retention: folding old uses into the summary
# ---------------------------------------------------------------------------


def fold_uses_before(day: datetime.date) -> int:
    """Delete the uses dated before `day` (the first of a year), leaving the
    summary as their only record: every figure the summary answers stays
    exactly the same. The summary is rebuilt first if it is stale, so that
    what remains of those years is right. Returns the number of uses deleted.

    Voided uses go too (they count nowhere). From now on reports read the
    summary for any period before `day`, and a rebuild keeps those cells."""
    if (day.month, day.day) != (1, 1):
        raise ValueError("Uses are folded by whole calendar years (CardsUsed counts years).")
    with transaction.atomic():
        if not is_fresh():
            rebuild()
        _lock_tables()  # no recording slips a use in between
        state = SummaryState.objects.select_for_update().order_by("pk").first()
        if state is None:  # pragma: no cover (rebuild made one)
            state = SummaryState.objects.create(built_at=timezone.now())
        if state.folded_before is None or state.folded_before < day:
            state.folded_before = day
            state.save(update_fields=["folded_before"])
        deleted, _by_model = Redemption.objects.filter(used_on__lt=day).delete()
    return deleted
