"""The network: areas and municipalities, organisations and their sites, the
people who act at them (memberships), and the sites' offerings with their caps.

Everyone here is staff or a venue; nothing in this app describes a cardholder.
"""

import datetime

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("is_national_admin", True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person working in the network: staff of a venue, a distributor, an area or
    Kaikukeskus. Logs in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("name"), max_length=150, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_national_admin = models.BooleanField(
        _("national admin (Kaikukeskus)"),
        default=False,
        help_text=_("Manages areas and venues nationwide and sees every figure."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("developer access to the admin"),
        default=False,
        help_text=_("Only for the technical maintainers; roles come from memberships."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # Where the person last worked at the desk: the desk and its offline page
    # open there, on every device (usage.desk_views). Not a role: access still
    # comes from memberships, and a site no longer in scope is ignored.
    last_desk_site = models.ForeignKey(
        "Site",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("last site at the desk"),
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


# ---------------------------------------------------------------------------
# Areas, municipalities, organisations, sites
# ---------------------------------------------------------------------------


class Area(models.Model):
    """A Kaikukortti area: one municipality, or several with a welfare area."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    welfare_area = models.CharField(
        _("welfare area"),
        max_length=120,
        blank=True,
        help_text=_("The wellbeing services county, where the area is run with one."),
    )
    website = models.URLField(_("local Kaikukortti website"), blank=True)

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("venues:area", args=[self.pk])


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=80, unique=True)
    code = models.CharField(
        _("municipality code"),
        max_length=3,
        unique=True,
        help_text=_("Statistics Finland's three-digit code."),
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="municipalities",
        verbose_name=_("area"),
        null=True,
        blank=True,
        help_text=_("Empty while the municipality is not yet in the Kaikukortti network."),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    class Kind(models.TextChoices):
        VENUE = "venue", _("venue operator")
        DISTRIBUTOR = "distributor", _("card distributor")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("area"),
        help_text=_("The area whose coordinator manages this organisation."),
    )
    business_id = models.CharField(_("business ID"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A toimipiste: the place where cards are used (a venue site) or given out
    (a distributor site). Access is granted per site."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="sites", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=200)
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=150)
    contact_email = models.EmailField(_("contact person's email"))
    contact_phone = models.CharField(_("contact person's phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("venues:site", args=[self.pk])

    @property
    def is_venue(self) -> bool:
        return self.organisation.kind == Organisation.Kind.VENUE

    @property
    def is_distributor(self) -> bool:
        return self.organisation.kind == Organisation.Kind.DISTRIBUTOR

    @property
    def area(self) -> Area | None:
        return self.municipality.area


class Membership(models.Model):
    """Who may act where, and in which role. A coordinator acts for an area; every
    other role acts at one site."""

    class Role(models.TextChoices):
        CASHIER = "cashier", _("cashier")
        VENUE_CONTACT = "venue_contact", _("venue contact person")
        DISTRIBUTOR = "distributor", _("card distributor")
        COORDINATOR = "coordinator", _("area coordinator")

    SITE_ROLES = (Role.CASHIER, Role.VENUE_CONTACT, Role.DISTRIBUTOR)

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    site = models.ForeignKey(
        Site,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("site"),
        null=True,
        blank=True,
    )
    area = models.ForeignKey(
        Area,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("area"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["role", "pk"]
        constraints = [
            models.CheckConstraint(
                name="membership_coordinator_acts_for_an_area",
                condition=(
                    Q(role="coordinator", area__isnull=False, site__isnull=True)
                    | (~Q(role="coordinator") & Q(site__isnull=False, area__isnull=True))
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "site"],
                condition=Q(site__isnull=False),
                name="membership_unique_site_role",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "area"],
                condition=Q(area__isnull=False),
                name="membership_unique_area_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.site or self.area}"

    @property
    def place(self) -> Site | Area | None:
        return self.site or self.area

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role == self.Role.COORDINATOR:
            if self.area_id is None or self.site_id is not None:
                raise ValidationError(_("A coordinator acts for an area, not at a site."))
            return
        if self.site_id is None or self.area_id is not None:
            raise ValidationError(_("This role acts at a site."))
        wants_venue = self.role in (self.Role.CASHIER, self.Role.VENUE_CONTACT)
        if wants_venue != self.site.is_venue:
            raise ValidationError(
                {
                    "site": _("A cashier or venue contact acts at a venue site.")
                    if wants_venue
                    else _("A distributor acts at a distributor site.")
                }
            )


# ---------------------------------------------------------------------------
# The venue's checklist
# ---------------------------------------------------------------------------


class Checklist(models.Model):
    """The national checklist a venue commits to, kept in the register."""

    INSTRUCTION_VALID_DAYS = 365

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("site")
    )
    guideline_committed_on = models.DateField(
        _("date of committing to the national guideline"), null=True, blank=True
    )
    staff_instructed_on = models.DateField(
        _("date the staff were last instructed in Kaikukortti"),
        null=True,
        blank=True,
        help_text=_("Instruct the staff again every year."),
    )
    prices_page_url = models.URLField(
        _("where the venue tells its prices"),
        blank=True,
        help_text=_("A link to the page that mentions Kaikukortti and any limits on its use."),
    )
    broker_informed = models.BooleanField(
        _("ticket broker informed of the Kaikukortti ticket types"), null=True, blank=True
    )
    brokers = models.CharField(_("which ticket brokers"), max_length=200, blank=True)
    free_cloakroom = models.BooleanField(_("free cloakroom offered"), null=True, blank=True)
    assistants_free_known = models.BooleanField(
        _("staff know that assistants of disabled visitors enter free"), null=True, blank=True
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("venue checklist")
        verbose_name_plural = _("venue checklists")

    def __str__(self) -> str:
        return str(self.site)

    def instruction_due_on(self) -> datetime.date | None:
        if self.staff_instructed_on is None:
            return None
        return self.staff_instructed_on + datetime.timedelta(days=self.INSTRUCTION_VALID_DAYS)

    def instruction_overdue(self, today: datetime.date | None = None) -> bool:
        due = self.instruction_due_on()
        return due is not None and due < (today or timezone.localdate())

    def missing_items(self) -> list[str]:
        """The labels of the items not yet done, in the order of the form."""
        missing = []
        if not self.guideline_committed_on:
            missing.append(self._meta.get_field("guideline_committed_on").verbose_name)
        if not self.staff_instructed_on:
            missing.append(self._meta.get_field("staff_instructed_on").verbose_name)
        if not self.prices_page_url:
            missing.append(self._meta.get_field("prices_page_url").verbose_name)
        for field in ("broker_informed", "free_cloakroom", "assistants_free_known"):
            if getattr(self, field) is None:
                missing.append(self._meta.get_field(field).verbose_name)
        if self.broker_informed and not self.brokers:
            missing.append(self._meta.get_field("brokers").verbose_name)
        return [str(label) for label in missing]

    def is_complete(self, today: datetime.date | None = None) -> bool:
        return not self.missing_items() and not self.instruction_overdue(today)


# ---------------------------------------------------------------------------
# Offerings and caps
# ---------------------------------------------------------------------------


class OfferingQuerySet(models.QuerySet["Offering"]):
    def on(self, day: datetime.date) -> "OfferingQuerySet":
        """Offerings a card can be used for on `day`: the day's shows, admission
        that is open that day, and courses that have not ended (enrolment)."""
        return self.filter(
            Q(kind=Offering.Kind.SHOW, date=day)
            | Q(kind=Offering.Kind.ADMISSION, date__lte=day, end_date__gte=day)
            | Q(kind=Offering.Kind.ADMISSION, date=day, end_date__isnull=True)
            | Q(kind=Offering.Kind.COURSE, end_date__gte=day)
            | Q(kind=Offering.Kind.COURSE, date__gte=day, end_date__isnull=True)
        )

    def upcoming(self, day: datetime.date) -> "OfferingQuerySet":
        return self.filter(Q(date__gte=day) | Q(end_date__gte=day))


class Offering(models.Model):
    """What a venue site offers: a show (one dated occurrence), a course (places
    on a course that runs over dates) or admission (entry on a day, possibly
    over a range of days). A cap limits the Kaikukortti tickets: per show or
    course, per day for admission."""

    class Kind(models.TextChoices):
        SHOW = "show", _("show")
        COURSE = "course", _("course")
        ADMISSION = "admission", _("admission")

    class Sector(models.TextChoices):
        CULTURE = "culture", _("culture")
        EDUCATION = "education", _("education")
        SCIENCE = "science", _("science")
        SPORTS = "sports", _("sports")

    site = models.ForeignKey(
        Site, on_delete=models.PROTECT, related_name="offerings", verbose_name=_("site")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    sector = models.CharField(_("sector"), max_length=20, choices=Sector.choices)
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(
        _("date"), help_text=_("A show's date; the first day of a course or of admission.")
    )
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_date = models.DateField(
        _("last day"),
        null=True,
        blank=True,
        help_text=_("The last day of a course or of an admission period."),
    )
    places = models.PositiveIntegerField(
        _("places on the course"),
        null=True,
        blank=True,
        help_text=_("All places, for information."),
    )
    cap = models.PositiveIntegerField(
        _("Kaikukortti cap"),
        null=True,
        blank=True,
        help_text=_(
            "The most Kaikukortti tickets (holders' and children's together) for this show "
            "or course, or per day for admission. Empty: no cap. A cap is not a quota: "
            "nothing is reserved."
        ),
    )
    excluded = models.BooleanField(
        _("excluded from Kaikukortti"),
        default=False,
        help_text=_("Only in exceptional cases; the reason is shown to staff and the public."),
    )
    exclusion_reason = models.CharField(_("reason for the exclusion"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = OfferingQuerySet.as_manager()

    class Meta:
        verbose_name = _("offering")
        verbose_name_plural = _("offerings")
        ordering = ["date", "start_time", "title"]
        indexes = [models.Index(fields=["site", "date"])]
        constraints = [
            models.CheckConstraint(
                name="offering_ends_after_it_starts",
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("date")),
            ),
            models.CheckConstraint(
                name="offering_show_is_one_day",
                condition=~Q(kind="show") | Q(end_date__isnull=True),
            ),
            models.CheckConstraint(
                name="offering_exclusion_has_a_reason",
                condition=Q(excluded=False) | ~Q(exclusion_reason=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.when()})"

    def when(self) -> str:
        from django.utils.formats import date_format, time_format

        text = date_format(self.date, "SHORT_DATE_FORMAT")
        if self.start_time:
            text += " " + time_format(self.start_time, "TIME_FORMAT")
        if self.end_date and self.end_date != self.date:
            text += " – " + date_format(self.end_date, "SHORT_DATE_FORMAT")
        return text

    @property
    def starts_at(self) -> datetime.datetime:
        tz = timezone.get_current_timezone()
        return datetime.datetime.combine(self.date, self.start_time or datetime.time(0, 0), tz)

    @property
    def last_day(self) -> datetime.date:
        return self.end_date or self.date

    @property
    def cap_is_per_day(self) -> bool:
        return self.kind == self.Kind.ADMISSION

    def is_on(self, day: datetime.date) -> bool:
        if self.kind == self.Kind.SHOW:
            return day == self.date
        if self.kind == self.Kind.ADMISSION:
            return self.date <= day <= self.last_day
        return day <= self.last_day  # a course takes enrolments until it ends
