"""What the cashier's desk reads: a card's state on a day, the day's offerings
with their caps, which offering to preselect, and the cashier's own records.

The desk writes only through `usage.services` and decides access only through
`kaikukanta.access`; this module shapes the reads for the page's templates and
for its JSON endpoint. Nothing here ever exposes a card's background data
(birth year, postal code, gender, life situation): only what a cashier needs.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from usage import queries
from usage.card_ids import is_valid_card_id, normalise_card_id
from usage.models import Card, Redemption
from usage.services import RedemptionRefused
from venues.models import Offering, Site, User

# How many days ahead a cashier may record (advance sales for a later show).
DAYS_AHEAD = 365
# A usable card that expires within this many days gets a reminder to renew.
EXPIRY_REMINDER_DAYS = 30
# Shows first (by start time), then admission, then courses.
_KIND_ORDER = {Offering.Kind.SHOW: 0, Offering.Kind.ADMISSION: 1, Offering.Kind.COURSE: 2}


@dataclass(frozen=True)
class CardState:
    """A card as the desk sees it on one day of use."""

    card_id: str  # the normalised input, whether or not such a card exists
    card: Card | None
    refusal_code: str | None
    expires_soon: bool = False

    @property
    def usable(self) -> bool:
        return self.card is not None and self.refusal_code is None

    @property
    def message(self) -> str:
        return RedemptionRefused(self.refusal_code).message if self.refusal_code else ""

    def as_json(self) -> dict[str, Any]:
        """The card for the desk's JSON endpoint: validity, kind and the children
        allowed; deliberately not the card's background data."""
        card = self.card
        return {
            "card_id": self.card_id,
            "registered": card is not None,
            "usable": self.usable,
            "refusal": (
                {"code": self.refusal_code, "message": self.message} if self.refusal_code else None
            ),
            "kind": card.kind if card else None,
            "kind_label": str(card.get_kind_display()) if card else None,
            "valid_until": card.valid_until.isoformat() if card else None,
            "closed": card.is_closed if card else None,
            "children_allowed": card.children_allowed if card else None,
            "expires_soon": self.expires_soon,
        }


def card_state(raw_card_id: object, day: datetime.date) -> CardState:
    """The state of the card with this (typed, scanned or QR) ID on `day`:
    usable, or the refusal code that `record_redemption` would raise for it."""
    card_id = normalise_card_id(raw_card_id)
    if not is_valid_card_id(card_id):
        return CardState(card_id, None, "card_id_malformed")
    card = Card.objects.filter(card_id=card_id).first()
    if card is None:
        return CardState(card_id, None, "card_unknown")
    refusal = card.refusal_on(day)
    return CardState(
        card_id,
        card,
        refusal,
        expires_soon=refusal is None and card.expires_within(EXPIRY_REMINDER_DAYS, day),
    )


@dataclass(frozen=True)
class DeskOffering:
    """An offering on the desk's day, with the Kaikukortti tickets counted
    against its cap (for admission: on that day) and, once a card is checked,
    the card's earlier use that rules it out (`already_recorded`)."""

    offering: Offering
    used: int
    earlier_use: Redemption | None = None

    @property
    def cap(self) -> int | None:
        return self.offering.cap

    @property
    def remaining(self) -> int | None:
        return None if self.cap is None else max(self.cap - self.used, 0)

    @property
    def over_by(self) -> int:
        return 0 if self.cap is None else max(self.used - self.cap, 0)

    @property
    def is_full(self) -> bool:
        return self.cap is not None and self.used >= self.cap

    @property
    def selectable(self) -> bool:
        return not self.offering.excluded

    @property
    def already_used(self) -> bool:
        return self.earlier_use is not None

    @property
    def usable(self) -> bool:
        """Whether the checked card can be recorded for it: not excluded, not
        full, and not used by the card already (as `record_redemption` rules)."""
        return self.selectable and not self.is_full and not self.already_used

    @property
    def state(self) -> str:
        """For the checked card: excluded, used (already), full or usable."""
        if not self.selectable:
            return "excluded"
        if self.already_used:
            return "used"
        return "full" if self.is_full else "usable"

    @property
    def is_course(self) -> bool:
        return self.offering.kind == Offering.Kind.COURSE

    @property
    def input_id(self) -> str:
        return f"desk-offering-{self.offering.pk}"


