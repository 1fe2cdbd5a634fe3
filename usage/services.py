"""The one write path for card uses, and the card register's changes.

Every channel that records a use of a card — the cashier's desk, the broker
API and the offline queue one at a time (`record_redemption`), the Excel and
paper imports many at once (`record_redemptions`, the same rules on the same
path) — comes here. It owns the rules of DOMAIN.md; a refusal is a
`RedemptionRefused` with a stable machine code (the codes of API.md) and a
translated message, and each channel renders that its own way. Nothing else
writes a Redemption.
"""

import datetime
import functools
import hashlib
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    IntegrityError,
    connection,
    connections,
    transaction,
)
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kaikukanta import audit, db, metrics
from kaikukanta.models import AuditEntry
from stats import summary as stats_summary
from usage.card_ids import is_valid_card_id, normalise_card_id
from usage.models import MAX_CHILDREN, Broker, Card, CardPeriod, Redemption, one_year_from
from usage.retention import first_day_kept
from venues.models import Municipality, Offering, Site, User

# How long a cashier can undo their own record without a reason.
UNDO_WINDOW = datetime.timedelta(minutes=15)
# How long a recorder waits for another's row lock before answering "busy".
LOCK_TIMEOUT_MS = 5000
# PostgreSQL's answers that roll a recording back whole and ask only for
# another try, answered "busy": lock_not_available (another recorder held a
# row past LOCK_TIMEOUT_MS) and deadlock_detected. Every recorder takes its
# rows in one order, so a deadlock is a fault of ours (or of two versions of
# the app side by side during a deploy): it is logged as one, but the cashier
# at the door, the broker and the offline queue need only send the use again.
LOCK_NOT_AVAILABLE = "55P03"
DEADLOCK_DETECTED = "40P01"

log = logging.getLogger(__name__)

# Test-only hooks (pretix's concurrency tests do the same): switch the row locks
# off to show that the race is real, and widen the window between counting and
# inserting so that the race shows up reliably.
_lock_rows = True
_race_window: Callable[[], None] | None = None


REFUSAL_MESSAGES: dict[str, Any] = {
    "card_id_malformed": _(
        "That is not a card ID. A card ID has 4–20 letters, digits or dashes. "
        "Check the number on the card and type it again."
    ),
    "card_unknown": _(
        "No card with this ID is registered. The card cannot be used until its "
        "distributor has registered it: ask the holder to contact the place that gave it."
    ),
    "card_expired": _(
        "The card was not valid on the date of use. The holder can renew it where it was given."
    ),
    "card_not_yet_valid": _("The card was registered only after the date of use."),
    "card_closed": _(
        "The card has been closed (lost, returned or replaced). It cannot be used; "
        "the holder can ask for a new card where it was given."
    ),
    "children_not_allowed": _("Children's tickets are not given on a course. Record 0 children."),
    "too_many_children": _(
        "More children than the register allows for this card. The register wins over "
        "the paper card: record at most the allowed number."
    ),
    # Where the earlier use is known, ALREADY_RECORDED_MESSAGES says it in its kind's words.
    "already_recorded": _(
        "This use of the card is already in the register. Nothing was recorded again."
    ),
    "cap_reached": _(
        "The Kaikukortti places of this offering are used up. Offer another show or day."
    ),
    "offering_not_at_site": _("The offering is not one of this site's."),
    "offering_excluded": _("The venue has excluded this offering from Kaikukortti."),
    "offering_not_on_date": _("The offering does not take place on the date of use."),
    "offering_required": _("The site has offerings that day: choose the one the card is used for."),
    "children_invalid": _("The number of children must be a whole number from 0 to 20."),
    "date_not_kept": _(
        "The date of use is too far in the past: the register no longer keeps the uses of "
        "that year one by one (data retention), so none can be recorded for it."
    ),
    "idempotency_mismatch": _("This idempotency key was already used for a different request."),
    "busy": _("The register is busy recording other uses. Try again in a moment."),
}

# Refusals that say nothing about the use itself, only that the register could
# not take it just now: the same request may succeed later, so a channel that
# can send again (the offline queue) keeps the use and retries it. Every other
# code is a rule's final answer.
TEMPORARY_REFUSALS = frozenset({"busy"})


# "Already recorded" in the words of the earlier use's kind (None: plain admission).
ALREADY_RECORDED_MESSAGES: dict[str | None, Any] = {
    Offering.Kind.SHOW: _(
        "This card has already been used for this show. Nothing was recorded again."
    ),
    Offering.Kind.ADMISSION: _(
        "This card has already been used for this admission on this date. "
        "Nothing was recorded again."
    ),
    Offering.Kind.COURSE: _(
        "This card already has a place on this course. Nothing was recorded again."
    ),
    None: _(
        "This card has already been used for admission at this site on this date. "
        "Nothing was recorded again."
    ),
}


