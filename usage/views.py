from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from kaikukanta import access
from kaikukanta.access import Can


@login_required
def desk(request: HttpRequest) -> HttpResponse:
    sites = access.sites(request.user, Can.RECORD)
    if not sites.exists():
        raise Http404
    return render(request, "usage/desk.html", {"sites": sites})


@login_required
def cards(request: HttpRequest, site_id: int) -> HttpResponse:
    site = access.site_or_404(request.user, site_id, Can.DISTRIBUTE)
    return render(request, "usage/cards.html", {"site": site})
