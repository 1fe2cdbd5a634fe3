"""The network: areas and municipalities, organisations and their sites, the
people who act at them (memberships), and the sites' offerings with their caps.

Everyone here is staff or a venue; nothing in this app describes a cardholder.
"""

import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import DEFAULT_DB_ALIAS, models, router
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kaikukanta import db
from kaikukanta.text import no_control_characters

# The languages onboarding material comes in, in the order a reader falls back on.
ONBOARDING_LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)

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

    def get(self, *args, **kwargs) -> "User":
        """`User.objects.get(pk=…)` by a statement written once and prepared
        (kaikukanta.db): Django's ModelBackend asks it on every signed-in
        request, for the person of the session, and building the query cost
        as much as the rest of a desk request's reads. Any other lookup, and
        a read routed to the replica, is the ORM's."""
        database = self._db or router.db_for_read(self.model)
        if args or set(kwargs) != {"pk"} or database != DEFAULT_DB_ALIAS:
            return super().get(*args, **kwargs)
        pk = self.model._meta.pk.get_prep_value(kwargs["pk"])  # the ORM's ValueError, TypeError
        user = None
        if pk is not None and -(2**63) <= pk < 2**63:
            user = db.by_unique(self.model, self.model._meta.pk.name, pk)
        if user is None:
            raise self.model.DoesNotExist(
                f"{self.model._meta.object_name} matching query does not exist."
            )
        return user


class User(AbstractBaseUser, PermissionsMixin):
    """A person working in the network: staff of a venue, a distributor, an area or
    Kaikukeskus. Logs in with their email address."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(
        _("name"), max_length=150, blank=True, validators=[no_control_characters]
    )
    phone = models.CharField(
        _("phone"), max_length=40, blank=True, validators=[no_control_characters]
    )
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
    # open there, on every device (usage.desk.views). Not a role: access still
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

    name = models.CharField(
        _("name"), max_length=120, unique=True, validators=[no_control_characters]
    )
    welfare_area = models.CharField(
        _("welfare area"),
        max_length=120,
        blank=True,
        validators=[no_control_characters],
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
    name = models.CharField(
        _("name"), max_length=80, unique=True, validators=[no_control_characters]
    )
    code = models.CharField(
        _("municipality code"),
        max_length=3,
        unique=True,
        validators=[no_control_characters],
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

    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("area"),
        help_text=_("The area whose coordinator manages this organisation."),
    )
    business_id = models.CharField(
        _("business ID"), max_length=20, blank=True, validators=[no_control_characters]
    )

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
    name = models.CharField(_("name"), max_length=200, validators=[no_control_characters])
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="sites", verbose_name=_("municipality")
    )
    street_address = models.CharField(
        _("street address"), max_length=200, blank=True, validators=[no_control_characters]
    )
    postal_code = models.CharField(
        _("postal code"), max_length=5, blank=True, validators=[no_control_characters]
    )
    contact_name = models.CharField(
        _("contact person"), max_length=150, validators=[no_control_characters]
    )
    contact_email = models.EmailField(_("contact person's email"))
    contact_phone = models.CharField(
        _("contact person's phone"), max_length=40, blank=True, validators=[no_control_characters]
    )
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
    """The national checklist a venue commits to, kept in the register. Whether
    the staff have been instructed is not typed in here: it follows from each
    person's yearly onboarding confirmation (`venues.onboarding.staff`)."""

    site = models.OneToOneField(
        Site, on_delete=models.CASCADE, related_name="checklist", verbose_name=_("site")
    )
    guideline_committed_on = models.DateField(
        _("date of committing to the national guideline"), null=True, blank=True
    )
    prices_page_url = models.URLField(
        _("where the venue tells its prices"),
        blank=True,
        help_text=_("A link to the page that mentions Kaikukortti and any limits on its use."),
    )
    broker_informed = models.BooleanField(
        _("ticket broker informed of the Kaikukortti ticket types"), null=True, blank=True
    )
    brokers = models.CharField(
        _("which ticket brokers"), max_length=200, blank=True, validators=[no_control_characters]
    )
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

    def missing_items(self) -> list[str]:
        """The labels of the items not yet done, in the order of the form."""
        missing = []
        if not self.guideline_committed_on:
            missing.append(self._meta.get_field("guideline_committed_on").verbose_name)
        if not self.prices_page_url:
            missing.append(self._meta.get_field("prices_page_url").verbose_name)
        for field in ("broker_informed", "free_cloakroom", "assistants_free_known"):
            if getattr(self, field) is None:
                missing.append(self._meta.get_field(field).verbose_name)
        if self.broker_informed and not self.brokers:
            missing.append(self._meta.get_field("brokers").verbose_name)
        return [str(label) for label in missing]


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
    title = models.CharField(_("title"), max_length=200, validators=[no_control_characters])
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
    exclusion_reason = models.CharField(
        _("reason for the exclusion"),
        max_length=300,
        blank=True,
        validators=[no_control_characters],
    )
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