class RedemptionRefused(Exception):
    """A use of a card that the rules refuse. Nothing was recorded."""

    def __init__(self, code: str, *, remaining: int | None = None, redemption=None):
        self.code = code
        self.remaining = remaining
        # With already_recorded: the earlier use, so the desk can point at it.
        self.redemption = redemption
        super().__init__(code)

    @property
    def message(self) -> str:
        if self.code == "already_recorded" and self.redemption is not None:
            offering = self.redemption.offering
            return str(ALREADY_RECORDED_MESSAGES[offering.kind if offering else None])
        text = str(REFUSAL_MESSAGES[self.code])
        if self.code == "cap_reached" and self.remaining:
            text += " " + ngettext(
                "%(n)d place is left.", "%(n)d places are left.", self.remaining
            ) % {"n": self.remaining}
        return text

    @property
    def temporary(self) -> bool:
        """True when sending the same use again later may record it."""
        return self.code in TEMPORARY_REFUSALS

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class Recorded:
    redemption: Redemption
    created: bool  # False: a retry with the same idempotency key; nothing new was recorded


def request_fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a request's meaning, to tell a retry from a new request
    that reuses an idempotency key."""
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def tickets_used(offering: Offering, day: datetime.date) -> int:
    """Kaikukortti tickets already counted against the offering's cap (for
    admission: on that day)."""
    uses = Redemption.objects.active().filter(offering=offering)
    if offering.cap_is_per_day:
        uses = uses.filter(used_on=day)
    return uses.tickets()


@dataclass(frozen=True)
class UseRequest:
    """One use to record: a card (as typed, scanned or read from a file) at an
    offering (None: plain admission) on a day, with children's tickets. The
    offering may be given by its pk alone: it is then read once, with its lock,
    and refused as `offering_not_at_site` when it is not one of the site's."""

    card_id: str
    offering: Offering | int | None
    used_on: datetime.date
    children: int = 0
    idempotency_key: str | None = None
    fingerprint: str = ""


Outcome = Recorded | RedemptionRefused


@dataclass(frozen=True)
class _Recording:
    """How a batch of uses is recorded: by whom, through which channel."""

    channel: str
    recorded_by: User | None
    broker: Broker | None
    actor_label: str
    after_the_fact: bool


def record_redemption(
    *,
    card_id: str,
    site: Site,
    offering: Offering | int | None,
    channel: str,
    used_on: datetime.date | None = None,
    children: int = 0,
    recorded_by: User | None = None,
    broker: Broker | None = None,
    actor_label: str = "",
    idempotency_key: str | None = None,
    fingerprint: str = "",
    after_the_fact: bool = False,
) -> Recorded:
    """Record one use of a card at a venue site: the holder's ticket plus
    `children` children's tickets, for `offering` (None: plain admission at a
    site with no offerings that day; a pk: read under its lock) on `used_on`
    (default today).

    The caller has already checked that the recorder may record at `site`.
    The rules are those of `record_redemptions`, on the same path.
    Raises RedemptionRefused with a stable code; nothing is recorded then.
    """
    use = UseRequest(
        card_id=card_id,
        offering=offering,
        used_on=used_on or timezone.localdate(),
        children=children,
        idempotency_key=idempotency_key,
        fingerprint=fingerprint,
    )
    try:
        [outcome] = record_redemptions(
            site=site,
            uses=[use],
            channel=channel,
            recorded_by=recorded_by,
            broker=broker,
            actor_label=actor_label,
            after_the_fact=after_the_fact,
        )
    except IntegrityError:
        # The database's constraints are the last word: a concurrent request
        # with the same key got there first (the row locks serialise the rest).
        known = _known_by_key([use]).get(idempotency_key or "")
        if known is None:
            transaction.on_commit(lambda: metrics.refused("already_recorded"))
            raise RedemptionRefused("already_recorded") from None
        outcome = _replay(known, use)
    if isinstance(outcome, RedemptionRefused):
        raise outcome
    return outcome


