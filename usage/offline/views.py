"""Recording without a network: the desk's offline page, its service worker and
the endpoint of its sync (`usage.offline.sync`).

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

import datetime
import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaikukanta import access, errors
from kaikukanta.access import Can
from kaikukanta.http import json_body
from usage.desk import card_check
from usage.models import MAX_CHILDREN
from usage.offline.sync import MAX_ENTRIES_PER_SYNC, sync_entries
from venues.models import Offering, Site

# The days the offline page offers: a few back (a sync after a long outage)
# and a week ahead (advance sales).
DAYS_BACK = 3
DAYS_AHEAD = 7

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
        "site": card_check.remembered_site(request.user, sites).pk,
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