# ---------------------------------------------------------------------------
# Onboarding: the material venue staff go through once a year
# ---------------------------------------------------------------------------


class OnboardingItem(models.Model):
    """One piece of the onboarding material for venue staff: national (published
    by Kaikukeskus) or an area's own (added by its coordinator).

    Its `version` goes up whenever its material (a file or a link, in any
    language) changes or a correction is published; everyone whose confirmation
    covered an earlier version is asked to go through it again."""

    class Kind(models.TextChoices):
        OPERATING_MODEL = "operating_model", _("operating model")
        HANDBOOK = "handbook", _("handbook for venues")
        SLIDES = "slides", _("slides")
        CHECKLIST = "checklist", _("checklist")
        RECORDING = "recording", _("instructions for recording in Kaikukanta")
        BROKER_RECORDING = "broker_recording", _("instructions for ticket brokers")
        AREA_BROCHURE = "area_brochure", _("the area's brochure")
        AREA_WEBSITE = "area_website", _("the area's website")

    # Kaikukeskus publishes the national kinds; an area adds only its own.
    NATIONAL_KINDS = (
        Kind.OPERATING_MODEL,
        Kind.HANDBOOK,
        Kind.SLIDES,
        Kind.CHECKLIST,
        Kind.RECORDING,
        Kind.BROKER_RECORDING,
    )
    AREA_KINDS = (Kind.AREA_BROCHURE, Kind.AREA_WEBSITE)

    area = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="onboarding_items",
        verbose_name=_("area"),
        null=True,
        blank=True,
        help_text=_("Empty for Kaikukeskus's national material."),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    updated_on = models.DateField(_("updated on"))
    version = models.PositiveIntegerField(_("version"), default=1)
    withdrawn_on = models.DateField(
        _("withdrawn on"),
        null=True,
        blank=True,
        help_text=_("A withdrawn item is no longer shown to staff."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    changed_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("onboarding item")
        verbose_name_plural = _("onboarding items")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="onboarding_item_kind_fits_its_publisher",
                condition=(
                    Q(area__isnull=False, kind__in=["area_brochure", "area_website"])
                    | (Q(area__isnull=True) & ~Q(kind__in=["area_brochure", "area_website"]))
                ),
            ),
            models.CheckConstraint(
                name="onboarding_item_version_positive", condition=Q(version__gte=1)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.area or _('national')})"

    @property
    def is_national(self) -> bool:
        return self.area_id is None

    @classmethod
    def kinds_for(cls, area: Area | None) -> tuple[str, ...]:
        return cls.AREA_KINDS if area is not None else cls.NATIONAL_KINDS

    @classmethod
    def kind_order(cls, kind: str) -> int:
        return list(cls.Kind.values).index(kind)


class OnboardingFile(models.Model):
    """The bytes of an uploaded file (PDF, DOCX or PPTX). They live in the
    database, so that every app server behind the load balancer serves the same
    file and nothing is kept on an app server's disk (DESIGN.md); they are kept
    apart from the material, so that listing the material never reads them."""

    class Type(models.TextChoices):
        PDF = "pdf", "PDF"
        DOCX = "docx", "Word (DOCX)"
        PPTX = "pptx", "PowerPoint (PPTX)"

    CONTENT_TYPES = {
        Type.PDF: "application/pdf",
        Type.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Type.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }

    name = models.CharField(_("file name"), max_length=200)
    file_type = models.CharField(_("file type"), max_length=10, choices=Type.choices)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(max_length=64, editable=False)
    content = models.BinaryField(editable=False)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("onboarding file")
        verbose_name_plural = _("onboarding files")

    def __str__(self) -> str:
        return self.name

    @property
    def content_type(self) -> str:
        return self.CONTENT_TYPES[self.Type(self.file_type)]


