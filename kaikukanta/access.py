"""Who may see or do what: the one place that decides.

Every view, admin class, export and API endpoint asks these functions for the
objects a user may touch, and answers 404 for anything outside them. Pages never
filter by role on their own.

The rules (DOMAIN.md, "The people and what they may do"):
- a cashier records and voids uses at their venue sites;
- a venue contact person manages their venue site (offerings, caps, cashiers,
  checklist, imports, reports) and can record there too;
- a distributor registers, renews and closes the cards of their distributor site;
- an area coordinator manages every site, organisation and person of the area;
- a national admin (Kaikukeskus) may do everything;
- a ticket broker (an API token) records and voids uses at the active venue
  sites it has been given; coordinators manage their area's brokers;
- onboarding: venue staff (cashiers and contact persons) read the national
  material and their areas' own, and confirm it once a year; Kaikukeskus
  publishes the national material, a coordinator the area's own.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from kaikukanta import db
from kaikukanta.models import AuditEntry
from usage.models import Broker, Card, Redemption
from venues.models import (
    Area,
    Membership,
    Municipality,
    Offering,
    OnboardingFile,
    OnboardingItem,
    OnboardingNotice,
    Organisation,
    Site,
    User,
)

Role = Membership.Role


class Can(StrEnum):
    """What a user wants to do at a site."""

    VIEW = "view"  # see the site's page
    RECORD = "record"  # record and undo card uses at the desk
    MANAGE_VENUE = "manage_venue"  # offerings, caps, checklist, voids, imports, reports
    DISTRIBUTE = "distribute"  # register, renew and close the site's cards
    MANAGE_PEOPLE = "manage_people"  # invite and remove people acting at the site
    AUDIT = "audit"  # read the site's audit trail


# Which membership roles at a site grant each capability there. Coordinators and
# national admins get theirs from the area, below.
_SITE_ROLES: dict[Can, tuple[str, ...]] = {
    Can.VIEW: (Role.CASHIER, Role.VENUE_CONTACT, Role.DISTRIBUTOR),
    Can.RECORD: (Role.CASHIER, Role.VENUE_CONTACT),
    Can.MANAGE_VENUE: (Role.VENUE_CONTACT,),
    Can.DISTRIBUTE: (Role.DISTRIBUTOR,),
    Can.MANAGE_PEOPLE: (Role.VENUE_CONTACT,),
    Can.AUDIT: (Role.VENUE_CONTACT, Role.DISTRIBUTOR),
}
# Capabilities a coordinator has at every site of the area (and an admin everywhere).
_AREA_WIDE = {Can.VIEW, Can.MANAGE_VENUE, Can.MANAGE_PEOPLE, Can.AUDIT}
# Capabilities that only make sense at one kind of site.
_SITE_KIND = {
    Can.RECORD: Organisation.Kind.VENUE,
    Can.MANAGE_VENUE: Organisation.Kind.VENUE,
    Can.DISTRIBUTE: Organisation.Kind.DISTRIBUTOR,
}

# The roles a venue contact person may hand out at their own site.
INVITABLE_BY_VENUE_CONTACT = (Role.CASHIER,)


def is_national_admin(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_national_admin)


def coordinated_areas(user: User) -> QuerySet[Area]:
    """The areas the user coordinates (every area for a national admin)."""
    if not user.is_authenticated:
        return Area.objects.none()
    if is_national_admin(user):
        return Area.objects.all()
    return Area.objects.filter(
        pk__in=Membership.objects.filter(user=user, role=Role.COORDINATOR).values("area")
    )


def sites(user: User, can: Can = Can.VIEW) -> QuerySet[Site]:
    """The sites where the user may do `can`."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    qs = Site.objects.select_related("organisation", "municipality__area")
    if can in (Can.RECORD, Can.DISTRIBUTE):
        qs = qs.filter(is_active=True)  # a closed site records and registers nothing
    if can in _SITE_KIND:
        qs = qs.filter(organisation__kind=_SITE_KIND[can])
    if is_national_admin(user) and can in _AREA_WIDE:
        return qs
    allowed = Q(
        pk__in=Membership.objects.filter(user=user, role__in=_SITE_ROLES[can]).values("site")
    )
    if can in _AREA_WIDE:
        allowed |= Q(municipality__area__in=coordinated_areas(user))
    return qs.filter(allowed)


