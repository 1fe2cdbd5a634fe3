"""The statistics summary: counts kept beside the raw uses so that reports at
national volume read thousands of rows instead of millions.

Every table is keyed by what a use itself stores and never changes (its site,
offering, channel, month) or by what the card never changes (its issuing
site). Names, areas, sectors and kinds are joined at query time, so renaming an
offering or changing its sector shows at once. Three things are kept as they
were when the use was recorded and are corrected on change (see
`stats.summary`): the holder's age band, gender and life situation
(HolderCell, moved by a signal when a card's background is corrected), and
whether the card came from another area (`other_area_uses`, CardsUsed per
area: moving a site or a municipality to another area marks the summary stale
until `rebuild_stats` has run; reports read the raw uses meanwhile).

Distinct cards cannot be added up across days or sites, so they are counted
per calendar period (month, quarter, year) and per scope (a site, an area, the
nation, the card's issuing site) when a card's first use in that period and
scope is recorded, and taken off when its last one there is voided.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from venues.models import Offering, Site


class UseCell(models.Model):
    """Uses and children's tickets of one site, offering and channel in a month."""

    month = models.DateField(_("month"))  # the first day of the month
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    offering = models.ForeignKey(
        Offering, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    channel = models.CharField(max_length=10)
    uses = models.IntegerField(default=0)
    children = models.IntegerField(default=0)
    other_area_uses = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("summary of uses")
        verbose_name_plural = _("summaries of uses")
        indexes = [models.Index(fields=["month", "site"], name="stats_usecell_month_site")]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "offering", "channel"],
                condition=Q(offering__isnull=False),
                name="stats_usecell_unique",
            ),
            models.UniqueConstraint(
                fields=["month", "site", "channel"],
                condition=Q(offering__isnull=True),
                name="stats_usecell_unique_plain_admission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} site {self.site_id} offering {self.offering_id} {self.channel}"


class HolderCell(models.Model):
    """Uses and children's tickets of one site in a month by one fact about the
    holder (age band, gender, life situation): one row per value."""

    class Dimension(models.TextChoices):
        AGE_BAND = "age_band", _("age band")
        GENDER = "gender", _("gender")
        LIFE_SITUATION = "life_situation", _("life situation")

    month = models.DateField(_("month"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    value = models.CharField(max_length=20)
    uses = models.IntegerField(default=0)
    children = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("summary of uses by holder")
        verbose_name_plural = _("summaries of uses by holder")
        indexes = [
            models.Index(fields=["dimension", "month", "site"], name="stats_holdercell_dim_month")
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "dimension", "value"], name="stats_holdercell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} site {self.site_id} {self.dimension}={self.value}"


class CardsUsed(models.Model):
    """How many distinct cards were used in a calendar period within a scope.

    `key` is the site's pk (scope site: uses at that venue site), the area's pk
    (scope area: uses at the area's venue sites), the issuing site's pk (scope
    issuer: that distributor's cards, used anywhere) or 0 (scope nation)."""

    class Period(models.TextChoices):
        MONTH = "month", _("month")
        QUARTER = "quarter", _("quarter")
        YEAR = "year", _("year")

    class Scope(models.TextChoices):
        SITE = "site", _("site")
        AREA = "area", _("area")
        NATION = "nation", _("nation")
        ISSUER = "issuer", _("issuing site")

    period = models.CharField(max_length=10, choices=Period.choices)
    start = models.DateField()
    scope = models.CharField(max_length=10, choices=Scope.choices)
    key = models.BigIntegerField()
    cards = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("distinct cards used")
        verbose_name_plural = _("distinct cards used")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "start", "scope", "key"], name="stats_cardsused_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.start} {self.scope} {self.key}: {self.cards}"


class SummaryState(models.Model):
    """One row: whether the summary agrees with the raw uses. Reports read the
    summary only while it does; otherwise they aggregate the raw uses."""

    built_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    stale_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("state of the statistics summary")

    def __str__(self) -> str:
        return f"stale since {self.stale_since}" if self.stale_since else "fresh"