def record_redemptions(
    *,
    site: Site,
    uses: Sequence[UseRequest],
    channel: str,
    recorded_by: User | None = None,
    broker: Broker | None = None,
    actor_label: str = "",
    after_the_fact: bool = False,
) -> list[Outcome]:
    """Record uses at a venue site, in order, as if one after the other: each
    gets a `Recorded` or the `RedemptionRefused` that says why not.

    The rules of DOMAIN.md: the card is registered, not closed and valid on the
    day; children within the register's count and none on a course; the
    offering is the site's, not excluded and on that day (plain admission only
    where the site has nothing on offer that day); the same card not twice for
    an offering and day (a course: once); the cap not exceeded. The duplicate
    rule and the cap are checked inside one transaction that locks the cards'
    and then the offerings' rows (each by key: always the same order), so
    concurrent recorders never exceed a cap. With `after_the_fact` (offline
    sheets, queues, sales reports) the tickets were handed out already: a use
    over the cap is recorded and flagged instead of refused. A use whose
    `idempotency_key` was recorded before returns the first result and records
    nothing new. A use over the API names its `broker`; `actor_label` says who
    acted in the audit entries when no person did.

    The uses are checked against one read of the earlier uses and the caps and
    inserted together, so a file of thousands of rows costs a handful of
    queries, under exactly the rules a single use meets.
    """
    outcomes: list[Outcome | None] = [None] * len(uses)
    pending = _cheap_checks(site, uses, outcomes)
    if pending:
        try:
            with transaction.atomic():
                how = _Recording(channel, recorded_by, broker, actor_label, after_the_fact)
                _record_under_locks(site, pending, outcomes, how)
        except DatabaseError as error:
            sqlstate = getattr(error.__cause__, "sqlstate", None)
            if sqlstate not in (LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED):
                raise
            if sqlstate == DEADLOCK_DETECTED:
                # The first line only: the rest names processes and statements.
                log.error(
                    "A recording at site %s met a deadlock and was answered busy: %s",
                    site.pk,
                    str(error).strip().splitlines()[0],
                )
            for index, _use in pending:
                outcomes[index] = RedemptionRefused("busy")
    _count(channel, outcomes)  # type: ignore[arg-type]
    return outcomes  # type: ignore[return-value]  (every use has its outcome now)


def _count(channel: str, outcomes: list[Outcome]) -> None:
    """The uses recorded and refused, in the metrics (in memory, no query) once
    they are committed: an import's preview, rolled back, counts nothing."""
    recorded = sum(1 for o in outcomes if isinstance(o, Recorded) and o.created)
    refusals = [o.code for o in outcomes if isinstance(o, RedemptionRefused)]

    def count() -> None:
        metrics.uses_recorded(channel, recorded)
        for code in refusals:
            metrics.refused(code)

    if recorded or refusals:
        transaction.on_commit(count)


def _cheap_checks(
    site: Site, uses: Sequence[UseRequest], outcomes: list[Outcome | None]
) -> list[tuple[int, UseRequest]]:
    """Checks that need no lock — the card ID's form, the child count's, the
    date's, the offering's site — and the results of requests retried with
    their key. Returns the uses still to record, their card IDs normalised."""
    pending = []
    # A use of a year that the retention folds (or has folded) into the
    # summary would be counted there again: its card's earlier uses of that
    # year, which decide whether it is a new distinct card, are gone.
    first_day = first_day_kept(timezone.localdate())
    for index, use in enumerate(uses):
        card_id = normalise_card_id(use.card_id)
        if not is_valid_card_id(card_id):
            outcomes[index] = RedemptionRefused("card_id_malformed")
        elif not _is_child_count(use.children):
            outcomes[index] = RedemptionRefused("children_invalid")
        elif use.used_on < first_day:
            outcomes[index] = RedemptionRefused("date_not_kept")
        elif isinstance(use.offering, Offering) and use.offering.site_id != site.pk:
            outcomes[index] = RedemptionRefused("offering_not_at_site")
        else:
            pending.append((index, replace(use, card_id=card_id)))
    if len(pending) > 1:
        # A batch's retries answer without taking any lock. One use goes to
        # the locks at once: its key is read with its card's earlier uses
        # there, in the same statement.
        known = _known_by_key([use for _index, use in pending])
        for index, use in pending:
            if use.idempotency_key in known:
                outcomes[index] = _replay(known[use.idempotency_key], use)
    return [(index, use) for index, use in pending if outcomes[index] is None]


def _is_child_count(children: object) -> bool:
    return (
        isinstance(children, int)
        and not isinstance(children, bool)
        and 0 <= children <= MAX_CHILDREN
    )


def _known_by_key(uses: Sequence[UseRequest]) -> dict[str, Redemption]:
    keys = {use.idempotency_key for use in uses if use.idempotency_key}
    if not keys:
        return {}
    return {r.idempotency_key: r for r in Redemption.objects.filter(idempotency_key__in=keys)}


def _replay(earlier: Redemption, use: UseRequest) -> Outcome:
    """A request retried with its idempotency key: the first result, or a
    refusal when the key now comes with another request."""
    if earlier.request_fingerprint != use.fingerprint:
        return RedemptionRefused("idempotency_mismatch")
    return Recorded(earlier, created=False)


def _locked(rows: QuerySet) -> list:
    """The rows, locked in key order (every recorder takes its locks in the
    same order, so no two of them ever wait for each other in a circle); rows
    they join (select_related) are read, not locked."""
    rows = rows.order_by("pk")
    if _lock_rows:
        rows = rows.select_for_update(of=("self",))
    return list(rows)


def _offering_pk(use: UseRequest) -> int | None:
    offering = use.offering
    return offering.pk if isinstance(offering, Offering) else offering


