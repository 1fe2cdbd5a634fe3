"""Each role's home page and the menu of the places a person acts at.

The menu only links; every page still checks access through `kaikukanta.access`.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _

from kaikukanta import access
from venues.models import Membership, User

Role = Membership.Role


@dataclass(frozen=True)
class MenuItem:
    label: str
    url: str


def _memberships(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user)
        .select_related("site", "area")
        .order_by("role", "site__name", "area__name")
    )


def home_url(user: User) -> str:
    """Where a person lands after login: the page of their most far-reaching role."""
    if access.is_national_admin(user):
        return reverse("venues:national")
    by_role: dict[str, Membership] = {}
    for membership in _memberships(user):
        by_role.setdefault(membership.role, membership)
    if Role.COORDINATOR in by_role:
        return reverse("venues:area", args=[by_role[Role.COORDINATOR].area_id])
    if Role.VENUE_CONTACT in by_role:
        return reverse("venues:site", args=[by_role[Role.VENUE_CONTACT].site_id])
    if Role.DISTRIBUTOR in by_role:
        return reverse("usage:cards", args=[by_role[Role.DISTRIBUTOR].site_id])
    if Role.CASHIER in by_role:
        return reverse("usage:desk")
    return reverse("no_access")


def menu_for(user: User) -> list[MenuItem]:
    items: list[MenuItem] = []
    if access.is_national_admin(user):
        items.append(MenuItem(_("Nationwide"), reverse("venues:national")))
    memberships = _memberships(user)
    seen: set[str] = set()

    def add(label: str, url: str) -> None:
        if url not in seen:
            seen.add(url)
            items.append(MenuItem(label, url))

    for m in memberships:
        if m.role == Role.COORDINATOR:
            add(_("Area: %(area)s") % {"area": m.area}, reverse("venues:area", args=[m.area_id]))
    for m in memberships:
        if m.role == Role.CASHIER or m.role == Role.VENUE_CONTACT:
            add(_("Record a use"), reverse("usage:desk"))
        if m.role == Role.VENUE_CONTACT:
            add(str(m.site), reverse("venues:site", args=[m.site_id]))
        if m.role == Role.DISTRIBUTOR:
            add(
                _("Cards: %(site)s") % {"site": m.site},
                reverse("usage:cards", args=[m.site_id]),
            )
    if access.may_read_onboarding(user):
        add(_("Onboarding"), reverse("venues:onboarding"))
    return items
