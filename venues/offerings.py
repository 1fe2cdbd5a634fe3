"""A venue site's offerings and caps (the venue contact person; the area's
coordinator and national admins too: `Can.MANAGE_VENUE`), and the public page
that tells everyone what the venue offers for Kaikukortti and what it excludes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.http import posted
from usage.queries import offerings_with_use
from venues import services
from venues.forms import OfferingForm
from venues.models import Offering

OFFERINGS_PER_PAGE = 50


@login_required
def offerings(request: HttpRequest, pk: int) -> HttpResponse:
    """The site's upcoming offerings (past ones with ?past=1) with used / cap."""
    site = access.site_or_404(request.user, pk, Can.MANAGE_VENUE)
    today = timezone.localdate()
    site_offerings = access.offerings(request.user, Can.MANAGE_VENUE).filter(site=site)
    past = request.GET.get("past") == "1"
    if past:
        listed = site_offerings.filter(
            Q(end_date__isnull=True, date__lt=today) | Q(end_date__lt=today)
        ).order_by("-date", "-start_time", "title")
    else:
        listed = site_offerings.upcoming(today).order_by("date", "start_time", "title")
    page = Paginator(offerings_with_use(listed, today), OFFERINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {"site": site, "page": page, "past": past, "kinds": Offering.Kind.choices}
    return render(request, "venues/offerings.html", context)


@login_required
def offering_create(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    site = access.site_or_404(request.user, pk, Can.MANAGE_VENUE)
    if kind not in Offering.Kind.values:
        raise Http404
    form = OfferingForm(posted(request), kind=kind, instance=Offering(site=site))
    if request.method == "POST" and form.is_valid():
        offering = services.save_offering(form=form, site=site, changed_by=request.user)
        messages.success(request, _("%(offering)s was added.") % {"offering": offering})
        return redirect("venues:offerings", site.pk)
    return render(
        request,
        "venues/offering_form.html",
        {"site": site, "form": form, "kind": Offering.Kind(kind), "creating": True},
    )


@login_required
def offering_edit(request: HttpRequest, pk: int, offering_id: int) -> HttpResponse:
    site = access.site_or_404(request.user, pk, Can.MANAGE_VENUE)
    offering = get_object_or_404(
        access.offerings(request.user, Can.MANAGE_VENUE).filter(site=site), pk=offering_id
    )
    form = OfferingForm(posted(request), kind=offering.kind, instance=offering)
    if request.method == "POST" and form.is_valid():
        offering = services.save_offering(form=form, site=site, changed_by=request.user)
        messages.success(request, _("%(offering)s was saved.") % {"offering": offering})
        _warn_when_over_the_cap(request, offering)
        return redirect("venues:offerings", site.pk)
    return render(
        request,
        "venues/offering_form.html",
        {
            "site": site,
            "form": form,
            "kind": Offering.Kind(offering.kind),
            "offering": offering,
            "creating": False,
        },
    )


def _warn_when_over_the_cap(request: HttpRequest, offering: Offering) -> None:
    """A cap may be lowered below what is already used: nothing recorded is
    undone, but the venue is told, and the lists show the offering over the cap."""
    figures = offerings_with_use(Offering.objects.filter(pk=offering.pk), timezone.localdate())
    counted = figures.values("peak", "over_cap").get()
    if counted["over_cap"]:
        messages.warning(
            request,
            ngettext(
                "The cap (%(cap)d) is lower than the %(used)d Kaikukortti ticket already "
                "recorded. Nothing recorded is undone; the offering is shown as over the cap "
                "and no more uses can be recorded for it.",
                "The cap (%(cap)d) is lower than the %(used)d Kaikukortti tickets already "
                "recorded. Nothing recorded is undone; the offering is shown as over the cap "
                "and no more uses can be recorded for it.",
                counted["peak"],
            )
            % {"cap": offering.cap, "used": counted["peak"]},
        )


def public_site(request: HttpRequest, pk: int) -> HttpResponse:
    """What the venue offers for Kaikukortti and what it excludes, with the
    reasons: the venue "must say so publicly" (DOMAIN.md). Nothing else: no caps,
    no figures, no people."""
    site = get_object_or_404(
        access.public_sites().select_related("organisation", "municipality"), pk=pk
    )
    today = timezone.localdate()
    listed = (
        Offering.objects.filter(site=site)
        .upcoming(today)
        .only(
            "title",
            "kind",
            "sector",
            "date",
            "start_time",
            "end_date",
            "excluded",
            "exclusion_reason",
        )
        .order_by("date", "start_time", "title")
    )
    page = Paginator(listed.filter(excluded=False), OFFERINGS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    excluded = listed.filter(excluded=True)
    return render(
        request, "venues/public_site.html", {"site": site, "page": page, "excluded": excluded}
    )