def _lock(queryset: QuerySet, pk: int):
    """One row, locked for the rest of the transaction."""
    [row] = _locked(queryset.filter(pk=pk))
    return row


def _lock_card_and_offering(card_id: str, offering_pk: int) -> tuple[Card, Offering] | None:
    """One use's card (with its issuing site and municipality) and offering,
    locked in one statement: `FOR UPDATE OF card, offering` locks the card's
    row first and then the offering's, the order every recorder keeps. On
    PostgreSQL the same statement first sets the transaction's lock timeout
    (a CTE that the rows to lock are joined to, so it has run before the first
    lock is waited for) and last takes the summary's lock on the card (on the
    locked row, so after the row locks: `stats_summary.lock_uses`). None when
    either row is missing: the caller then reads them one by one and refuses
    with the right code."""
    qn = connection.ops.quote_name
    models_and_aliases = [(Card, "c"), (Site, "s"), (Municipality, "m"), (Offering, "o")]
    lock = ""
    if _lock_rows and connection.features.has_select_for_update:
        lock = " FOR UPDATE OF c, o"
    rows = (
        f"SELECT {db.select_list(*models_and_aliases)}, c.id AS lock_key "
        f"FROM {qn(Card._meta.db_table)} c "
        f"JOIN {qn(Site._meta.db_table)} s ON s.id = c.issued_by_id "
        f"JOIN {qn(Municipality._meta.db_table)} m ON m.id = s.municipality_id "
        f"CROSS JOIN {qn(Offering._meta.db_table)} o "
    )
    if connection.vendor == "postgresql":
        sql = (
            "WITH timeout AS MATERIALIZED (SELECT set_config('lock_timeout', %s, true)), "
            f"locked AS MATERIALIZED ({rows}CROSS JOIN timeout "
            f"WHERE c.card_id = %s AND o.id = %s{lock}) "
            f"SELECT locked.*, {stats_summary.card_lock_expression('locked.lock_key')} "
            "FROM locked"
        )
        params = [str(int(LOCK_TIMEOUT_MS)), card_id, offering_pk]
    else:
        sql, params = f"{rows}WHERE c.card_id = %s AND o.id = %s{lock}", [card_id, offering_pk]
    found = db.fetch_one(sql, params, *(model for model, _alias in models_and_aliases))
    if found is None:
        return None
    card, card.issued_by, card.issued_by.municipality, offering = found
    return card, offering


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")


def _record_under_locks(
    site: Site,
    pending: list[tuple[int, UseRequest]],
    outcomes: list[Outcome | None],
    how: _Recording,
) -> None:
    card_ids = {use.card_id for _i, use in pending}
    offering_pks = {_offering_pk(use) for _i, use in pending} - {None}
    pair = None
    if len(card_ids) == 1 and len(offering_pks) == 1:
        pair = _lock_card_and_offering(next(iter(card_ids)), next(iter(offering_pks)))
    if pair is not None:
        cards, offerings = {pair[0].card_id: pair[0]}, {pair[1].pk: pair[1]}
    else:
        # (When the single statement found no row, it may not have set the
        # lock timeout: set it before waiting for any lock.)
        _set_lock_timeout()
        # The card's issuing site's area comes along: the statistics summary counts it.
        cards = {
            card.card_id: card
            for card in _locked(
                Card.objects.filter(card_id__in=card_ids).select_related("issued_by__municipality")
            )
        }
        offerings = {o.pk: o for o in _locked(Offering.objects.filter(pk__in=offering_pks))}
    # The summary's locks on the cards, before their earlier uses are read (they
    # decide a card's first use in a period); the one statement above took its
    # card's. Its lock on an offering is not needed here: every correction that
    # moves an offering's uses takes the offering's row lock first, which a
    # recorder holds.
    if pair is None:
        stats_summary.lock_uses({card.pk for card in cards.values()})
    # Under the locks: a concurrent retry with the same key has committed.
    ledger = _Ledger(site, cards.values(), offerings.values(), [use for _i, use in pending])
    known = ledger.known
    if _race_window is not None:
        _race_window()
    recorded: list[tuple[int, Redemption]] = []
    for index, use in pending:
        if use.idempotency_key in known:
            outcomes[index] = _replay(known[use.idempotency_key], use)
            continue
        card = cards.get(use.card_id)
        offering_pk = _offering_pk(use)
        offering = offerings.get(offering_pk) if offering_pk is not None else None
        if offering_pk is not None and (offering is None or offering.site_id != site.pk):
            outcomes[index] = RedemptionRefused("offering_not_at_site")
            continue
        try:
            _check_offering(ledger, offering, use.used_on)
            if card is None:
                raise RedemptionRefused("card_unknown")
            _check_card(card, offering, use.used_on, use.children)
            earlier = ledger.earlier_use(card, offering, use.used_on)
            if earlier is not None:
                raise RedemptionRefused("already_recorded", redemption=earlier)
            over_cap = ledger.check_cap(offering, use.used_on, 1 + use.children, how.after_the_fact)
        except RedemptionRefused as refusal:
            outcomes[index] = refusal
            continue
        redemption = Redemption(
            card=card,
            site=site,
            offering=offering,
            used_on=use.used_on,
            children=use.children,
            channel=how.channel,
            recorded_by=how.recorded_by,
            broker=how.broker,
            over_cap=over_cap,
            idempotency_key=use.idempotency_key or None,
            request_fingerprint=use.fingerprint,
        )
        ledger.add(redemption)
        recorded.append((index, redemption))
    _insert(site, [redemption for _i, redemption in recorded], how, ledger)
    for index, redemption in recorded:
        outcomes[index] = Recorded(redemption, created=True)


