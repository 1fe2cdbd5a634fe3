from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaikukanta import access
from kaikukanta.access import Can


@login_required
def cards(request: HttpRequest, site_id: int) -> HttpResponse:
    site = access.site_or_404(request.user, site_id, Can.DISTRIBUTE)
    return render(request, "usage/cards.html", {"site": site})
