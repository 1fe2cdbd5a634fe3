"""The one write path for card uses, and the card register's changes.

Every channel that records a use of a card — the cashier's desk, the Excel and
paper imports, the broker API, the offline queue — calls `record_redemption`.
It owns the rules of DOMAIN.md; refusals raise `RedemptionRefused` with a
stable machine code (the codes of API.md) and a translated message, and each
channel renders that its own way. Nothing else writes a Redemption.
"""

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kaikukanta import audit
from stats import summary as stats_summary
from usage.card_ids import is_valid_card_id, normalise_card_id
from usage.models import MAX_CHILDREN, Broker, Card, CardPeriod, Redemption, one_year_from
from venues.models import Offering, Site, User

# How long a cashier can undo their own record without a reason.
UNDO_WINDOW = datetime.timedelta(minutes=15)
# How long a recorder waits for another's row lock before answering "busy".
LOCK_TIMEOUT_MS = 5000

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
    "already_recorded": _(
        "This card is already recorded for this offering on this date. Nothing was recorded again."
    ),
    "cap_reached": _(
        "The Kaikukortti places of this offering are used up. Offer another show or day."
    ),
    "offering_not_at_site": _("The offering is not one of this site's."),
    "offering_excluded": _("The venue has excluded this offering from Kaikukortti."),
    "offering_not_on_date": _("The offering does not take place on the date of use."),
    "offering_required": _("The site has offerings that day: choose the one the card is used for."),
    "children_invalid": _("The number of children must be a whole number from 0 to 20."),
    "idempotency_mismatch": _("This idempotency key was already used for a different request."),
    "busy": _("The register is busy recording other uses. Try again in a moment."),
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
        text = str(REFUSAL_MESSAGES[self.code])
        if self.code == "cap_reached" and self.remaining:
            text += " " + ngettext(
                "%(n)d place is left.", "%(n)d places are left.", self.remaining
            ) % {"n": self.remaining}
        return text

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


def _existing_for_key(idempotency_key: str | None, fingerprint: str) -> Recorded | None:
    if not idempotency_key:
        return None
    earlier = Redemption.objects.filter(idempotency_key=idempotency_key).first()
    if earlier is None:
        return None
    if earlier.request_fingerprint != fingerprint:
        raise RedemptionRefused("idempotency_mismatch")
    return Recorded(earlier, created=False)


def _check_offering(site: Site, offering: Offering | None, day: datetime.date) -> None:
    if offering is None:
        # Plain admission is for sites that have nothing on offer that day.
        if Offering.objects.filter(site=site).on(day).exists():
            raise RedemptionRefused("offering_required")
        return
    if offering.site_id != site.pk:
        raise RedemptionRefused("offering_not_at_site")
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


def _earlier_use(card: Card, site: Site, offering: Offering | None, day: datetime.date):
    uses = Redemption.objects.active().filter(card=card)
    if offering is None:
        uses = uses.filter(site=site, offering__isnull=True, used_on=day)
    elif offering.kind == Offering.Kind.COURSE:
        uses = uses.filter(offering=offering)  # one place per course, whatever the day
    else:
        uses = uses.filter(offering=offering, used_on=day)
    return uses.first()


def _lock(queryset, pk):
    if _lock_rows:
        queryset = queryset.select_for_update()
    return queryset.get(pk=pk)


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}")