def _check_offering(ledger: "_Ledger", offering: Offering | None, day: datetime.date) -> None:
    if offering is None:
        # Plain admission is for sites that have nothing on offer that day.
        if ledger.site_has_offerings_on(day):
            raise RedemptionRefused("offering_required")
        return
    if offering.excluded:
        raise RedemptionRefused("offering_excluded")
    if not offering.is_on(day):
        raise RedemptionRefused("offering_not_on_date")


def _check_card(card: Card, offering: Offering | None, day: datetime.date, children: int) -> None:
    refusal = card.refusal_on(day)
    if refusal:
        raise RedemptionRefused(refusal)
    if children and offering is not None and offering.kind == Offering.Kind.COURSE:
        raise RedemptionRefused("children_not_allowed")
    if children > card.children_allowed:
        raise RedemptionRefused("too_many_children")


class _Ledger:
    """The earlier uses of the cards and the tickets counted against the caps,
    read once for a batch and kept up to date as its uses are accepted."""

    def __init__(self, site: Site, cards, offerings, uses: list[UseRequest]):
        self.site = site
        self._by_offering_day: dict[tuple, Redemption] = {}
        self._by_course: dict[tuple, Redemption] = {}
        self._plain: dict[tuple, Redemption] = {}
        self._used: dict[tuple, int] = {}
        self._plain_days: dict[datetime.date, bool] = {}
        # The uses recorded before under the uses' idempotency keys.
        self.known: dict[str, Redemption] = {}
        # The cards' other active uses in the uses' years, for the statistics
        # summary's distinct cards: (pk, card, day, site, the site's area).
        self.card_years: list[tuple] = []
        card_pks = [card.pk for card in cards]
        offering_pks = {offering.pk for offering in offerings}
        plain_days = {use.used_on for use in uses if use.offering is None}
        keys = {use.idempotency_key for use in uses if use.idempotency_key}
        years = {use.used_on.year for use in uses}
        capped = [o for o in offerings if o.cap is not None]
        by_pk = {offering.pk: offering for offering in offerings}
        single = len(uses) == 1 and len(card_pks) == 1 and len(offerings) == 1
        if single:
            earlier = self._single_use_earlier(card_pks[0], next(iter(offerings)), uses[0])
        else:
            earlier = self._earlier(card_pks, offering_pks, keys, years)
        first, last = min(years), max(years)
        for redemption in earlier:
            if redemption.offering_id in by_pk:
                redemption.offering = by_pk[redemption.offering_id]  # the locked row
            if redemption.idempotency_key in keys:
                self.known[redemption.idempotency_key] = redemption
            if redemption.is_voided or redemption.card_id not in card_pks:
                continue
            if first <= redemption.used_on.year <= last:
                self.card_years.append(
                    (
                        redemption.pk,
                        redemption.card_id,
                        redemption.used_on,
                        redemption.site_id,
                        redemption.site_area,
                    )
                )
            if redemption.offering_id in offering_pks or (
                redemption.offering_id is None
                and redemption.site_id == site.pk
                and redemption.used_on in plain_days
            ):
                self._remember(redemption)
        if not single:
            self._count_caps(capped, uses)

    @staticmethod
    def _earlier(card_pks: list[int], offering_pks: set[int], keys: set[str], years: set[int]):
        """In one query: the earlier uses that the rules look at, the same
        cards' uses in the years (which the summary needs anyway) and the uses
        recorded under the keys."""
        rows = Q(
            voided_at__isnull=True,
            card__in=card_pks,
            used_on__gte=datetime.date(min(years), 1, 1),
            used_on__lte=datetime.date(max(years), 12, 31),
        ) | Q(voided_at__isnull=True, card__in=card_pks, offering__in=offering_pks)
        if keys:
            rows |= Q(idempotency_key__in=keys)
        return (
            Redemption.objects.filter(rows)
            .annotate(site_area=F("site__municipality__area_id"))
            .select_related("offering")
        )

    def _single_use_earlier(self, card_pk: int, offering: Offering, use: UseRequest) -> list:
        """What `_earlier` reads, for one use of one card at one offering (a
        desk's or the API's), and the tickets counted against the offering's
        cap, in one statement written by hand (kaikukanta.db): the count is a
        one-row query that the earlier uses are LEFT JOINed to. (It
        runs after the locks, as the separate count of a batch does, so it
        sees every use committed before them.)"""
        qn = connection.ops.quote_name
        table = qn(Redemption._meta.db_table)
        count, count_params = "SELECT 0 AS tickets", []
        if offering.cap is not None:
            count = (
                "SELECT COUNT(*) + COALESCE(SUM(children), 0) AS tickets "
                f"FROM {table} WHERE voided_at IS NULL AND offering_id = %s"
            )
            count_params = [offering.pk]
            if offering.cap_is_per_day:
                count += " AND used_on = %s"
                count_params.append(use.used_on)
        year = use.used_on.year
        sql = (
            f"SELECT cap.tickets, {db.select_list((Redemption, 'r'))}, m.area_id "
            f"FROM ({count}) cap LEFT JOIN ({table} r "
            f"JOIN {qn(Site._meta.db_table)} s ON s.id = r.site_id "
            f"JOIN {qn(Municipality._meta.db_table)} m ON m.id = s.municipality_id) "
            "ON (r.voided_at IS NULL AND r.card_id = %s "
            "AND (r.used_on BETWEEN %s AND %s OR r.offering_id = %s)) "
            "OR r.idempotency_key = %s"
        )
        params = [
            *count_params,
            card_pk,
            datetime.date(year, 1, 1),
            datetime.date(year, 12, 31),
            offering.pk,
            use.idempotency_key or None,
        ]
        with db.prepared_cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if offering.cap is not None:
            self._used[self._cap_key(offering, use.used_on)] = rows[0][0]
        uses = []
        for row in rows:
            if row[1] is None:
                continue  # the count alone: no earlier use joined
            [redemption] = db.instances(row[1:-1], Redemption)
            redemption.site_area = row[-1]
            uses.append(redemption)
        return uses

    def _remember(self, redemption: Redemption) -> None:
        offering = redemption.offering
        if offering is None:
            self._plain[(redemption.card_id, redemption.used_on)] = redemption
        elif offering.kind == Offering.Kind.COURSE:
            self._by_course[(redemption.card_id, offering.pk)] = redemption
        else:
            key = (redemption.card_id, offering.pk, redemption.used_on)
            self._by_offering_day[key] = redemption

    def _count_caps(self, capped: list[Offering], uses: list[UseRequest]) -> None:
        tickets = Count("pk") + Coalesce(Sum("children"), 0)
        per_offering = [o.pk for o in capped if not o.cap_is_per_day]
        per_day = [o.pk for o in capped if o.cap_is_per_day]
        active = Redemption.objects.active().order_by()
        if per_offering:
            for row in (
                active.filter(offering__in=per_offering).values("offering").annotate(t=tickets)
            ):
                self._used[(row["offering"], None)] = row["t"]
        if per_day:
            days = {use.used_on for use in uses}
            rows = (
                active.filter(offering__in=per_day, used_on__in=days)
                .values("offering", "used_on")
                .annotate(t=tickets)
            )
            for row in rows:
                self._used[(row["offering"], row["used_on"])] = row["t"]

    @staticmethod
    def _cap_key(offering: Offering, day: datetime.date) -> tuple:
        return (offering.pk, day if offering.cap_is_per_day else None)

    def site_has_offerings_on(self, day: datetime.date) -> bool:
        if day not in self._plain_days:
            self._plain_days[day] = Offering.objects.filter(site=self.site).on(day).exists()
        return self._plain_days[day]

    def earlier_use(self, card: Card, offering: Offering | None, day: datetime.date):
        if offering is None:
            return self._plain.get((card.pk, day))
        if offering.kind == Offering.Kind.COURSE:
            return self._by_course.get((card.pk, offering.pk))
        return self._by_offering_day.get((card.pk, offering.pk, day))

    def check_cap(
        self, offering: Offering | None, day: datetime.date, tickets: int, after_the_fact: bool
    ) -> bool:
        """Raise cap_reached when the tickets do not fit; return whether the use
        is recorded over the cap (after the fact only)."""
        if offering is None or offering.cap is None:
            return False
        used = self._used.get(self._cap_key(offering, day), 0)
        if used + tickets <= offering.cap:
            return False
        if after_the_fact:
            return True
        raise RedemptionRefused("cap_reached", remaining=max(offering.cap - used, 0))

    def add(self, redemption: Redemption) -> None:
        self._remember(redemption)
        if redemption.offering is not None and redemption.offering.cap is not None:
            key = self._cap_key(redemption.offering, redemption.used_on)
            self._used[key] = self._used.get(key, 0) + redemption.tickets


