"""Recording without a network: the desk's offline page and its sync.

When the network is down, the cashier keeps recording on the offline page: the
browser's service worker serves it from its cache, and every use is saved in
the browser with a random ID. When the network is back, the page sends the
saved uses to `offline_sync`, which records each through the one recording
service (channel "offline", after the fact: the tickets were already handed
out) with the ID as its idempotency key — so a use sent twice is recorded
once, and a card that turns out to be expired or closed is reported back, not
recorded. Nothing is lost: an entry leaves the browser's queue only when the
server has given a final answer for it. A temporary one (the register busy,
see `services.TEMPORARY_REFUSALS`) is answered `retry`, and the page sends the
entry again later; the page sends its queue in batches within the limit that
the page's data and every answer announce.
"""

import contextlib
import datetime
import hashlib
import json
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaikukanta import access, errors
from kaikukanta.access import Can
from kaikukanta.http import json_body
from usage import desk, services
from usage.models import MAX_CHILDREN, Redemption
from usage.services import Outcome, RedemptionRefused
from venues.models import Offering, Site, User

# The days the offline page offers: a few back (a sync after a long outage)
# and a week ahead (advance sales).
DAYS_BACK = 3
DAYS_AHEAD = 7
# A sync older than this is an import's job (the Excel table), not the desk's.
OLDEST_SYNC_DAYS = 31
# The most entries one sync takes. The page learns it from its data and from
# every answer, and sends a longer queue in batches of at most this many.
MAX_ENTRIES_PER_SYNC = 500
ENTRY_ID = re.compile(r"^[0-9a-f-]{8,64}$")

# What the service worker keeps for the offline page.
OFFLINE_ASSETS = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "kaikukanta/site.css",
    "kaikukanta/site.js",
    "kaikukanta/desk.css",
    "kaikukanta/offline.css",
    "kaikukanta/offline.js",
    "kaikukanta/favicon.svg",
)


def _offering_days(offering: Offering, days: list[datetime.date]) -> list[str]:
    return [day.isoformat() for day in days if offering.is_on(day)]


def _site_offerings(site: Site, days: list[datetime.date]) -> list[dict[str, Any]]:
    listed = (
        Offering.objects.filter(site=site, excluded=False)
        .filter(date__lte=days[-1])
        .exclude(end_date__lt=days[0])
        .exclude(end_date__isnull=True, date__lt=days[0])
        .order_by("date", "start_time", "title")
    )
    rows = []
    for offering in listed:
        on_days = _offering_days(offering, days)
        if on_days:
            rows.append(
                {
                    "id": offering.pk,
                    # In the reader's date and time format (Offering.when).
                    "label": f"{offering.title} ({offering.when()})",
                    "course": offering.kind == Offering.Kind.COURSE,
                    "days": on_days,
                }
            )
    return rows


def _day_label(day: datetime.date) -> str:
    return f"{date_format(day, 'D')} {date_format(day, 'SHORT_DATE_FORMAT')}"


@login_required
@require_GET
@never_cache
def offline_page(request: HttpRequest) -> HttpResponse:
    """The page the cashier records on while the network is down. Everything it
    needs (the sites and the offerings of the coming days) travels with it."""
    sites = list(access.sites(request.user, Can.RECORD).order_by("name"))
    if not sites:
        raise Http404
    today = timezone.localdate()
    days = [today + datetime.timedelta(n) for n in range(-DAYS_BACK, DAYS_AHEAD + 1)]
    data = {
        "user": request.user.pk,
        "today": today.isoformat(),
        "days": [day.isoformat() for day in days],
        # The days as the reader writes them ("ke 2.12.2026"), for the page's script.
        "day_labels": {day.isoformat(): _day_label(day) for day in days},
        # The site the person last worked at the desk: the page opens on it.
        "site": desk.remembered_site(request.user, sites).pk,
        "sites": [
            {"id": site.pk, "name": site.name, "offerings": _site_offerings(site, days)}
            for site in sites
        ],
        "max_children": MAX_CHILDREN,
        "sync_limit": MAX_ENTRIES_PER_SYNC,
        "time_zone": settings.TIME_ZONE,
    }
    return render(request, "usage/offline.html", {"offline_data": data, "sites": sites})


@errors.no_database
@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps the offline page and its assets, served
    from /desk/ so that its scope covers the desk."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    version = hashlib.sha256("|".join(assets).encode()).hexdigest()[:12]
    # Rendered without the request's context (the layout's menu and so on), so
    # that it asks nothing of the database: the browser checks for a new
    # version of the worker also while the register's database is down.
    script = render_to_string("usage/sw.js", {"assets": json.dumps(assets), "version": version})
    response = HttpResponse(script, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    return response


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


def _unreadable(message: str, code: str) -> JsonResponse:
    """A request the sync cannot take at all: the page shows the cashier a
    problem to report, and adopts `limit` when it sent too many."""
    return JsonResponse({"error": message, "code": code, "limit": MAX_ENTRIES_PER_SYNC}, status=400)


@login_required
@require_POST
@never_cache
def offline_sync(request: HttpRequest) -> JsonResponse:
    """Record the uses saved while offline (POST, JSON `{"entries": [...]}`, at
    most `limit` of them). Each entry is answered on its own: recorded, already
    in the register, refused with the reason (final), or `retry` (the register
    could not take it just now; send it again later). Sending the same entries
    again records nothing new."""
    sites = {site.pk: site for site in access.sites(request.user, Can.RECORD)}
    if not sites:
        raise Http404
    try:
        payload = json_body(request.body or b"{}")
        entries = payload["entries"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):  # json_body: deep nesting is a ValueError
        return _unreadable(_("The request is not readable."), "unreadable")
    if len(entries) > MAX_ENTRIES_PER_SYNC:
        return _unreadable(
            _("Send at most %(n)d entries at a time.") % {"n": MAX_ENTRIES_PER_SYNC},
            "too_many_entries",
        )
    results = sync_entries(request.user, entries, sites)
    return JsonResponse({"results": results, "limit": MAX_ENTRIES_PER_SYNC})
