"""The statistics summary: counts kept beside the raw uses so that reports at
national volume read thousands of rows instead of millions.

- UseCell: uses per month, site, offering and channel. Keyed only by what a use
  stores and never changes; sector, kind, site and area are joined when read,
  so it answers every additive figure under any filter.
- SiteCell: the same uses per month and site, broken down one dimension at a
  time (the total, channel, sector, kind, offering, and the holder's age band,
  gender and life situation): the unfiltered reports read a few thousand of
  these instead of the uses.
- CardsUsed: distinct cards. They cannot be added up across days or sites, so
  they are counted per calendar period (month, quarter, year) and per scope (a
  site, an area, the nation, the card's issuing site): a card counts when its
  first use in that period and scope is recorded, and stops counting when its
  last one there is voided.
- CardPeriodCell: cards registered and renewed per month and site.

What a row records about a use as it was when recorded is moved when it is
corrected (stats.summary, stats.signals): a card's background (SiteCell's
holder rows) and an offering's sector or kind (SiteCell's sector and kind
rows). Whether a card came from another area, and CardsUsed per area, follow
the areas of sites; moving a site or a municipality to another area marks the
summary stale, and reports read the raw uses until `rebuild_stats` has run.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from venues.models import Offering, Site


class UseCell(models.Model):
    """Uses and children's tickets of one site, offering and channel in a month."""

    month = models.DateField(_("month"))  # the first day of the month
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
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
        indexes = [
            models.Index(fields=["month", "site"], name="stats_usecell_month_site"),
            models.Index(fields=["site", "month"], name="stats_usecell_site_month"),
        ]
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


class SiteCell(models.Model):
    """Uses of one site in a month by one dimension: one row per value."""

    class Dimension(models.TextChoices):
        TOTAL = "total", _("total")
        CHANNEL = "channel", _("channel")
        SECTOR = "sector", _("sector")
        KIND = "kind", _("kind")
        OFFERING = "offering", _("offering")
        AGE_BAND = "age_band", _("age band")
        GENDER = "gender", _("gender")
        LIFE_SITUATION = "life_situation", _("life situation")

    month = models.DateField(_("month"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+", db_index=False)
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    # The value's code ("" for none: no offering, not recorded); an offering's pk.
    value = models.CharField(max_length=20, blank=True)
    uses = models.IntegerField(default=0)
    children = models.IntegerField(default=0)
    other_area_uses = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("summary of uses by site and month")
        verbose_name_plural = _("summaries of uses by site and month")
        indexes = [
            # The whole network (national reports), and a site's or an area's sites.
            models.Index(fields=["dimension", "month"], name="stats_sitecell_dim_month"),
            models.Index(fields=["site", "dimension", "month"], name="stats_sitecell_site_dim"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "dimension", "value"], name="stats_sitecell_unique"
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


class CardPeriodCell(models.Model):
    """Cards registered (kind "issued") or renewed at a site in a month."""

    month = models.DateField(_("month"))
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10)
    periods = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("summary of cards registered")
        verbose_name_plural = _("summaries of cards registered")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "site", "kind"], name="stats_cardperiodcell_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} site {self.site_id} {self.kind}: {self.periods}"


class SummaryState(models.Model):
    """One row: whether the summary agrees with the raw uses. Reports read the
    summary only while it does; otherwise they aggregate the raw uses."""

    built_at = models.DateTimeField(null=True, blank=True)
    stale_since = models.DateTimeField(null=True, blank=True)
    stale_reason = models.CharField(max_length=200, blank=True)
    # Data retention: the uses dated before this day were folded into the summary
    # and deleted; the summary is their only record (reports read it for them,
    # and a rebuild keeps its cells from before this day).
    folded_before = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("state of the statistics summary")

    def __str__(self) -> str:
        return f"stale since {self.stale_since}" if self.stale_since else "fresh"
