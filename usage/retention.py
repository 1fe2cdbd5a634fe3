"""Data retention (docs/privacy.md, "Retention"): what the register stops
keeping, and when.

- A card's background data (birth year, postal code, gender, life situation,
  children) is removed RETENTION_BACKGROUND_YEARS (3) after the card's last
  validity ended (its last period's end, or the day before it was closed). The
  card ID, its periods and its uses stay; its uses' holder figures move to
  "not recorded" in the statistics (the totals do not change).
- Uses of the calendar years that ended more than RETENTION_USES_YEARS (10)
  ago are folded into the statistics summary and deleted: the summary already
  counts them, so every report figure stays exactly the same; only the uses
  one by one are gone.

`python manage.py retention` runs both (nightly); `--dry-run` only plans.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Count, DateField, F, Max, Min, QuerySet, When
from django.db.models.functions import ExtractYear
from django.utils import timezone

from kaikukanta import audit
from stats import summary
from usage.models import Card, Redemption

# The background data that the retention removes, and what it becomes.
REMOVED_BACKGROUND = {
    "birth_year": None,
    "postal_code": "",
    "children": 0,
    "gender": "",
    "life_situation": "",
}
BATCH = 500


@dataclass(frozen=True)
class Plan:
    """What a retention run removes."""

    today: datetime.date
    background_cutoff: datetime.date  # cards whose validity ended before this day
    cards: int  # whose background data is removed
    uses_cutoff: datetime.date  # uses dated before this day are folded and deleted
    uses: int
    first_year: int | None  # of the uses folded
    last_year: int | None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def expired_backgrounds(cutoff: datetime.date) -> QuerySet[Card]:
    """Personal cards, their background still kept, whose validity ended before `cutoff`."""
    ended = Case(
        When(
            closed_on__isnull=False,
            closed_on__lte=F("valid_until"),
            then=F("closed_on") - datetime.timedelta(days=1),
        ),
        default=F("valid_until"),
        output_field=DateField(),
    )
    return (
        Card.objects.filter(kind=Card.Kind.PERSONAL, background_removed_on__isnull=True)
        .alias(ended=ended)
        .filter(ended__lt=cutoff)
    )


def first_day_kept(today: datetime.date) -> datetime.date:
    """The first day whose uses the register still keeps one by one: uses
    dated before it are folded into the summary and deleted (whole calendar
    years: the summary counts distinct cards per year), and none are recorded."""
    return datetime.date(today.year - settings.RETENTION_USES_YEARS, 1, 1)


def plan(today: datetime.date | None = None) -> Plan:
    today = today or timezone.localdate()
    background_cutoff = _years_before(today, settings.RETENTION_BACKGROUND_YEARS)
    uses_cutoff = first_day_kept(today)
    old = Redemption.objects.filter(used_on__lt=uses_cutoff).aggregate(
        n=Count("pk"), first=Min(ExtractYear("used_on")), last=Max(ExtractYear("used_on"))
    )
    return Plan(
        today=today,
        background_cutoff=background_cutoff,
        cards=expired_backgrounds(background_cutoff).count(),
        uses_cutoff=uses_cutoff,
        uses=old["n"],
        first_year=old["first"],
        last_year=old["last"],
    )


def remove_backgrounds(cutoff: datetime.date, today: datetime.date) -> int:
    """Remove the background data of the cards whose validity ended before
    `cutoff`, a batch of cards per transaction. Each save moves the card's uses
    to "not recorded" in the summary (stats.signals) and is audited."""
    removed = 0
    while True:
        with transaction.atomic():
            cards = list(
                expired_backgrounds(cutoff)
                .select_related("issued_by__municipality__area")
                .order_by("pk")
                .select_for_update(of=("self",))[:BATCH]
            )
            for card in cards:
                for field, value in REMOVED_BACKGROUND.items():
                    setattr(card, field, value)
                card.background_removed_on = today
                card.save(
                    update_fields=[*REMOVED_BACKGROUND, "background_removed_on", "updated_at"]
                )
            audit.log_many(
                [
                    audit.entry(
                        action="card.background_removed",
                        obj=card,
                        actor_label="retention",
                        site=card.issued_by,
                        data={"card_id": card.card_id},
                    )
                    for card in cards
                ]
            )
        removed += len(cards)
        if len(cards) < BATCH:
            return removed


def run(today: datetime.date | None = None) -> Plan:
    """Carry out the retention; returns what it removed."""
    done = plan(today)
    if done.cards:
        remove_backgrounds(done.background_cutoff, done.today)
    if done.uses:
        summary.fold_uses_before(done.uses_cutoff)
    return done