class OnboardingMaterial(models.Model):
    """An onboarding item in one language: its title and its file or link."""

    item = models.ForeignKey(
        OnboardingItem, on_delete=models.CASCADE, related_name="materials", verbose_name=_("item")
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    title = models.CharField(_("title"), max_length=200, validators=[no_control_characters])
    file = models.OneToOneField(
        OnboardingFile,
        on_delete=models.PROTECT,
        related_name="material",
        verbose_name=_("file"),
        null=True,
        blank=True,
    )
    url = models.URLField(_("link"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("onboarding material")
        verbose_name_plural = _("onboarding material")
        ordering = ["item", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "language"], name="onboarding_material_one_per_language"
            ),
            models.CheckConstraint(
                name="onboarding_material_is_a_file_or_a_link",
                condition=(Q(file__isnull=False, url="") | (Q(file__isnull=True) & ~Q(url=""))),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.language})"


class OnboardingNotice(models.Model):
    """A short notice with an item: a correction (shown with the item for as
    long as it stands) or a note of what changed in a new version (shown to
    those who went through an earlier one). Each came with a new version."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", _("correction")
        CHANGE = "change", _("what changed")

    item = models.ForeignKey(
        OnboardingItem, on_delete=models.CASCADE, related_name="notices", verbose_name=_("item")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    published_on = models.DateField(_("published on"))
    text_fi = models.TextField(
        _("text in Finnish"), max_length=1000, blank=True, validators=[no_control_characters]
    )
    text_sv = models.TextField(
        _("text in Swedish"), max_length=1000, blank=True, validators=[no_control_characters]
    )
    text_en = models.TextField(
        _("text in English"), max_length=1000, blank=True, validators=[no_control_characters]
    )
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)

    class Meta:
        verbose_name = _("onboarding notice")
        verbose_name_plural = _("onboarding notices")
        ordering = ["item", "version", "pk"]
        constraints = [
            models.CheckConstraint(
                name="onboarding_notice_has_a_text",
                condition=~Q(text_fi="") | ~Q(text_sv="") | ~Q(text_en=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.published_on}: {self.text()[:50]}"

    def text_and_language(self, language: str = "") -> tuple[str, str]:
        """The text in `language` (the reader's), else in the first language it has."""
        language = (language or translation.get_language() or "fi")[:2]
        for code in (language, *ONBOARDING_LANGUAGES):
            text = getattr(self, f"text_{code}", "")
            if text:
                return text, code
        return "", language

    def text(self, language: str = "") -> str:
        return self.text_and_language(language)[0]


class OnboardingConfirmation(models.Model):
    """A person's "I have gone through the material": when, in which language,
    and the version of every item it covered. Never changed afterwards (but for
    the note that the yearly reminder went out); the latest one counts."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="onboarding_confirmations",
        verbose_name=_("person"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)
    confirmed_on = models.DateField(_("confirmed on"))
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES)
    # {"<item id>": version} of every item the person was shown.
    versions = models.JSONField(_("versions of the material"), default=dict)
    reminder_sent_at = models.DateTimeField(_("yearly reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("onboarding confirmation")
        verbose_name_plural = _("onboarding confirmations")
        ordering = ["-confirmed_at", "-pk"]
        indexes = [models.Index(fields=["user", "-confirmed_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.confirmed_on}"

    @property
    def due_on(self) -> datetime.date:
        """The last day this confirmation stands: it is renewed once a year."""
        from usage.models import one_year_from  # usage.models imports this module

        return one_year_from(self.confirmed_on)

    def version_of(self, item_id: int) -> int:
        return int(self.versions.get(str(item_id), 0))
