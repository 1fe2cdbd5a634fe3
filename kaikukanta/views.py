"""Project-wide pages: the home redirect, the text-size control, the health check."""

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kaikukanta import errors
from kaikukanta.context_processors import TEXT_SIZE_COOKIE, TEXT_SIZES
from kaikukanta.navigation import home_url


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its own page."""
    return redirect(home_url(request.user))


@login_required
def no_access(request: HttpRequest) -> HttpResponse:
    """A person whose memberships were all removed still gets a page that says so."""
    return render(request, "no_access.html")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
def set_text_size(request: HttpRequest) -> HttpResponse:
    """The text-size control: remembered in a cookie, works without JavaScript."""
    size = request.POST.get("size", "normal")
    if size not in TEXT_SIZES:
        size = "normal"
    response = redirect(_safe_next(request))
    response.set_cookie(
        TEXT_SIZE_COOKIE, size, max_age=365 * 24 * 3600, samesite="Lax", httponly=False
    )
    return response


@require_GET
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        response = JsonResponse({"status": "unavailable", "database": "down"}, status=503)
        errors.log_unavailable(request, response, error)
        return response
    return JsonResponse({"status": "ok", "database": "up"})
