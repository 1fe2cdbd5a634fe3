"""The onboarding material as a reader sees it: each item in their language
(or, where it has none, in the first language it has), with its corrections,
and for a person who confirmed earlier, what changed since."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kaikukanta import access
from venues.models import (
    ONBOARDING_LANGUAGES,
    Area,
    Membership,
    OnboardingConfirmation,
    OnboardingItem,
    OnboardingMaterial,
    OnboardingNotice,
    Organisation,
    Site,
    User,
)

# "In Finnish", …: said of material that is not in the reader's language.
IN_LANGUAGE: dict[str, Any] = {"fi": _("In Finnish"), "sv": _("In Swedish"), "en": _("In English")}


def own_areas(user: User) -> QuerySet[Area]:
    """The areas a reader belongs to: those of their venue sites and those they
    coordinate by membership (Kaikukeskus, who may read every area's, reads
    them on the publisher's list rather than all on one page)."""
    return Area.objects.filter(
        Q(pk__in=access.onboarding_staff_sites(user).values("municipality__area"))
        | Q(
            pk__in=Membership.objects.filter(user=user, role=Membership.Role.COORDINATOR).values(
                "area"
            )
        )
    ).order_by("name")


def reader_language() -> str:
    language = (translation.get_language() or ONBOARDING_LANGUAGES[0])[:2]
    return language if language in ONBOARDING_LANGUAGES else ONBOARDING_LANGUAGES[0]


def with_material(items: QuerySet[OnboardingItem]) -> QuerySet[OnboardingItem]:
    """Items with their materials (never the files' bytes) and notices."""
    return items.select_related("area").prefetch_related(
        Prefetch(
            "materials",
            queryset=OnboardingMaterial.objects.select_related("file").defer("file__content"),
        ),
        Prefetch("notices", queryset=OnboardingNotice.objects.order_by("version", "pk")),
    )


def pick_material(
    materials: Iterable[OnboardingMaterial], language: str
) -> OnboardingMaterial | None:
    """The material in `language`, else in the first of fi, sv, en that exists."""
    by_language = {material.language: material for material in materials}
    for code in (language, *ONBOARDING_LANGUAGES):
        if code in by_language:
            return by_language[code]
    return None


@dataclass(frozen=True)
class Notice:
    notice: OnboardingNotice
    text: str
    language: str  # the language the text is in (may differ from the page's)
    is_new: bool = False  # published since the reader's confirmation


@dataclass(frozen=True)
class ItemView:
    item: OnboardingItem
    material: OnboardingMaterial | None
    language: str  # the reader's
    corrections: tuple[Notice, ...]
    # The version the reader's confirmation covered (0: the item is new to
    # them; None: no confirmation), and the notes of what changed since.
    seen_version: int | None = None
    changes: tuple[Notice, ...] = ()

    @property
    def title(self) -> str:
        return self.material.title if self.material else self.item.get_kind_display()

    @property
    def in_other_language(self) -> bool:
        return self.material is not None and self.material.language != self.language

    @property
    def material_language_name(self) -> str:
        return str(IN_LANGUAGE[self.material.language]) if self.material else ""

    @property
    def is_new(self) -> bool:
        return self.seen_version == 0

    @property
    def changed(self) -> bool:
        """New or changed since the reader's confirmation (as `staff.person_status` says)."""
        return self.seen_version is not None and self.item.version > self.seen_version

    @property
    def languages(self) -> list[str]:
        return sorted(
            (m.language for m in self.item.materials.all()), key=ONBOARDING_LANGUAGES.index
        )


def item_view(
    item: OnboardingItem,
    language: str,
    confirmation: OnboardingConfirmation | None = None,
) -> ItemView:
    notices = [n for n in item.notices.all() if n.withdrawn_on is None]
    seen = confirmation.version_of(item.pk) if confirmation is not None else None
    is_new = seen == 0

    def view(notice: OnboardingNotice) -> Notice:
        text, text_language = notice.text_and_language(language)
        since = seen is not None and not is_new and notice.version > seen
        return Notice(notice, text, text_language, is_new=since)

    Kind = OnboardingNotice.Kind
    corrections = tuple(view(n) for n in notices if n.kind == Kind.CORRECTION)
    changes = tuple(v for v in map(view, notices) if v.notice.kind == Kind.CHANGE and v.is_new)
    return ItemView(
        item=item,
        material=pick_material(item.materials.all(), language),
        language=language,
        corrections=corrections,
        seen_version=seen,
        changes=changes,
    )


def _in_order(views: list[ItemView]) -> list[ItemView]:
    return sorted(views, key=lambda v: (OnboardingItem.kind_order(v.item.kind), v.title.lower()))


@dataclass
class AreaMaterial:
    area: Area
    items: list[ItemView] = field(default_factory=list)


@dataclass
class Reading:
    """What one person reads on the onboarding page."""

    national: list[ItemView]
    areas: list[AreaMaterial]

    @property
    def all_items(self) -> list[ItemView]:
        return self.national + [view for area in self.areas for view in area.items]

    @property
    def changed_items(self) -> list[ItemView]:
        return [view for view in self.all_items if view.changed]


def reading(
    items: QuerySet[OnboardingItem],
    areas: Iterable[Area],
    confirmation: OnboardingConfirmation | None = None,
    language: str = "",
) -> Reading:
    """The items in use, national first, then each area's own (every area in
    `areas` gets its section, also while it has no material yet)."""
    language = language or reader_language()
    views = [
        item_view(item, language, confirmation)
        for item in with_material(items.filter(withdrawn_on__isnull=True))
    ]
    by_area = {area.pk: AreaMaterial(area) for area in areas}
    national = []
    for view in views:
        if view.item.area_id is None:
            national.append(view)
        elif view.item.area_id in by_area:
            by_area[view.item.area_id].items.append(view)
    for section in by_area.values():
        section.items = _in_order(section.items)
    return Reading(national=_in_order(national), areas=list(by_area.values()))


# ---------------------------------------------------------------------------
# Who to call: an area's own information for venue staff
# ---------------------------------------------------------------------------


@dataclass
class AreaHelp:
    area: Area
    coordinators: list[Membership]
    distributors: list[Site]
    websites: list[ItemView]
    brochures: list[ItemView]


def area_help(areas: Iterable[Area], language: str = "") -> list[AreaHelp]:
    """The coordinators' contacts, the distributor sites (where a visitor gets a
    card, and who corrects a card's data), the local website and brochure."""
    language = language or reader_language()
    areas = list(areas)
    ids = [area.pk for area in areas]
    coordinators = Membership.objects.filter(
        area_id__in=ids, role=Membership.Role.COORDINATOR, user__is_active=True
    ).select_related("user")
    distributors = Site.objects.filter(
        municipality__area_id__in=ids,
        organisation__kind=Organisation.Kind.DISTRIBUTOR,
        is_active=True,
    ).select_related("municipality", "organisation")
    local = with_material(OnboardingItem.objects.filter(area_id__in=ids, withdrawn_on__isnull=True))
    helps = {area.pk: AreaHelp(area, [], [], [], []) for area in areas}
    for membership in coordinators.order_by("user__full_name", "user__email"):
        helps[membership.area_id].coordinators.append(membership)
    for site in distributors.order_by("municipality__name", "name"):
        helps[site.municipality.area_id].distributors.append(site)
    for item in local:
        view = item_view(item, language)
        if item.kind == OnboardingItem.Kind.AREA_WEBSITE:
            helps[item.area_id].websites.append(view)
        else:
            helps[item.area_id].brochures.append(view)
    return list(helps.values())
