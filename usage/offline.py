"""Recording without a network: the desk's offline page and its sync.

When the network is down, the cashier keeps recording on the offline page: the
browser's service worker serves it from its cache, and every use is saved in
the browser with a random ID. When the network is back, the page sends the
saved uses to `offline_sync`, which records each through the one recording
service (channel "offline", after the fact: the tickets were already handed
out) with the ID as its idempotency key — so a use sent twice is recorded
once, and a card that turns out to be expired or closed is reported back, not
recorded. Nothing is lost: an entry leaves the browser's queue only when the
server has answered for it.
"""

import datetime
import hashlib
import json
import re
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaikukanta import access
from kaikukanta.access import Can
from usage import desk, services
from usage.models import MAX_CHILDREN, Redemption
from usage.services import RedemptionRefused
from venues.models import Offering, Site, User

# The days the offline page offers: a few back (a sync after a long outage)
# and a week ahead (advance sales).
DAYS_BACK = 3
DAYS_AHEAD = 7
# A sync older than this is an import's job (the Excel table), not the desk's.
OLDEST_SYNC_DAYS = 31
MAX_ENTRIES_PER_SYNC = 500
ENTRY_ID = re.compile(r"^[0-9a-f-]{8,64}$")

# What the service worker keeps for the offline page.
OFFLINE_ASSETS = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "kaikukanta/site.css",
    "kaikukanta/site.js",
    "kaikukanta/desk.css",
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
    }
    return render(request, "usage/offline.html", {"offline_data": data, "sites": sites})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that keeps the offline page and its assets, served
    from /desk/ so that its scope covers the desk."""
    assets = [static(path) for path in OFFLINE_ASSETS]
    version = hashlib.sha256("|".join(assets).encode()).hexdigest()[:12]
    response = render(
        request,
        "usage/sw.js",
        {"assets": json.dumps(assets), "version": version},
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    return response


class EntryError(ValueError):
    pass


def _parse_entry(raw: Any, sites: dict[int, Site]) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise EntryError(_("This entry is not readable."))
    entry_id = str(raw.get("id", ""))
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
    offering = None
    if raw.get("offering") not in (None, ""):
        try:
            offering = Offering.objects.get(pk=int(raw["offering"]), site=site)
        except (Offering.DoesNotExist, TypeError, ValueError):
            raise EntryError(RedemptionRefused("offering_not_at_site").message) from None
    children = raw.get("children", 0)
    if isinstance(children, str) and children.isdigit():
        children = int(children)
    return {
        "id": entry_id,
        "site": site,
        "offering": offering,
        "day": day,
        "card": str(raw.get("card", ""))[:64],
        "children": children,
    }


def _sync_one(user: User, raw: Any, sites: dict[int, Site]) -> dict[str, Any]:
    """Record one saved entry; the answer tells the page what became of it."""
    entry_id = str(raw.get("id", "")) if isinstance(raw, dict) else ""
    try:
        entry = _parse_entry(raw, sites)
    except EntryError as error:
        return {"id": entry_id, "status": "refused", "code": "invalid", "message": str(error)}
    fingerprint = services.request_fingerprint(
        {
            "card": entry["card"],
            "site": entry["site"].pk,
            "offering": entry["offering"].pk if entry["offering"] else None,
            "day": entry["day"],
            "children": entry["children"],
        }
    )
    try:
        result = services.record_redemption(
            card_id=entry["card"],
            site=entry["site"],
            offering=entry["offering"],
            channel=Redemption.Channel.OFFLINE,
            used_on=entry["day"],
            children=entry["children"],
            recorded_by=user,
            idempotency_key=f"offline:{user.pk}:{entry['id']}",
            fingerprint=fingerprint,
            after_the_fact=True,
        )
    except RedemptionRefused as refusal:
        status = "already" if refusal.code == "already_recorded" else "refused"
        return {
            "id": entry["id"],
            "status": status,
            "code": refusal.code,
            "message": refusal.message,
        }
    use = result.redemption
    return {
        "id": entry["id"],
        "status": "recorded",
        "redemption": use.pk,
        "over_cap": use.over_cap,
        "message": _("Recorded over the cap: the contact person sees it flagged.")
        if use.over_cap
        else "",
    }


@login_required
@require_POST
@never_cache
def offline_sync(request: HttpRequest) -> JsonResponse:
    """Record the uses saved while offline (POST, JSON `{"entries": [...]}`).
    Each entry is answered on its own: recorded, already in the register, or
    refused with the reason. Sending the same entries again records nothing new."""
    sites = {site.pk: site for site in access.sites(request.user, Can.RECORD)}
    if not sites:
        raise Http404
    try:
        payload = json.loads(request.body or b"{}")
        entries = payload["entries"]
        if not isinstance(entries, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": _("The request is not readable.")}, status=400)
    if len(entries) > MAX_ENTRIES_PER_SYNC:
        return JsonResponse(
            {"error": _("Send at most %(n)d entries at a time.") % {"n": MAX_ENTRIES_PER_SYNC}},
            status=400,
        )
    results = [_sync_one(request.user, raw, sites) for raw in entries]
    return JsonResponse({"results": results})
