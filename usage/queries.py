"""Reads of the card register and of card use that several pages share.

Every figure is aggregated in the database (`annotate`, `aggregate`, `Count`,
`Sum`); no page loops over rows to count them. Scoping is the caller's: pass
in a queryset that came from `kaikukanta.access`.
"""

import datetime
from typing import TypedDict

from django.db import models
from django.db.models import (
    Case,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.translation import gettext_lazy as _

from usage.models import Card, Redemption
from venues.models import Offering

# A card that is valid now but runs out within this many days is "expiring".
EXPIRING_DAYS = 30


class CardState(models.TextChoices):
    VALID = "valid", _("valid")
    EXPIRING = "expiring", _("valid, expires within 30 days")
    EXPIRED = "expired", _("expired")
    CLOSED = "closed", _("closed")


def card_state_q(state: str, today: datetime.date) -> Q:
    """The cards in `state` on `today`. "Valid" includes the expiring ones: they
    can still be used."""
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    open_ = Q(closed_on__isnull=True)
    if state == CardState.CLOSED:
        return Q(closed_on__isnull=False)
    if state == CardState.EXPIRED:
        return open_ & Q(valid_until__lt=today)
    if state == CardState.EXPIRING:
        return open_ & Q(valid_until__gte=today, valid_until__lt=soon)
    if state == CardState.VALID:
        return open_ & Q(valid_from__lte=today, valid_until__gte=today)
    raise ValueError(f"Unknown card state: {state!r}")


def with_state(cards: QuerySet[Card], today: datetime.date) -> QuerySet[Card]:
    """Annotate each card with `state`, one of CardState (the most specific)."""
    return cards.annotate(
        state=Case(
            When(card_state_q(CardState.CLOSED, today), then=Value(CardState.CLOSED.value)),
            When(card_state_q(CardState.EXPIRED, today), then=Value(CardState.EXPIRED.value)),
            When(card_state_q(CardState.EXPIRING, today), then=Value(CardState.EXPIRING.value)),
            default=Value(CardState.VALID.value),
            output_field=models.CharField(),
        )
    )


class CardFigures(TypedDict):
    registered_this_year: int
    valid_now: int
    used_this_year: int
    uses_this_year: int
    tickets_this_year: int


def card_figures(cards: QuerySet[Card], today: datetime.date) -> CardFigures:
    """A distributor site's cards in aggregate: registered this year, valid now,
    used at least once this year, and their uses and tickets this year (at any
    venue: the distributor sees how its cards are used, never where)."""
    year_start = datetime.date(today.year, 1, 1)
    year_end = datetime.date(today.year, 12, 31)
    register = cards.aggregate(
        registered_this_year=Count("pk", filter=Q(issued_on__gte=year_start)),
        valid_now=Count("pk", filter=card_state_q(CardState.VALID, today)),
    )
    uses = (
        Redemption.objects.active()
        .filter(card__in=cards.values("pk"), used_on__range=(year_start, year_end))
        .aggregate(
            used_this_year=Count("card", distinct=True),
            uses_this_year=Count("pk"),
            children=Sum("children"),
        )
    )
    return {
        "registered_this_year": register["registered_this_year"],
        "valid_now": register["valid_now"],
        "used_this_year": uses["used_this_year"],
        "uses_this_year": uses["uses_this_year"],
        "tickets_this_year": uses["uses_this_year"] + (uses["children"] or 0),
    }


class CardUse(TypedDict):
    uses: int
    tickets: int


def card_use_in_current_period(card: Card) -> CardUse:
    """How much the card has been used in its current validity period: counts
    only, never where (a distributor sees cards' use in aggregate)."""
    totals = (
        Redemption.objects.active()
        .filter(card=card, used_on__range=(card.valid_from, card.valid_until))
        .aggregate(uses=Count("pk"), children=Sum("children"))
    )
    return {"uses": totals["uses"], "tickets": totals["uses"] + (totals["children"] or 0)}


def _tickets() -> models.Expression:
    """Holders' and children's tickets of a group of uses."""
    return Count("pk") + Coalesce(Sum("children"), 0)


def offerings_with_use(offerings: QuerySet[Offering], today: datetime.date) -> QuerySet[Offering]:
    """Annotate offerings with the figures staff see beside a cap, counted as
    `usage.services.tickets_used` counts them (the cap's own rule):

    - `figure_day`: for admission (capped per day) the day the figures are for:
      today while it is open, else its first day (upcoming) or last day (past);
    - `used`: tickets counted against the cap (admission: on `figure_day`);
    - `peak`: the most tickets counted against the cap on any one day
      (admission), or `used` (shows and courses);
    - `remaining`: places left under the cap (None without a cap);
    - `over_cap`: whether `peak` exceeds the cap (a cap lowered below what was
      already used, or uses recorded after the fact over the cap).
    """
    active = (
        Redemption.objects.active().filter(offering=OuterRef("pk")).order_by().values("offering")
    )
    per_day = (
        Redemption.objects.active()
        .filter(offering=OuterRef("pk"))
        .order_by()
        .values("used_on")
        .annotate(t=_tickets())
        .order_by("-t")
        .values("t")[:1]
    )
    is_admission = Q(kind=Offering.Kind.ADMISSION)
    return offerings.annotate(
        figure_day=Least(
            Greatest(Value(today, output_field=models.DateField()), F("date")),
            Coalesce(F("end_date"), F("date")),
        ),
        tickets_total=Coalesce(Subquery(active.annotate(t=_tickets()).values("t")[:1]), 0),
        tickets_on_day=Coalesce(
            Subquery(
                active.filter(used_on=OuterRef("figure_day")).annotate(t=_tickets()).values("t")[:1]
            ),
            0,
        ),
        busiest_day=Coalesce(Subquery(per_day), 0),
    ).annotate(
        used=Case(When(is_admission, then=F("tickets_on_day")), default=F("tickets_total")),
        peak=Case(When(is_admission, then=F("busiest_day")), default=F("tickets_total")),
        remaining=Case(
            When(cap__isnull=True, then=Value(None)),
            default=Greatest(F("cap") - F("used"), Value(0)),
            output_field=models.IntegerField(),
        ),
        over_cap=Case(
            When(cap__isnull=False, peak__gt=F("cap"), then=Value(True)),
            default=Value(False),
            output_field=models.BooleanField(),
        ),
    )