def public_sites() -> QuerySet[Site]:
    """The venue sites whose Kaikukortti offer (and its exclusions) anyone may
    see without logging in."""
    return Site.objects.filter(is_active=True, organisation__kind=Organisation.Kind.VENUE)


def site_or_404(user: User, pk: object, can: Can = Can.VIEW) -> Site:
    """The site, if the user may do `can` there; 404 otherwise (never 403: we do
    not tell what exists outside a user's scope)."""
    if can is Can.RECORD:
        return _recording_site_or_404(user, pk)
    try:
        return sites(user, can).get(pk=pk)
    except (Site.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def _recording_site_or_404(user: User, pk: object) -> Site:
    """`sites(user, Can.RECORD).get(pk=pk)`, with what it selects: an active
    venue site where the person is a cashier or the contact person (recording
    is never area-wide). Every desk recording asks, so its statement is
    written once rather than built by the ORM on each request
    (kaikukanta.db); a test holds it to `sites(user, Can.RECORD)` for every
    person and site."""
    pk = _pk_or_404(pk)
    if not user.is_authenticated or not user.is_active:
        raise Http404
    quote = connection.ops.quote_name
    roles = list(_SITE_ROLES[Can.RECORD])
    role_placeholders = ", ".join(["%s"] * len(roles))
    found = db.fetch_one(
        f"SELECT {db.select_list((Site, 's'), (Organisation, 'o'), (Municipality, 'm'))}, "
        f"{db.select_list((Area, 'a'))} "
        f"FROM {quote(Site._meta.db_table)} s "
        f"JOIN {quote(Organisation._meta.db_table)} o ON o.id = s.organisation_id "
        f"JOIN {quote(Municipality._meta.db_table)} m ON m.id = s.municipality_id "
        f"JOIN {quote(Area._meta.db_table)} a ON a.id = m.area_id "
        "WHERE s.id = %s AND s.is_active AND o.kind = %s AND EXISTS ("
        f"SELECT 1 FROM {quote(Membership._meta.db_table)} r "
        f"WHERE r.site_id = s.id AND r.user_id = %s AND r.role IN ({role_placeholders}))",
        [pk, _SITE_KIND[Can.RECORD].value, user.pk, *roles],
        Site,
        Organisation,
        Municipality,
        Area,
    )
    if found is None:
        raise Http404
    site, site.organisation, site.municipality, site.municipality.area = found
    return site


def _pk_or_404(pk: object) -> int:
    """A primary key as given in a request (a form's text, a JSON number), or
    404 for anything that cannot be one."""
    try:
        pk = int(pk)  # type: ignore[call-overload]
    except (ValueError, TypeError):
        raise Http404 from None
    if not 0 < pk < 2**63:
        raise Http404
    return pk


def area_or_404(user: User, pk: object) -> Area:
    try:
        return coordinated_areas(user).get(pk=pk)
    except (Area.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def organisations(user: User) -> QuerySet[Organisation]:
    """Organisations the user manages: the coordinated areas' (an admin: all)."""
    if is_national_admin(user):
        return Organisation.objects.all()
    areas = coordinated_areas(user)
    return Organisation.objects.filter(
        Q(area__in=areas) | Q(sites__municipality__area__in=areas)
    ).distinct()


def memberships(user: User) -> QuerySet[Membership]:
    """Memberships the user may see and remove: those at the sites where they
    manage people and those of the areas they coordinate."""
    if not user.is_authenticated:
        return Membership.objects.none()
    qs = Membership.objects.select_related("user", "site", "area")
    if is_national_admin(user):
        return qs
    areas = coordinated_areas(user)
    in_area = Q(site__municipality__area__in=areas) | Q(area__in=areas)
    # A venue contact person manages the cashiers of their site, nobody else.
    own_cashiers = Q(
        site__in=Membership.objects.filter(user=user, role=Role.VENUE_CONTACT).values("site"),
        role__in=INVITABLE_BY_VENUE_CONTACT,
    )
    return qs.filter(in_area | own_cashiers)


def people(user: User) -> QuerySet[User]:
    """People the user may see in the admin: those with a membership in scope."""
    if is_national_admin(user):
        return User.objects.all()
    return User.objects.filter(pk__in=memberships(user).values("user")).distinct()


def may_manage_account(actor: User, person: User) -> bool:
    """Whether `actor` may change `person`'s account: send them a password reset
    link, change their email, name, phone or active flag, or reset their second
    factor. Every admin form, admin action and view that does any of these asks
    this, and nothing else.

    Nobody may change another person's account, with one exception: a national
    admin may. An area coordinator may only for a person whose roles all lie
    inside the areas they coordinate and who is neither a coordinator nor a
    national admin (nor a maintainer). Being invited somewhere never puts a
    person under the inviter: an invitation only adds a membership."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if is_national_admin(actor):
        return True
    if person.pk == actor.pk or person.is_national_admin or person.is_staff or person.is_superuser:
        return False
    areas = coordinated_areas(actor)
    held = Membership.objects.filter(user=person)
    if held.filter(role=Role.COORDINATOR).exists():
        return False
    roles_held = held.count()
    return roles_held > 0 and (
        held.filter(site__municipality__area__in=areas).count() == roles_held
    )


def manageable_people(actor: User, people_qs: QuerySet[User]) -> list[User]:
    """The people of `people_qs` whose accounts `actor` may change (admin actions)."""
    return [person for person in people_qs if may_manage_account(actor, person)]


def invitable_roles(user: User, site: Site | None) -> list[str]:
    """The roles the user may give someone at `site` (or, with None, for an area)."""
    if site is None:
        return [Role.COORDINATOR] if coordinated_areas(user).exists() else []
    if (
        site.municipality.area_id
        and coordinated_areas(user).filter(pk=site.municipality.area_id).exists()
    ):
        if site.is_venue:
            return [Role.CASHIER, Role.VENUE_CONTACT]
        return [Role.DISTRIBUTOR]
    if site.is_venue and sites(user, Can.MANAGE_PEOPLE).filter(pk=site.pk).exists():
        return list(INVITABLE_BY_VENUE_CONTACT)
    return []


def roles(user: User) -> set[str]:
    """The roles the user holds anywhere, for choosing a home page and a menu."""
    if not user.is_authenticated:
        return set()
    held = set(Membership.objects.filter(user=user).values_list("role", flat=True))
    if is_national_admin(user):
        held.add("national_admin")
    return held


def second_factor_required(user: User) -> bool:
    """Whether the person must log in with a second factor: national admins and
    area coordinators always, venue contact persons and distributors where the
    deployment says so (SECOND_FACTOR_REQUIRED_FOR); cashiers never."""
    return bool(roles(user) & set(settings.SECOND_FACTOR_REQUIRED_FOR))


def may_manage_network(user: User) -> bool:
    """National admins and area coordinators manage the network in the admin
    (areas, organisations, sites, people); the model admins ask this."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_national_admin(user) or coordinated_areas(user).exists()


def may_use_admin(user: User) -> bool:
    """The Django admin serves those who manage the network and, for their
    site's reports only, venue contact persons."""
    if may_manage_network(user):
        return True
    return sites(user, Can.MANAGE_VENUE).exists()


@dataclass(frozen=True)
class ReportScope:
    """What a user's statistics may cover.

    `sites`: the venue sites whose uses the user may see in aggregate (their own
    venue site; every venue site of a coordinated area; all for a national
    admin). `areas`: the areas whose cards (those registered by the area's
    distributor sites) the user may see in aggregate. `national`: every area
    side by side. `card_figures`: the holder's background (age band, gender,
    life situation, issuing distributor) and the cards registered, renewed and
    used — for coordinators and national admins only."""

    sites: QuerySet[Site]
    areas: QuerySet[Area]
    national: bool
    card_figures: bool

    def site_or_404(self, pk: object) -> Site:
        try:
            return self.sites.get(pk=pk)
        except (Site.DoesNotExist, ValueError, TypeError):
            raise Http404 from None

    def area_or_404(self, pk: object) -> Area:
        try:
            return self.areas.get(pk=pk)
        except (Area.DoesNotExist, ValueError, TypeError):
            raise Http404 from None


def report_scope(user: User) -> ReportScope:
    """The one answer to "whose figures may this user see": every report page,
    export and PDF asks it, and answers 404 outside it."""
    return ReportScope(
        sites=sites(user, Can.MANAGE_VENUE),
        areas=coordinated_areas(user),
        national=is_national_admin(user),
        card_figures=may_manage_network(user),
    )


def audit_entries(user: User) -> QuerySet[AuditEntry]:
    """A venue contact person sees their site's entries, a distributor their
    site's card changes, a coordinator the area's, a national admin all."""
    if is_national_admin(user):
        return AuditEntry.objects.all()
    if not user.is_authenticated:
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(
        Q(site__in=sites(user, Can.AUDIT).values("pk")) | Q(area__in=coordinated_areas(user))
    )


def offerings(user: User, can: Can = Can.MANAGE_VENUE) -> QuerySet[Offering]:
    """Offerings of the sites where the user may do `can`."""
    return Offering.objects.filter(site__in=sites(user, can).values("pk")).select_related("site")


def cards(user: User) -> QuerySet[Card]:
    """Card records, one by one: only the issuing site's distributors (and
    Kaikukeskus) see them. Everyone else sees cards only in aggregate."""
    if is_national_admin(user):
        return Card.objects.all()
    return Card.objects.filter(issued_by__in=sites(user, Can.DISTRIBUTE).values("pk"))


def redemptions(user: User) -> QuerySet[Redemption]:
    """Uses the user may see one by one: those at the sites where they record or
    manage the venue."""
    return Redemption.objects.filter(
        Q(site__in=sites(user, Can.RECORD).values("pk"))
        | Q(site__in=sites(user, Can.MANAGE_VENUE).values("pk"))
    ).select_related("card", "offering", "site")


def may_void(user: User, redemption: Redemption) -> bool:
    """Voiding with a reason (the site's list of uses): the venue contact
    person and the coordinator, for any use of their sites."""
    return sites(user, Can.MANAGE_VENUE).filter(pk=redemption.site_id).exists()


def may_undo(user: User, redemption: Redemption, now=None) -> bool:
    """Undoing without a reason (the desk's Undo) is only for the person who
    recorded the use, within the undo window, while they still record at its
    site. Every other void goes through the void page and its reason, so that
    no use disappears from the statistics without a word of why."""
    from usage.services import within_undo_window

    return (
        redemption.recorded_by_id is not None
        and redemption.recorded_by_id == user.pk
        and within_undo_window(redemption, now)
        and sites(user, Can.RECORD).filter(pk=redemption.site_id).exists()
    )


# ---------------------------------------------------------------------------
# Ticket brokers (the API)
# ---------------------------------------------------------------------------


def broker_sites(broker: Broker) -> QuerySet[Site]:
    """The sites a broker's tokens may act for: its active venue sites (none
    when the broker is deactivated)."""
    if not broker.is_active:
        return Site.objects.none()
    return (
        broker.sites.filter(is_active=True, organisation__kind=Organisation.Kind.VENUE)
        .select_related("municipality")
        .order_by("name", "pk")
    )


def broker_site_or_404(broker: Broker, pk: object) -> Site:
    """One of `broker_sites(broker)` (with its municipality), or 404. Every API
    recording asks, so its one statement is written once rather than built by
    the ORM on each request (kaikukanta.db); a test holds it to the same
    answers as `broker_sites` for every broker and site."""
    pk = _pk_or_404(pk)
    if not broker.is_active:
        raise Http404
    quote = connection.ops.quote_name
    found = db.fetch_one(
        f"SELECT {db.select_list((Site, 's'), (Municipality, 'm'))} "
        f"FROM {quote(Site._meta.db_table)} s "
        f"JOIN {quote(Municipality._meta.db_table)} m ON m.id = s.municipality_id "
        f"JOIN {quote(Organisation._meta.db_table)} o ON o.id = s.organisation_id "
        f"JOIN {quote(Broker.sites.through._meta.db_table)} b ON b.site_id = s.id "
        "WHERE b.broker_id = %s AND s.id = %s AND s.is_active AND o.kind = %s",
        [broker.pk, pk, Organisation.Kind.VENUE.value],
        Site,
        Municipality,
    )
    if found is None:
        raise Http404
    site, site.municipality = found
    return site


def broker_redemptions(broker: Broker) -> QuerySet[Redemption]:
    """Uses at the broker's sites, whichever channel recorded them."""
    return Redemption.objects.filter(site__in=broker_sites(broker).values("pk")).select_related(
        "card"
    )


def broker_redemption_or_404(broker: Broker, pk: object) -> Redemption:
    try:
        return broker_redemptions(broker).get(pk=pk)
    except (Redemption.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def brokers(user: User) -> QuerySet[Broker]:
    """Brokers the user manages in the admin: those of the areas they coordinate
    (a national admin: all, also those managed by Kaikukeskus)."""
    if is_national_admin(user):
        return Broker.objects.all()
    return Broker.objects.filter(area__in=coordinated_areas(user))


def broker_site_choices(user: User) -> QuerySet[Site]:
    """The sites the user may give a broker: the venue sites of the areas they
    coordinate (a national admin: every venue site)."""
    qs = Site.objects.filter(organisation__kind=Organisation.Kind.VENUE).select_related(
        "municipality"
    )
    if is_national_admin(user):
        return qs
    return qs.filter(municipality__area__in=coordinated_areas(user))


# ---------------------------------------------------------------------------
# Onboarding material (venues/onboarding)
# ---------------------------------------------------------------------------

# The people who work at a venue site and go through the material every year.
VENUE_STAFF_ROLES = (Role.CASHIER, Role.VENUE_CONTACT)


def onboarding_staff_sites(user: User) -> QuerySet[Site]:
    """The active venue sites where the user works as a cashier or contact
    person: their areas' material is the user's to go through and confirm."""
    if not user.is_authenticated or not user.is_active:
        return Site.objects.none()
    return Site.objects.filter(
        is_active=True,
        organisation__kind=Organisation.Kind.VENUE,
        pk__in=Membership.objects.filter(user=user, role__in=VENUE_STAFF_ROLES).values("site"),
    )


def must_confirm_onboarding(user: User) -> bool:
    """Everyone with a role at a venue site confirms the material once a year."""
    return onboarding_staff_sites(user).exists()


def onboarding_areas(user: User) -> QuerySet[Area]:
    """The areas whose own material the user reads: those of their venue sites
    and those they coordinate (a national admin: every area)."""
    return Area.objects.filter(
        Q(pk__in=coordinated_areas(user).values("pk"))
        | Q(pk__in=onboarding_staff_sites(user).values("municipality__area"))
    )


def may_read_onboarding(user: User) -> bool:
    """Venue staff, coordinators and Kaikukeskus read the material; distributors
    and people without a role do not (it is the venues' material)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_national_admin(user) or onboarding_areas(user).exists()


def may_publish_onboarding(user: User, area: Area | None) -> bool:
    """Kaikukeskus publishes the national material (area None) and may help any
    area; a coordinator adds and changes only the coordinated areas' own."""
    if area is None:
        return is_national_admin(user)
    return coordinated_areas(user).filter(pk=area.pk).exists()


def onboarding_publishable_items(user: User) -> QuerySet[OnboardingItem]:
    """Items the user may change, correct and withdraw."""
    if is_national_admin(user):
        return OnboardingItem.objects.all()
    return OnboardingItem.objects.filter(area__in=coordinated_areas(user))


def onboarding_items(user: User) -> QuerySet[OnboardingItem]:
    """Items the user may read and download: the national ones and those of the
    user's areas while they are in use, and every item the user may change."""
    if not may_read_onboarding(user):
        return OnboardingItem.objects.none()
    readable = Q(withdrawn_on__isnull=True) & (
        Q(area__isnull=True) | Q(area__in=onboarding_areas(user))
    )
    return OnboardingItem.objects.filter(
        readable | Q(pk__in=onboarding_publishable_items(user).values("pk"))
    )


def onboarding_item_or_404(user: User, pk: object, *, publish: bool = False) -> OnboardingItem:
    qs = onboarding_publishable_items(user) if publish else onboarding_items(user)
    try:
        return qs.select_related("area").get(pk=pk)
    except (OnboardingItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def onboarding_notice_or_404(user: User, pk: object) -> OnboardingNotice:
    """A notice the user may withdraw: one of an item the user may change."""
    try:
        return OnboardingNotice.objects.select_related("item").get(
            pk=pk, item__in=onboarding_publishable_items(user)
        )
    except (OnboardingNotice.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def onboarding_file_or_404(user: User, pk: object) -> OnboardingFile:
    """A file of an item the user may read."""
    try:
        return OnboardingFile.objects.get(pk=pk, material__item__in=onboarding_items(user))
    except (OnboardingFile.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
