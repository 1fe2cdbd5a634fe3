"""The venue's record of card uses, and voids by the venue contact person and
the area coordinator (`Can.MANAGE_VENUE`). A cashier undoes their own record at
the desk; later corrections happen here, always with a reason. A voided use
stays in the list, marked voided with who, when and why."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.http import posted
from usage import services
from usage.forms import UsesFilterForm, VoidForm
from usage.models import Redemption
from venues.models import Offering

USES_PER_PAGE = 100


@login_required
def uses(request: HttpRequest, site_id: int) -> HttpResponse:
    """The site's recorded uses on one day (default today), optionally of one offering."""
    site = access.site_or_404(request.user, site_id, Can.MANAGE_VENUE)
    site_uses = access.redemptions(request.user).filter(site=site)
    day = _day(request)
    listed = site_uses.filter(used_on=day)
    offerings = (
        access.offerings(request.user, Can.MANAGE_VENUE)
        .filter(site=site)
        .filter(Q(pk__in=Offering.objects.on(day)) | Q(pk__in=listed.values("offering")))
    )
    form = UsesFilterForm(request.GET or None, offerings=offerings, initial={"day": day})
    offering = form.cleaned_data["offering"] if form.is_valid() else None
    if offering is not None:
        listed = listed.filter(offering=offering)
    totals = listed.aggregate(
        uses=Count("pk", filter=Q(voided_at__isnull=True)),
        children=Sum("children", filter=Q(voided_at__isnull=True)),
        voided=Count("pk", filter=Q(voided_at__isnull=False)),
    )
    listed = listed.select_related("recorded_by", "voided_by").order_by("-recorded_at", "-pk")
    page = Paginator(listed, USES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "site": site,
        "form": form,
        "day": day,
        "offering": offering,
        "page": page,
        "totals": totals | {"tickets": totals["uses"] + (totals["children"] or 0)},
    }
    return render(request, "usage/uses.html", context)


def _day(request: HttpRequest) -> datetime.date:
    """The day asked for; today when none is given or it is not a date."""
    try:
        return UsesFilterForm.base_fields["day"].clean(request.GET.get("day")) or (
            timezone.localdate()
        )
    except ValidationError:
        return timezone.localdate()


@login_required
def use_void(request: HttpRequest, site_id: int, pk: int) -> HttpResponse:
    """Void a mistaken use with a reason: it frees its cap place and leaves the
    statistics, but stays in the register."""
    site = access.site_or_404(request.user, site_id, Can.MANAGE_VENUE)
    redemption: Redemption = get_object_or_404(
        access.redemptions(request.user).filter(site=site).select_related("voided_by"), pk=pk
    )
    if not access.may_void(request.user, redemption):
        raise Http404
    back = reverse("usage:uses", args=[site.pk]) + "?" + urlencode({"day": redemption.used_on})
    form = VoidForm(posted(request))
    if request.method == "POST" and not redemption.is_voided and form.is_valid():
        services.void_redemption(
            redemption=redemption, reason=form.cleaned_data["reason"], voided_by=request.user
        )
        messages.success(
            request,
            _("The use of the card %(card_id)s was voided. Its place under the cap is free again.")
            % {"card_id": redemption.card.card_id},
        )
        return redirect(back)
    context = {"site": site, "use": redemption, "form": form, "back": back}
    return render(request, "usage/use_void.html", context)