def _insert(site: Site, redemptions: list[Redemption], how: _Recording, ledger: "_Ledger") -> None:
    """The accepted uses, their cells in the statistics summary and their audit
    entries: on PostgreSQL one statement for one use (its INSERT, the audit
    entry's and the summary's upserts as data-modifying CTEs); otherwise a few
    statements for any number of uses."""
    if not redemptions:
        return
    entries = [
        audit.entry(
            action="redemption.recorded",
            obj=redemption,
            actor=how.recorded_by,
            actor_label=how.actor_label,
            site=site,
            data={
                "card_id": redemption.card.card_id,
                "offering_id": redemption.offering_id,
                "used_on": redemption.used_on.isoformat(),
                "children": redemption.children,
                "channel": redemption.channel,
                "over_cap": redemption.over_cap,
            },
        )
        for redemption in redemptions
    ]
    # What the summary counts by, from the rows already read under the locks.
    facts = stats_summary.Facts.of(site, redemptions, ledger.card_years)
    if connection.vendor == "postgresql" and len(redemptions) == 1:
        _insert_one(redemptions[0], entries[0], facts)
        return
    Redemption.objects.bulk_create(redemptions)
    for redemption, entry in zip(redemptions, entries, strict=True):
        entry.object_id = str(redemption.pk)
    stats_summary.uses_recorded(redemptions, facts)  # the summary, same transaction
    audit.log_many(entries)


