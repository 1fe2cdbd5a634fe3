"""Who has gone through the onboarding material, and who is due.

A person's confirmation stands for a year (`OnboardingConfirmation.due_on`).
Whether the year is up drives the venue checklist, the coordinator's overview,
the reminders and the desk's line. Separately, a person whose confirmation
covered an earlier version of an item (or not the item at all) is asked to go
through what changed; that alone does not make the site's staff overdue, so
that one correction published nationwide does not mark every venue at once.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from kaikukanta import access
from usage.models import one_year_from
from venues.models import Checklist, Membership, OnboardingConfirmation, OnboardingItem, User

# The yearly reminder goes out this many days before the year is up.
REMIND_DAYS_BEFORE = 30


def required_items(user: User) -> QuerySet[OnboardingItem]:
    """The items a person's confirmation covers: the national material and the
    own material of the areas of their venue sites, while in use."""
    return OnboardingItem.objects.filter(
        Q(area__isnull=True)
        | Q(area__in=access.onboarding_staff_sites(user).values("municipality__area")),
        withdrawn_on__isnull=True,
    )


def required_versions(user: User) -> dict[str, int]:
    """{"<item id>": version} of the items a confirmation would cover now."""
    return {str(pk): version for pk, version in required_items(user).values_list("pk", "version")}


def latest_confirmation(user: User) -> OnboardingConfirmation | None:
    return OnboardingConfirmation.objects.filter(user=user).order_by("-confirmed_at").first()


@dataclass(frozen=True)
class PersonStatus:
    """Where one person stands with the material."""

    must_confirm: bool
    confirmation: OnboardingConfirmation | None
    today: datetime.date
    # Items new or changed since the confirmation (pks), when there is one.
    changed_item_ids: frozenset[int] = frozenset()

    @property
    def due_on(self) -> datetime.date | None:
        return self.confirmation.due_on if self.confirmation else None

    @property
    def never(self) -> bool:
        return self.confirmation is None

    @property
    def overdue(self) -> bool:
        """Never confirmed, or the year is up."""
        return self.must_confirm and (self.due_on is None or self.due_on < self.today)

    @property
    def changed(self) -> bool:
        return self.must_confirm and not self.overdue and bool(self.changed_item_ids)

    @property
    def due_soon(self) -> bool:
        """Within the month before the year is up."""
        due = self.due_on
        return (
            self.must_confirm
            and due is not None
            and self.today <= due < self.today + datetime.timedelta(days=REMIND_DAYS_BEFORE)
        )

    @property
    def needs_attention(self) -> bool:
        return self.overdue or self.changed


def person_status(user: User, today: datetime.date | None = None) -> PersonStatus:
    today = today or timezone.localdate()
    if not access.must_confirm_onboarding(user):
        return PersonStatus(must_confirm=False, confirmation=None, today=today)
    confirmation = latest_confirmation(user)
    changed: frozenset[int] = frozenset()
    if confirmation is not None:
        changed = frozenset(
            int(pk)
            for pk, version in required_versions(user).items()
            if confirmation.version_of(int(pk)) < version
        )
    return PersonStatus(
        must_confirm=True, confirmation=confirmation, today=today, changed_item_ids=changed
    )


# ---------------------------------------------------------------------------
# The staff of venue sites
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    user: User
    roles: tuple[str, ...]  # role labels at the site
    confirmed_on: datetime.date | None
    today: datetime.date

    @property
    def due_on(self) -> datetime.date | None:
        return one_year_from(self.confirmed_on) if self.confirmed_on else None

    @property
    def overdue(self) -> bool:
        return self.due_on is None or self.due_on < self.today


@dataclass(frozen=True)
class SiteStaff:
    """The active cashiers and contact persons of one venue site, and the date
    by which all of them had gone through the material (the checklist's
    "staff instructed")."""

    people: tuple[StaffMember, ...]

    @property
    def not_confirmed(self) -> list[StaffMember]:
        return [person for person in self.people if person.overdue]

    @property
    def all_confirmed(self) -> bool:
        return bool(self.people) and not self.not_confirmed

    @property
    def instructed_on(self) -> datetime.date | None:
        """The date the last of them confirmed, when each confirmation stands."""
        if not self.all_confirmed:
            return None
        return max(person.confirmed_on for person in self.people if person.confirmed_on)

    @property
    def next_due_on(self) -> datetime.date | None:
        """When the first of them is due again."""
        if not self.all_confirmed:
            return None
        return min(person.due_on for person in self.people if person.due_on)


def site_staff(site_ids: Iterable[int], today: datetime.date | None = None) -> dict[int, SiteStaff]:
    """Each site's staff and their latest confirmation, in one query."""
    today = today or timezone.localdate()
    ids = list(site_ids)
    rows = (
        Membership.objects.filter(
            site_id__in=ids, role__in=access.VENUE_STAFF_ROLES, user__is_active=True
        )
        .select_related("user")
        .annotate(confirmed_on=Max("user__onboarding_confirmations__confirmed_on"))
        .order_by("user__full_name", "user__email", "role")
    )
    labels = dict(Membership.Role.choices)
    people: dict[int, dict[int, StaffMember]] = {pk: {} for pk in ids}
    for row in rows:
        by_user = people[row.site_id]
        known = by_user.get(row.user_id)
        roles = (*(known.roles if known else ()), str(labels[row.role]))
        by_user[row.user_id] = StaffMember(row.user, roles, row.confirmed_on, today)
    return {pk: SiteStaff(tuple(by_user.values())) for pk, by_user in people.items()}


def checklist_rows(sites_qs) -> list[dict]:
    """Each venue site with what its checklist still misses and where its
    staff stand with the yearly onboarding, for the coordinator."""
    sites = list(sites_qs.select_related("checklist", "organisation", "municipality"))
    staff = site_staff(site.pk for site in sites)
    rows = []
    for site in sites:
        checklist = getattr(site, "checklist", None) or Checklist(site=site)
        missing = checklist.missing_items()
        rows.append(
            {
                "site": site,
                "missing": missing,
                "staff": staff[site.pk],
                "complete": not missing and staff[site.pk].all_confirmed,
            }
        )
    return rows