def record_redemption(
    *,
    card_id: str,
    site: Site,
    offering: Offering | None,
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
    site with no offerings that day) on `used_on` (default today).

    The caller has already checked that the recorder may record at `site`.
    The card's state, the offering, the duplicate rule and the cap are checked
    here, the cap inside one transaction that locks the card's and the
    offering's rows (in that order, always), so that concurrent cashiers never
    exceed it. With `after_the_fact` (offline sheets, queues, sales reports) the
    tickets were already handed out: a use over the cap is recorded and flagged
    instead of refused. With an `idempotency_key`, a retry returns the first
    result and records nothing new. A use recorded over the API names its
    `broker`; `actor_label` says who acted in the audit entry when no person did.

    Raises RedemptionRefused with a stable code; nothing is recorded then.
    """
    day = used_on or timezone.localdate()
    normalised = normalise_card_id(card_id)
    if not is_valid_card_id(normalised):
        raise RedemptionRefused("card_id_malformed")
    if (
        isinstance(children, bool)
        or not isinstance(children, int)
        or not (0 <= children <= MAX_CHILDREN)
    ):
        raise RedemptionRefused("children_invalid")

    # Cheap checks first, without locks.
    known = _existing_for_key(idempotency_key, fingerprint)
    if known:
        return known
    _check_offering(site, offering, day)
    card = Card.objects.filter(card_id=normalised).first()
    if card is None:
        raise RedemptionRefused("card_unknown")

    try:
        with transaction.atomic():
            _set_lock_timeout()
            card = _lock(Card.objects.all(), card.pk)
            if offering is not None:
                offering = _lock(Offering.objects.all(), offering.pk)
            # Under the locks: a concurrent retry with the same key has committed.
            known = _existing_for_key(idempotency_key, fingerprint)
            if known:
                return known
            _check_card(card, offering, day, children)
            earlier = _earlier_use(card, site, offering, day)
            if earlier is not None:
                raise RedemptionRefused("already_recorded", redemption=earlier)
            over_cap = _check_cap(offering, day, 1 + children, after_the_fact)
            redemption = _insert(
                card=card,
                site=site,
                offering=offering,
                day=day,
                children=children,
                channel=channel,
                recorded_by=recorded_by,
                broker=broker,
                over_cap=over_cap,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
            stats_summary.use_recorded(redemption)  # the statistics summary, same transaction
            audit.log(
                action="redemption.recorded",
                obj=redemption,
                actor=recorded_by,
                actor_label=actor_label,
                site=site,
                data={
                    "card_id": card.card_id,
                    "offering_id": offering.pk if offering else None,
                    "used_on": day.isoformat(),
                    "children": children,
                    "channel": channel,
                    "over_cap": over_cap,
                },
            )
            return Recorded(redemption, created=True)
    except IntegrityError:
        # The database's constraints are the last word: a concurrent request
        # with the same key, or the same card at the same time, got there first.
        known = _existing_for_key(idempotency_key, fingerprint)
        if known:
            return known
        raise RedemptionRefused(
            "already_recorded", redemption=_earlier_use(card, site, offering, day)
        ) from None
    except DatabaseError as error:
        # PostgreSQL's lock_not_available: another recorder held the row too long.
        if getattr(error.__cause__, "sqlstate", None) == "55P03":
            raise RedemptionRefused("busy") from None
        raise


def _check_cap(
    offering: Offering | None, day: datetime.date, tickets: int, after_the_fact: bool
) -> bool:
    """Raise cap_reached when the tickets do not fit; return whether the use is
    recorded over the cap (after the fact only)."""
    if offering is None or offering.cap is None:
        return False
    used = tickets_used(offering, day)
    if _race_window is not None:
        _race_window()
    if used + tickets <= offering.cap:
        return False
    if after_the_fact:
        return True
    raise RedemptionRefused("cap_reached", remaining=max(offering.cap - used, 0))


def _insert(
    *,
    card,
    site,
    offering,
    day,
    children,
    channel,
    recorded_by,
    broker,
    over_cap,
    idempotency_key,
    fingerprint,
) -> Redemption:
    with transaction.atomic():  # a savepoint, so a constraint error leaves the outer block usable
        return Redemption.objects.create(
            card=card,
            site=site,
            offering=offering,
            used_on=day,
            children=children,
            channel=channel,
            recorded_by=recorded_by,
            broker=broker,
            over_cap=over_cap,
            idempotency_key=idempotency_key or None,
            request_fingerprint=fingerprint,
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
    (`kaikukanta.access.may_void`)."""
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
            data={"card_id": redemption.card.card_id, "reason": redemption.void_reason},
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
    CardPeriod.objects.create(
        card=card,
        kind=CardPeriod.Kind.ISSUED,
        valid_from=card.valid_from,
        valid_until=card.valid_until,
        site=site,
        recorded_by=registered_by,
    )
    audit.log(
        action="card.registered",
        obj=card,
        actor=registered_by,
        site=site,
        data={"card_id": card.card_id, "kind": kind, "valid_until": card.valid_until.isoformat()},
    )
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
    card.valid_from = on
    card.valid_until = one_year_from(on)
    card.save(update_fields=["valid_from", "valid_until", "updated_at"])
    CardPeriod.objects.create(
        card=card,
        kind=CardPeriod.Kind.RENEWED,
        valid_from=card.valid_from,
        valid_until=card.valid_until,
        site=site,
        recorded_by=renewed_by,
    )
    audit.log(
        action="card.renewed",
        obj=card,
        actor=renewed_by,
        site=site,
        data={"card_id": card.card_id, "valid_until": card.valid_until.isoformat()},
    )
    return card


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
    card.save(update_fields=[*changed, "updated_at"])
    audit.log(
        action="card.changed",
        obj=card,
        actor=changed_by,
        site=site,
        # Which fields changed, not their values: the audit holds nothing personal.
        data={"card_id": card.card_id, "changed": sorted(changed)},
    )
    return card