def _insert_one(redemption: Redemption, entry: AuditEntry, facts: "stats_summary.Facts") -> None:
    """One use, its audit entry and its summary cells in one statement
    (PostgreSQL): the use's INSERT … RETURNING id feeds the audit entry's."""
    conn = connections[DEFAULT_DB_ALIAS]  # one look-up for the fields' preparation
    qn = conn.ops.quote_name
    use_sql, use_params = _insert_sql(redemption, conn)
    entry_fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    entry_values = []
    entry_params: list = []
    for field in entry_fields:
        if field.attname == "object_id":
            entry_values.append("r.id::text")
            continue
        value = field.pre_save(entry, add=True)
        entry_values.append("%s")
        entry_params.append(field.get_db_prep_save(value, conn))
    entry_sql = (
        f"INSERT INTO {qn(AuditEntry._meta.db_table)} "
        f"({', '.join(qn(f.column) for f in entry_fields)}) "
        f"SELECT {', '.join(entry_values)} FROM r"
    )
    sql, params = stats_summary.as_ctes(
        stats_summary.recorded_statements([redemption], facts),
        before=[("r", f"{use_sql} RETURNING id", use_params), ("a", entry_sql, entry_params)],
    )
    with db.prepared_cursor() as cursor:
        cursor.execute(sql, params)
        redemption.pk = cursor.fetchone()[0]
    redemption._state.adding = False
    redemption._state.db = conn.alias
    entry.object_id = str(redemption.pk)


def _insert_sql(redemption: Redemption, conn: BaseDatabaseWrapper) -> tuple[str, list]:
    """The INSERT of one use as the ORM would send it (each field's pre_save
    and the database's preparation applied), without RETURNING; its text is
    written once (kaikukanta.db)."""
    fields = [f for f in Redemption._meta.concrete_fields if not f.primary_key]
    params = [field.get_db_prep_save(field.pre_save(redemption, True), conn) for field in fields]
    return _insert_text(conn.vendor), params


