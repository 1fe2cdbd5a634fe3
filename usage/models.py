"""The card register and the use of cards.

A card is known by its ID and a few background facts for statistics (birth
year, postal code of residence, number of children). There is no field, and
there must never be one, for a name, identity code, birth date or address.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kaikukanta.text import no_control_characters
from usage.card_ids import CARD_ID_MAX_LENGTH
from venues.models import Offering, Site

MAX_CHILDREN = 20
DEFAULT_GROUP_LIMIT = 10


def one_year_from(day: datetime.date) -> datetime.date:
    """The last day of a one-year validity that starts on `day` (a card issued on
    24.11.2026 is valid through 23.11.2027; one issued on 29.2. through 28.2.)."""
    try:
        anniversary = day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        anniversary = day.replace(year=day.year + 1, day=28) + datetime.timedelta(days=1)
    return anniversary - datetime.timedelta(days=1)


class Card(models.Model):
    class Kind(models.TextChoices):
        PERSONAL = "personal", _("personal card")
        COMMUNITY = "community", _("community card")

    class Gender(models.TextChoices):
        FEMALE = "female", _("woman")
        MALE = "male", _("man")
        OTHER = "other", _("other")
        NOT_TOLD = "not_told", _("does not want to tell")

    class LifeSituation(models.TextChoices):
        EMPLOYED = "employed", _("employed")
        UNEMPLOYED = "unemployed", _("unemployed")
        STUDENT = "student", _("student")
        RETIRED = "retired", _("retired")
        SICK_OR_REHAB = "sick_or_rehab", _("on sickness leave or rehabilitation")
        FAMILY_LEAVE = "family_leave", _("on family leave")
        OTHER = "other", _("other")
        NOT_TOLD = "not_told", _("does not want to tell")

    class CloseReason(models.TextChoices):
        LOST = "lost", _("lost")
        RETURNED = "returned", _("returned")
        REPLACED = "replaced", _("replaced by a new card")

    card_id = models.CharField(_("card ID"), max_length=CARD_ID_MAX_LENGTH, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSONAL)
    issued_by = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="issued_cards", verbose_name=_("issued by")
    )
    issued_on = models.DateField(_("issued on"))
    valid_from = models.DateField(
        _("current period from"), help_text=_("The issue or the latest renewal day.")
    )
    valid_until = models.DateField(_("valid until"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    postal_code = models.CharField(
        _("postal code of residence"), max_length=5, blank=True, validators=[no_control_characters]
    )
    children = models.PositiveSmallIntegerField(
        _("children or grandchildren under 18"),
        default=0,
        help_text=_("Own or same-household children or grandchildren under 18."),
    )
    group_limit = models.PositiveSmallIntegerField(
        _("group limit"),
        null=True,
        blank=True,
        help_text=_("A community card: the most clients under 16 in the employee's group."),
    )
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    life_situation = models.CharField(
        _("life situation"), max_length=20, choices=LifeSituation.choices, blank=True
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    close_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=CloseReason.choices, blank=True
    )
    # Data retention (usage/retention.py): the day the background data was removed.
    background_removed_on = models.DateField(_("background data removed on"), null=True, blank=True)
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        ordering = ["card_id"]
        indexes = [models.Index(fields=["issued_by", "issued_on"])]
        constraints = [
            models.CheckConstraint(
                name="card_personal_has_background",
                condition=Q(kind="community")
                | Q(background_removed_on__isnull=False)
                | (Q(birth_year__isnull=False) & ~Q(postal_code="")),
            ),
            models.CheckConstraint(
                name="card_community_has_group_limit",
                condition=Q(kind="personal") | Q(group_limit__isnull=False),
            ),
            models.CheckConstraint(
                name="card_children_within_limit", condition=Q(children__lte=MAX_CHILDREN)
            ),
            models.CheckConstraint(
                name="card_period_in_order",
                condition=Q(valid_until__gte=models.F("valid_from"))
                & Q(valid_from__gte=models.F("issued_on")),
            ),
            models.CheckConstraint(
                name="card_closing_has_a_reason",
                condition=Q(closed_on__isnull=True, close_reason="")
                | (Q(closed_on__isnull=False) & ~Q(close_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return self.card_id

    @property
    def is_community(self) -> bool:
        return self.kind == self.Kind.COMMUNITY

    @property
    def children_allowed(self) -> int:
        """How many children's tickets one use may add: the register's child count,
        or a community card's group limit."""
        return (self.group_limit or 0) if self.is_community else self.children

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None

    @property
    def validity_ended_on(self) -> datetime.date:
        """The last day the card could be used: the end of its last period, or
        the day before it was closed."""
        if self.closed_on is not None and self.closed_on <= self.valid_until:
            return self.closed_on - datetime.timedelta(days=1)
        return self.valid_until

    def refusal_on(self, day: datetime.date) -> str | None:
        """Why the card cannot be used on `day` (a refusal code), or None.

        A use on a day before the card was closed, or within an earlier validity
        period, stays valid: offline sheets are entered after the fact."""
        if self.closed_on is not None and day >= self.closed_on:
            return "card_closed"
        if day < self.issued_on:
            return "card_not_yet_valid"
        if self.valid_from <= day <= self.valid_until:
            return None
        if day > self.valid_until:
            return "card_expired"
        # Before the current period: look in the history of earlier periods.
        if self.periods.filter(valid_from__lte=day, valid_until__gte=day).exists():
            return None
        return "card_expired"

    def is_valid_on(self, day: datetime.date) -> bool:
        return self.refusal_on(day) is None

    def expires_within(self, days: int, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return not self.is_closed and today <= self.valid_until < today + datetime.timedelta(days)


class CardPeriod(models.Model):
    """One validity period of a card: the first from its issue, then one per
    renewal. The card keeps its number; its history stays here."""

    class Kind(models.TextChoices):
        ISSUED = "issued", _("issued")
        RENEWED = "renewed", _("renewed")

    card = models.ForeignKey(
        Card, on_delete=models.CASCADE, related_name="periods", verbose_name=_("card")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="+", verbose_name=_("at site")
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("validity period")
        verbose_name_plural = _("validity periods")
        ordering = ["card", "valid_from"]
        constraints = [
            models.CheckConstraint(
                name="card_period_ends_after_it_starts",
                condition=Q(valid_until__gte=models.F("valid_from")),
            )
        ]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.valid_from} – {self.valid_until}"


class Broker(models.Model):
    """A ticket broker or a venue's own ticketing system that records uses over
    the API, for the venue sites it is allowed to act for."""

    name = models.CharField(
        _("name"), max_length=200, unique=True, validators=[no_control_characters]
    )
    contact_email = models.EmailField(_("technical contact's email"), blank=True)
    area = models.ForeignKey(
        "venues.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="brokers",
        verbose_name=_("managed by the area"),
        help_text=_("The area whose coordinator manages this broker; empty: Kaikukeskus."),
    )
    sites = models.ManyToManyField(
        Site, related_name="brokers", blank=True, verbose_name=_("may record at these sites")
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket broker")
        verbose_name_plural = _("ticket brokers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BrokerToken(models.Model):
    """An API token of a broker. Only its hash is stored; the visible prefix
    finds it (as healthchecks does with API keys). Shown once, revocable."""

    broker = models.ForeignKey(
        Broker, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("broker")
    )
    label = models.CharField(
        _("label"), max_length=100, blank=True, validators=[no_control_characters]
    )
    prefix = models.CharField(_("prefix"), max_length=20, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.broker})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.broker.is_active


class RedemptionQuerySet(models.QuerySet["Redemption"]):
    def active(self) -> "RedemptionQuerySet":
        """Uses that count: not voided."""
        return self.filter(voided_at__isnull=True)

    def tickets(self) -> int:
        """Holders' and children's tickets together (one query)."""
        total = self.aggregate(n=models.Count("pk") + models.Sum("children"))["n"]
        return total or 0


class Redemption(models.Model):
    """One use of a card: the holder's own ticket or course place at one offering
    on one date, plus any children's tickets taken at the same time.

    Written only by `usage.services.record_redemption`; never deleted, only
    voided with who, when and why."""

    class Channel(models.TextChoices):
        DESK = "desk", _("at the desk")
        IMPORT = "import", _("Excel import")
        PAPER = "paper", _("paper form")
        API = "api", _("ticket broker API")
        OFFLINE = "offline", _("offline sync")

    card = models.ForeignKey(
        Card, on_delete=models.PROTECT, related_name="redemptions", verbose_name=_("card")
    )
    site = models.ForeignKey(
        Site,
        on_delete=models.PROTECT,
        related_name="redemptions",
        verbose_name=_("site"),
        db_index=False,  # redemption_site_day leads with the site
    )
    offering = models.ForeignKey(
        Offering,
        on_delete=models.PROTECT,
        related_name="redemptions",
        null=True,
        blank=True,
        verbose_name=_("offering"),
    )
    used_on = models.DateField(_("date of use"))
    children = models.PositiveSmallIntegerField(_("children's tickets"), default=0)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
        db_index=False,  # redemption_recorded_by, below
    )
    broker = models.ForeignKey(
        Broker,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="redemptions",
        verbose_name=_("ticket broker"),
        db_index=False,  # redemption_broker, below
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    over_cap = models.BooleanField(
        _("over the cap"),
        default=False,
        help_text=_("Recorded after the fact (offline) although the cap was already full."),
    )
    # A client-chosen key, namespaced by channel and client, that makes retries safe.
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    request_fingerprint = models.CharField(max_length=64, blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voided by"),
        db_index=False,  # redemption_voided_by, below
    )
    void_reason = models.CharField(
        _("reason for voiding"), max_length=300, blank=True, validators=[no_control_characters]
    )

    objects = RedemptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("use of a card")
        verbose_name_plural = _("uses of cards")
        ordering = ["-recorded_at"]
        indexes = [
            # The cap count: tickets of an offering (on a day, for admission).
            # The cap's count reads the index alone (PostgreSQL): a show's tickets
            # are its active uses plus their children.
            models.Index(
                fields=["offering", "used_on"],
                include=["children"],
                condition=Q(voided_at__isnull=True),
                name="redemption_cap_tickets",
            ),
            models.Index(fields=["site", "used_on"], name="redemption_site_day"),
            models.Index(fields=["used_on"], name="redemption_day"),
            models.Index(fields=["recorded_at"], name="redemption_recorded_at"),
            # Who recorded or voided a use, and a broker's uses: a use has a
            # person or a broker, and few are ever voided, so these indexes hold
            # only the uses that have one (every recording writes each index
            # that holds it). They find the same rows: `= x` implies IS NOT NULL.
            *(
                models.Index(
                    fields=[field],
                    condition=Q(**{f"{field}__isnull": False}),
                    name=f"redemption_{field}",
                )
                for field in ("recorded_by", "broker", "voided_by")
            ),
        ]
        constraints = [
            # The last word on "already recorded" (the service checks first).
            models.UniqueConstraint(
                fields=["card", "offering", "used_on"],
                condition=Q(voided_at__isnull=True, offering__isnull=False),
                name="redemption_once_per_offering_and_day",
            ),
            models.UniqueConstraint(
                fields=["card", "site", "used_on"],
                condition=Q(voided_at__isnull=True, offering__isnull=True),
                name="redemption_plain_admission_once_per_site_and_day",
            ),
            models.CheckConstraint(
                name="redemption_children_within_limit", condition=Q(children__lte=MAX_CHILDREN)
            ),
            models.CheckConstraint(
                name="redemption_void_has_a_reason",
                condition=Q(voided_at__isnull=True, void_reason="")
                | (Q(voided_at__isnull=False) & ~Q(void_reason="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} @ {self.site_id} {self.used_on}"

    @property
    def tickets(self) -> int:
        return 1 + self.children

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


# ---------------------------------------------------------------------------
# Offline sheets on their way into the register
# ---------------------------------------------------------------------------


class ImportBatch(models.Model):
    """One offline sheet on its way into the register: an uploaded Excel table,
    CSV or ticketing system's sales report, or a paper form typed in.

    Nothing is recorded until the contact person confirms the preview; then
    every row goes through `record_redemption` in one transaction. The rows
    keep only what is recorded (date, offering, card ID, children): never the
    notes column or a report's other columns. The uploaded file itself is kept
    only while its columns are being chosen, and emptied as soon as the rows
    are read. Unconfirmed batches are deleted after `PENDING_DAYS`."""

    PENDING_DAYS = 2

    class Status(models.TextChoices):
        MAPPING = "mapping", _("waiting for the columns to be chosen")
        PREVIEW = "preview", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")

    class Format(models.TextChoices):
        XLSX = "xlsx", _("Excel workbook")
        CSV = "csv", _("CSV file")
        ENTRY = "entry", _("typed in from a paper form")

    site = models.ForeignKey(
        Site, on_delete=models.CASCADE, related_name="import_batches", verbose_name=_("site")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Redemption.Channel.choices)
    file_format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    # The upload, only while the columns are being chosen (DESIGN.md: no local disk).
    content = models.BinaryField(default=b"", blank=True, editable=False)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)
    headers = models.JSONField(_("column headers"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    rows = models.JSONField(_("rows"), default=list, blank=True)
    notices = models.JSONField(_("notices"), default=list, blank=True)
    outcomes = models.JSONField(_("outcome of each row"), default=list, blank=True)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.MAPPING
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    previewed_at = models.DateTimeField(_("checked"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "-created_at"], name="importbatch_site_created")]
        constraints = [
            models.CheckConstraint(
                name="importbatch_channel_is_offline",
                condition=Q(channel__in=["import", "paper"]),
            ),
            models.CheckConstraint(
                name="importbatch_confirmed_has_a_time",
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.filename or self.get_file_format_display()} ({self.site})"

    @property
    def is_confirmed(self) -> bool:
        return self.status == self.Status.CONFIRMED


class SiteColumnMapping(models.Model):
    """The columns of a ticketing system's sales report, as the site's contact
    person or coordinator last chose them: the next report with the same
    headers is read without asking again."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="column_mapping", verbose_name=_("site")
    )
    # field → the header text of the report's column, normalised ("" = not in the file)
    columns = models.JSONField(_("columns"), default=dict)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    class Meta:
        verbose_name = _("remembered column mapping")
        verbose_name_plural = _("remembered column mappings")

    def __str__(self) -> str:
        return str(self.site)