def offerings_on(site: Site, day: datetime.date) -> list[DeskOffering]:
    """The site's offerings on `day` with their used tickets, counted in one
    query the way `services.tickets_used` counts them (per offering; per day for
    admission), in the desk's order: shows by start time, then admission, then
    courses."""
    rows = [DeskOffering(o, o.used) for o in queries.offerings_on(site, day)]
    rows.sort(
        key=lambda row: (
            _KIND_ORDER.get(row.offering.kind, 9),
            row.offering.start_time or datetime.time.max,
            row.offering.date,
            row.offering.title,
        )
    )
    return rows


def earlier_uses(
    redemptions: QuerySet[Redemption], *, card: Card, site: Site, day: datetime.date
) -> list[Redemption]:
    """The card's uses at `site` that rule out another use on `day`, in one
    query for every offering of the day: its uses on that day (an offering, or
    plain admission) and its places on courses, whatever their day. The same
    rule as `record_redemption`'s `already_recorded`. `redemptions` comes from
    `access.redemptions`."""
    return list(
        redemptions.active()
        .filter(card=card, site=site)
        .filter(Q(used_on=day) | Q(offering__kind=Offering.Kind.COURSE))
        .select_related("offering")
        .order_by("recorded_at")
    )


def for_card(
    rows: list[DeskOffering], uses: list[Redemption], day: datetime.date
) -> list[DeskOffering]:
    """The day's offerings, each with the card's earlier use that rules it out."""
    by_offering: dict[int, Redemption] = {}
    for use in uses:
        if use.offering_id is None:
            continue
        if use.offering.kind == Offering.Kind.COURSE or use.used_on == day:
            by_offering.setdefault(use.offering_id, use)
    return [replace(row, earlier_use=by_offering.get(row.offering.pk)) for row in rows]


def plain_admission_use(uses: list[Redemption], day: datetime.date) -> Redemption | None:
    """The card's plain admission at the site on `day`, if it has one already."""
    return next((u for u in uses if u.offering_id is None and u.used_on == day), None)


def next_offering(
    rows: list[DeskOffering], day: datetime.date, now: datetime.datetime | None = None
) -> DeskOffering | None:
    """The offering to preselect: the show starting next (today: the first that
    has not started yet), else the first admission or course, else the show
    that started last. Only offerings the card can use are preselected: never
    an excluded or full one, nor one the checked card has used already."""
    now = timezone.localtime(now)
    candidates = [row for row in rows if row.usable]
    if not candidates:
        return None
    if day != now.date():
        return candidates[0]
    shows = [row for row in candidates if row.offering.kind == Offering.Kind.SHOW]
    for row in shows:
        if row.offering.start_time is None or row.offering.start_time >= now.time():
            return row
    others = [row for row in candidates if row.offering.kind != Offering.Kind.SHOW]
    if others:
        return others[0]
    return shows[-1]


def remembered_site(user: User, sites: Sequence[Site]) -> Site | None:
    """The site the desk opens on: the one the person last worked at, while it
    is among `sites` (those where they may record, from `kaikukanta.access`,
    in the order shown), else the first of them."""
    remembered = next((site for site in sites if site.pk == user.last_desk_site_id), None)
    return remembered or next(iter(sites), None)


def remember_site(user: User, site: Site) -> None:
    """Remember where the person works at the desk (on every device: the
    desk and its offline page open there next time)."""
    if user.last_desk_site_id != site.pk:
        User.objects.filter(pk=user.pk).update(last_desk_site=site)
        user.last_desk_site = site


def start_of_today() -> datetime.datetime:
    today = timezone.localdate()
    return datetime.datetime.combine(today, datetime.time.min, timezone.get_current_timezone())


def day_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The dates a cashier may record for: today, or ahead for advance sales."""
    today = today or timezone.localdate()
    return today, today + datetime.timedelta(days=DAYS_AHEAD)


def recorded_today(redemptions, *, site: Site, user, limit: int = 10) -> list[Redemption]:
    """The user's own records at `site` made today (whatever their date of use),
    newest first, from a queryset the caller got from `access.redemptions`."""
    return list(
        redemptions.filter(site=site, recorded_by=user, recorded_at__gte=start_of_today())
        .select_related("card", "offering")
        .order_by("-recorded_at")[:limit]
    )
