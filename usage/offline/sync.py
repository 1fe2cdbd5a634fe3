"""The sync of the offline page: the uses a cashier recorded on the device
while the network was down, each parsed on its own and recorded through
`usage.services` with its entry ID as the idempotency key, so that sending the
same entries again records nothing new."""

import contextlib
import datetime
import re
from typing import Any

from django.db import IntegrityError
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from usage import services
from usage.models import Redemption
from usage.services import Outcome, RedemptionRefused
from venues.models import Offering, Site, User

# A sync older than this is an import's job (the Excel table), not the desk's.
OLDEST_SYNC_DAYS = 31
# The most entries one sync takes. The page learns it from its data and from
# every answer, and sends a longer queue in batches of at most this many.
MAX_ENTRIES_PER_SYNC = 500
ENTRY_ID = re.compile(r"^[0-9a-f-]{8,64}$")


class EntryError(ValueError):
    pass


def _entry_id(raw: Any) -> str:
    return str(raw.get("id", "")) if isinstance(raw, dict) else ""


def _offering_pk(raw: Any) -> int | None:
    """The offering an entry names (None: plain admission); EntryError when it
    names one in a form no page writes."""
    value = raw.get("offering")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise EntryError(RedemptionRefused("offering_not_at_site").message) from None


def _offerings_named(raws: list[Any], sites: dict[int, Site]) -> dict[int, Offering]:
    """The offerings the entries name, at the user's sites: one query for a
    whole batch."""
    pks = set()
    for raw in raws:
        if isinstance(raw, dict):
            with contextlib.suppress(EntryError):  # answered when its entry is read
                pks.add(_offering_pk(raw))
    pks.discard(None)
    return {o.pk: o for o in Offering.objects.filter(pk__in=pks, site__in=list(sites))}


def _parse_entry(
    raw: Any, sites: dict[int, Site], offerings: dict[int, Offering], user: User
) -> tuple[Site, services.UseRequest]:
    """One saved entry as the use to record at its site, keyed by the entry's
    ID so that sending it again records nothing new."""
    if not isinstance(raw, dict):
        raise EntryError(_("This entry is not readable."))
    entry_id = _entry_id(raw)
    if not ENTRY_ID.match(entry_id):
        raise EntryError(_("This entry has no valid ID."))
    try:
        site = sites[int(raw.get("site"))]
    except (KeyError, TypeError, ValueError):
        raise EntryError(_("You cannot record at this site.")) from None
    day = parse_date(str(raw.get("date", "")))
    today = timezone.localdate()
    if day is None or not (
        today - datetime.timedelta(OLDEST_SYNC_DAYS) <= day <= today + datetime.timedelta(365)
    ):
        raise EntryError(_("The date of use is missing or too far from today."))
    offering_pk = _offering_pk(raw)
    offering = offerings.get(offering_pk) if offering_pk is not None else None
    if offering_pk is not None and (offering is None or offering.site_id != site.pk):
        raise EntryError(RedemptionRefused("offering_not_at_site").message)
    children = raw.get("children", 0)
    if isinstance(children, str) and children.isdigit():
        children = int(children)
    card = str(raw.get("card", ""))[:64]
    fingerprint = services.request_fingerprint(
        {"card": card, "site": site.pk, "offering": offering_pk, "day": day, "children": children}
    )
    use = services.UseRequest(
        card_id=card,
        offering=offering,
        used_on=day,
        children=children,
        idempotency_key=f"offline:{user.pk}:{entry_id}",
        fingerprint=fingerprint,
    )
    return site, use


def _record_at(user: User, site: Site, uses: list[services.UseRequest]) -> list[Outcome]:
    """Record a site's entries in their saved order, as the import does: one
    transaction and a handful of statements for the whole batch."""
    try:
        return services.record_redemptions(
            site=site,
            uses=uses,
            channel=Redemption.Channel.OFFLINE,
            recorded_by=user,
            after_the_fact=True,  # the tickets were handed out already
        )
    except IntegrityError:
        # Another tab sent some of the same entries at the same moment and won
        # the race for their keys: one at a time, each finds the other's result.
        return [_record_one(user, site, use) for use in uses]


def _record_one(user: User, site: Site, use: services.UseRequest) -> Outcome:
    try:
        return services.record_redemption(
            card_id=use.card_id,
            site=site,
            offering=use.offering,
            channel=Redemption.Channel.OFFLINE,
            used_on=use.used_on,
            children=use.children,
            recorded_by=user,
            idempotency_key=use.idempotency_key,
            fingerprint=use.fingerprint,
            after_the_fact=True,
        )
    except RedemptionRefused as refusal:
        return refusal


def _answer(entry_id: str, outcome: Outcome) -> dict[str, Any]:
    """What became of one entry. `retry` means the register could not take it
    just now (it stays on the device and is sent again); `refused` is a rule's
    final answer, with its reason."""
    if isinstance(outcome, RedemptionRefused):
        if outcome.temporary:
            # Not "try again in a moment": the page sends it again by itself.
            message = _("The register could not take this use just now.")
            return {"id": entry_id, "status": "retry", "code": outcome.code, "message": message}
        status = "already" if outcome.code == "already_recorded" else "refused"
        return {"id": entry_id, "status": status, "code": outcome.code, "message": outcome.message}
    use = outcome.redemption
    return {
        "id": entry_id,
        "status": "recorded",
        "redemption": use.pk,
        "over_cap": use.over_cap,
        "message": _("Recorded over the cap: the contact person sees it flagged.")
        if use.over_cap
        else "",
    }


def sync_entries(user: User, raws: list[Any], sites: dict[int, Site]) -> list[dict[str, Any]]:
    """Record the saved entries, each site's in their saved order, and answer
    for every one of them in the order they came."""
    answers: list[dict[str, Any] | None] = [None] * len(raws)
    offerings = _offerings_named(raws, sites)
    by_site: dict[int, list[tuple[int, str, services.UseRequest]]] = {}
    for index, raw in enumerate(raws):
        try:
            site, use = _parse_entry(raw, sites, offerings, user)
        except EntryError as error:
            answers[index] = {
                "id": _entry_id(raw),
                "status": "refused",
                "code": "invalid",
                "message": str(error),
            }
            continue
        by_site.setdefault(site.pk, []).append((index, _entry_id(raw), use))
    for site_pk, group in by_site.items():
        outcomes = _record_at(user, sites[site_pk], [use for _i, _id, use in group])
        for (index, entry_id, _use), outcome in zip(group, outcomes, strict=True):
            answers[index] = _answer(entry_id, outcome)
    return answers  # type: ignore[return-value]  (every entry has its answer now)