@functools.cache
def _insert_text(vendor: str) -> str:
    qn = connection.ops.quote_name
    fields = [f for f in Redemption._meta.concrete_fields if not f.primary_key]
    return (
        f"INSERT INTO {qn(Redemption._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )


# ---------------------------------------------------------------------------
# Voids
# ---------------------------------------------------------------------------


def within_undo_window(redemption: Redemption, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) - redemption.recorded_at <= UNDO_WINDOW


def void_redemption(
    *,
    redemption: Redemption,
    reason: str,
    voided_by: User | None = None,
    actor_label: str = "",
) -> Redemption:
    """Void a mistaken use: it frees its cap places and leaves the statistics,
    but stays in the register with who, when and why. Voiding a voided use
    changes nothing. The caller has checked that the user may void it
    (`kaikukanta.access.may_void`, or `may_undo` for the desk's undo)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValueError("A void needs a reason.")
    with transaction.atomic():
        redemption = _lock(Redemption.objects.all(), redemption.pk)
        if redemption.is_voided:
            return redemption
        redemption.voided_at = timezone.now()
        redemption.voided_by = voided_by
        redemption.void_reason = reason[:300]
        redemption.save(update_fields=["voided_at", "voided_by", "void_reason"])
        stats_summary.use_voided(redemption)  # the statistics summary, same transaction
        audit.log(
            action="redemption.voided",
            obj=redemption,
            actor=voided_by,
            actor_label=actor_label,
            site=redemption.site,
            # The reason stays on the use itself; free text is not copied around.
            data={"card_id": redemption.card.card_id},
        )
    return redemption


# ---------------------------------------------------------------------------
# The card register
# ---------------------------------------------------------------------------

BACKGROUND_FIELDS = (
    "birth_year",
    "postal_code",
    "children",
    "group_limit",
    "gender",
    "life_situation",
)


@transaction.atomic
def register_card(
    *,
    card_id: str,
    site: Site,
    registered_by: User | None,
    kind: str = Card.Kind.PERSONAL,
    issued_on: datetime.date | None = None,
    **background: Any,
) -> Card:
    """Register a card given out at a distributor site: from now on it can be
    used. Valid for one year from the day of issue. `background` holds the
    minimum data of DOMAIN.md (birth year, postal code, children; optional
    gender and life situation; a community card's group limit)."""
    issued_on = issued_on or timezone.localdate()
    unknown = set(background) - set(BACKGROUND_FIELDS)
    if unknown:
        raise TypeError(f"Not background data of a card: {sorted(unknown)}")
    card = Card.objects.create(
        card_id=normalise_card_id(card_id),
        kind=kind,
        issued_by=site,
        issued_on=issued_on,
        valid_from=issued_on,
        valid_until=one_year_from(issued_on),
        **background,
    )
    _log_period(card, CardPeriod.Kind.ISSUED, site, registered_by, extra={"kind": kind})
    return card


@transaction.atomic
def renew_card(
    *, card: Card, site: Site, renewed_by: User | None, on: datetime.date | None = None
) -> Card:
    """Renew a card at its issuing site: same number, valid one year from the
    renewal day; the earlier periods stay in the card's history."""
    on = on or timezone.localdate()
    card = _lock(Card.objects.all(), card.pk)
    if card.is_closed:
        raise ValueError("A closed card cannot be renewed.")
    if card.background_removed_on is not None:
        raise ValueError("The card's background data was removed: enter it again first.")
    if card.valid_until >= one_year_from(on):
        return card  # renewed already today (a double click): no second period
    card.valid_from = on
    card.valid_until = one_year_from(on)
    card.save(update_fields=["valid_from", "valid_until", "updated_at"])
    _log_period(card, CardPeriod.Kind.RENEWED, site, renewed_by)
    return card


def _log_period(
    card: Card, kind: str, site: Site, by: User | None, extra: dict | None = None
) -> None:
    """The card's new validity period in its history, and its audit entry."""
    CardPeriod.objects.create(
        card=card,
        kind=kind,
        valid_from=card.valid_from,
        valid_until=card.valid_until,
        site=site,
        recorded_by=by,
    )
    audit.log(
        action="card.registered" if kind == CardPeriod.Kind.ISSUED else "card.renewed",
        obj=card,
        actor=by,
        site=site,
        data={
            "card_id": card.card_id,
            "valid_until": card.valid_until.isoformat(),
            **(extra or {}),
        },
    )


@transaction.atomic
def close_card(
    *, card: Card, site: Site, reason: str, closed_by: User | None, on: datetime.date | None = None
) -> Card:
    """Close a card (lost, returned, replaced): it cannot be used from that day on."""
    if reason not in Card.CloseReason.values:
        raise ValueError(f"Unknown reason for closing a card: {reason!r}")
    card = _lock(Card.objects.all(), card.pk)
    if card.is_closed:
        return card
    card.closed_on = on or timezone.localdate()
    card.close_reason = reason
    card.save(update_fields=["closed_on", "close_reason", "updated_at"])
    audit.log(
        action="card.closed",
        obj=card,
        actor=closed_by,
        site=site,
        data={"card_id": card.card_id, "reason": reason},
    )
    return card


@transaction.atomic
def update_card_background(
    *, card: Card, site: Site, changed_by: User | None, **background: Any
) -> Card:
    """Correct a card's background data (e.g. the number of children: the
    register wins over the paper card)."""
    unknown = set(background) - set(BACKGROUND_FIELDS)
    if unknown:
        raise TypeError(f"Not background data of a card: {sorted(unknown)}")
    card = _lock(Card.objects.all(), card.pk)
    changed = {field: value for field, value in background.items() if getattr(card, field) != value}
    if not changed:
        return card
    for field, value in changed.items():
        setattr(card, field, value)
    restored = card.background_removed_on is not None and card.birth_year is not None
    if restored:  # entered again after the data retention removed it
        card.background_removed_on = None
    card.save(
        update_fields=[*changed, *(["background_removed_on"] if restored else []), "updated_at"]
    )
    audit.log(
        action="card.changed",
        obj=card,
        actor=changed_by,
        site=site,
        # Which fields changed, not their values: the audit holds nothing personal.
        data={"card_id": card.card_id, "changed": sorted(changed)},
    )
    return card
