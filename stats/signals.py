"""Keep the summary true when what it counts is corrected.

- A card's background (birth year, gender, life situation) or an offering's
  sector or kind is counted as recorded in SiteCell: a correction moves its
  uses to the new cells, inside the correction's transaction. (A correction
  saved outside any transaction cannot be moved safely; it marks the summary
  stale instead.)
- A card period (registration, renewal) is counted in CardPeriodCell.
- Which area a site belongs to decides "cards from other areas" and the
  distinct cards of an area: moving a site or a municipality to another area
  marks the summary stale, so reports read the raw uses until `rebuild_stats`.

`QuerySet.update()` and `bulk_create()` send no signals: code that changes
these in bulk must call `stats.summary.rebuild` or `mark_stale` itself.
"""

from django.db import connection
from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from stats import summary
from usage.models import Card, CardPeriod, Redemption
from venues.models import Municipality, Offering, Site

CARD_FIELDS = ("birth_year", "gender", "life_situation", "issued_by_id")
OFFERING_FIELDS = ("sector", "kind")


def _touches(update_fields, fields) -> bool:
    names = {field.removesuffix("_id") for field in fields}
    return update_fields is None or bool(set(update_fields) & names)


def _before(instance, fields, lock_namespace):
    """The stored values of `fields`, read under the summary's lock on the row
    when in a transaction (else without: the caller then marks stale)."""
    model = type(instance)
    rows = model.objects.filter(pk=instance.pk)
    if connection.in_atomic_block:
        if model is Offering:
            rows = rows.select_for_update()  # queue behind a recording at this offering
        summary.lock(lock_namespace, instance.pk)
    return rows.values(*fields).first()


# -- cards -------------------------------------------------------------------


@receiver(pre_save, sender=Card)
def _card_before(sender, instance: Card, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, CARD_FIELDS):
        return
    instance._stats_before = _before(instance, CARD_FIELDS, summary.LOCK_CARD)
    instance._stats_atomic = connection.in_atomic_block


@receiver(post_save, sender=Card)
def _card_after(sender, instance: Card, created=False, raw=False, **kwargs):
    before = instance.__dict__.pop("_stats_before", None)
    atomic = instance.__dict__.pop("_stats_atomic", False)
    if raw or created or before is None:
        return
    if before["issued_by_id"] != instance.issued_by_id:
        summary.mark_stale(f"The issuing site of card {instance.pk} changed.")
    if any(before[f] != getattr(instance, f) for f in CARD_FIELDS[:3]):
        if atomic:
            summary.card_background_changed(instance, before)
        elif Redemption.objects.filter(card=instance).exists():
            summary.mark_stale(f"Card {instance.pk} was corrected outside a transaction.")


# -- offerings -------------------------------------------------------------------


@receiver(pre_save, sender=Offering)
def _offering_before(sender, instance: Offering, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, OFFERING_FIELDS):
        return
    instance._stats_before = _before(instance, OFFERING_FIELDS, summary.LOCK_OFFERING)
    instance._stats_atomic = connection.in_atomic_block


@receiver(post_save, sender=Offering)
def _offering_after(sender, instance: Offering, created=False, raw=False, **kwargs):
    before = instance.__dict__.pop("_stats_before", None)
    atomic = instance.__dict__.pop("_stats_atomic", False)
    if raw or created or before is None:
        return
    if all(before[f] == getattr(instance, f) for f in OFFERING_FIELDS):
        return
    if atomic:
        summary.offering_changed(instance, before)
    elif Redemption.objects.filter(offering=instance).exists():
        summary.mark_stale(f"Offering {instance.pk} was changed outside a transaction.")


# -- card periods ------------------------------------------------------------------


@receiver(post_save, sender=CardPeriod)
def _period_added(sender, instance: CardPeriod, created=False, raw=False, **kwargs):
    if created and not raw:
        summary.card_period_added(instance, +1)


@receiver(post_delete, sender=CardPeriod)
def _period_deleted(sender, instance: CardPeriod, **kwargs):
    summary.card_period_added(instance, -1)


# -- areas ---------------------------------------------------------------------------


@receiver(pre_save, sender=Site)
def _site_before(sender, instance: Site, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, ["municipality_id"]):
        return
    instance._stats_area_before = (
        Site.objects.filter(pk=instance.pk).values_list("municipality__area", flat=True).first()
    )


@receiver(post_save, sender=Site)
def _site_after(sender, instance: Site, created=False, raw=False, **kwargs):
    if raw or created or "_stats_area_before" not in instance.__dict__:
        return
    before = instance.__dict__.pop("_stats_area_before")
    after = (
        Municipality.objects.filter(pk=instance.municipality_id)
        .values_list("area", flat=True)
        .first()
    )
    if before != after and _has_history(Site.objects.filter(pk=instance.pk)):
        summary.mark_stale(f"Site {instance.pk} moved to another area.")


@receiver(pre_save, sender=Municipality)
def _municipality_before(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, ["area_id"]):
        return
    instance._stats_area_before = (
        Municipality.objects.filter(pk=instance.pk).values_list("area", flat=True).first()
    )


@receiver(post_save, sender=Municipality)
def _municipality_after(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or "_stats_area_before" not in instance.__dict__:
        return
    before = instance.__dict__.pop("_stats_area_before")
    if before != instance.area_id and _has_history(Site.objects.filter(municipality=instance)):
        summary.mark_stale(f"Municipality {instance.pk} moved to another area.")


def _has_history(sites) -> bool:
    """Whether any use was recorded at these sites or with cards they issued."""
    return (
        Redemption.objects.filter(site__in=sites).exists()
        or Redemption.objects.filter(card__issued_by__in=sites).exists()
    )
