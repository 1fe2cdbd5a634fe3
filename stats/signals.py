"""Keep the summary true when what it was built from is corrected.

A card's background is counted per holder cell: a correction moves its uses.
Which area a site belongs to is counted as recorded: moving a site or a
municipality to another area marks the summary stale, so reports read the raw
uses until `rebuild_stats` has run. (`QuerySet.update()` sends no signals: code
that moves these in bulk must call `stats.summary.mark_stale` itself.)"""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from stats import summary
from usage.models import Card, Redemption
from venues.models import Municipality, Site

CARD_FIELDS = ("birth_year", "gender", "life_situation", "issued_by_id")


def _touches(update_fields, fields) -> bool:
    return update_fields is None or bool(
        set(update_fields) & {f.removesuffix("_id") for f in fields}
    )


@receiver(pre_save, sender=Card)
def _card_before(sender, instance: Card, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, CARD_FIELDS):
        return
    summary.lock_card(instance.pk)
    instance._stats_before = Card.objects.filter(pk=instance.pk).values(*CARD_FIELDS).first()


@receiver(post_save, sender=Card)
def _card_after(sender, instance: Card, created=False, raw=False, **kwargs):
    before = getattr(instance, "_stats_before", None)
    if raw or created or before is None:
        return
    del instance._stats_before
    if before["issued_by_id"] != instance.issued_by_id:
        summary.mark_stale("A card's issuing site changed.")
    summary.card_background_changed(instance, before)


@receiver(pre_save, sender=Site)
def _site_before(sender, instance: Site, raw=False, update_fields=None, **kwargs):
    if raw or instance.pk is None or not _touches(update_fields, ["municipality_id"]):
        return
    instance._stats_area_before = (
        Site.objects.filter(pk=instance.pk).values_list("municipality__area", flat=True).first()
    )


@receiver(post_save, sender=Site)
def _site_after(sender, instance: Site, created=False, raw=False, **kwargs):
    if raw or created or not hasattr(instance, "_stats_area_before"):
        return
    before = instance._stats_area_before
    del instance._stats_area_before
    after = Municipality.objects.filter(pk=instance.municipality_id).values_list("area", flat=True)[
        0
    ]
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
    if raw or created or not hasattr(instance, "_stats_area_before"):
        return
    before = instance._stats_area_before
    del instance._stats_area_before
    if before != instance.area_id and _has_history(Site.objects.filter(municipality=instance)):
        summary.mark_stale(f"Municipality {instance.pk} moved to another area.")


def _has_history(sites) -> bool:
    """Whether any use was recorded at these sites or with cards they issued."""
    return (
        Redemption.objects.filter(site__in=sites).exists()
        or Redemption.objects.filter(card__issued_by__in=sites).exists()
    )
