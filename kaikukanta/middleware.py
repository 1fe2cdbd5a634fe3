"""Response headers that every page gets, the answer when the database cannot
be reached, the idle timeout of sessions, and the second factor's gate."""

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from kaikukanta import errors

# No inline scripts or styles anywhere (DESIGN.md), so the policy needs no
# 'unsafe-inline'. The camera (QR reading) stays on our own origin; images from
# blob:/data: are the camera frames and the admin's icons.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=()"


def security_headers(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response

    return middleware


class DatabaseOutageMiddleware:
    """A request that cannot reach the database answers 503 in the reader's
    language (kaikukanta.errors), instead of a 500 with a traceback.

    Before the view, it asks for the signed-in person: most requests' first
    statements (the session, the person, their devices) fail here, so the
    middleware after it (the idle timeout, the second factor's gate) never
    meets the outage where nothing could turn it into an answer. A view
    marked `errors.needs_no_database` (the service worker's script) is left
    alone, by all three. A view's own statements come back through
    `process_exception`; errors raised anywhere else reach
    `errors.server_error`, which answers them alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if errors.needs_no_database(view_func):
            return None
        try:
            request.user.is_authenticated  # noqa: B018 (loads the session and the person)
        except Exception as error:
            if errors.is_database_unavailable(error):
                return errors.unavailable_response(request, error)
            raise
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.is_database_unavailable(exception):
            return errors.unavailable_response(request, exception)
        return None


def note_activity_at_login(sender, request, user, **kwargs) -> None:
    """A new session starts its idle clock at login (saved with the login itself,
    so the first page after it writes nothing more)."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleTimeoutMiddleware.KEY] = int(time.time())


class IdleTimeoutMiddleware:
    """Ends a session that has been idle longer than SESSION_IDLE_TIMEOUT.

    The time of the last request is kept in the session, written at most once
    a minute so that a busy desk does not write its session on every scan; each
    write also renews the session's expiry (SESSION_COOKIE_AGE is the timeout)."""

    KEY = "_last_activity"
    RESOLUTION = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if errors.needs_no_database(view_func) or not request.user.is_authenticated:
            return None
        now = int(time.time())
        last = request.session.get(self.KEY)
        if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
            logout(request)
            messages.info(request, _("You were logged out after a long time without activity."))
        elif last is None or now - last >= self.RESOLUTION:
            request.session[self.KEY] = now
        return None


# Pages a signed-in session may reach before its second factor: the second factor's
# own pages, logging out, the language and text size, and the anonymous flows.
SECOND_FACTOR_EXEMPT = {
    "second_factor_verify",
    "second_factor_setup",
    "logout",
    "login",
    "set_language",
    "set_text_size",
    "healthz",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "welcome",
}


class SecondFactorMiddleware:
    """A signed-in session that still owes its second factor sees nothing but the
    second factor's pages: it is sent to verify (the person has a device) or to
    set one up (the requirement applies to them and they have none). This covers
    /admin/, every coordinator and national page, and every other page alike.

    The passkey endpoints (namespace otp_webauthn) check for themselves: they
    verify, or register a first device only for someone who has none."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        from venues import second_factor

        if errors.needs_no_database(view_func):
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        step = second_factor.next_step(user)
        request.second_factor_step = step  # the layout hides the menu meanwhile
        match = request.resolver_match
        exempt = match is not None and (
            match.view_name in SECOND_FACTOR_EXEMPT or match.namespace == "otp_webauthn"
        )
        if step is None or exempt:
            return None
        page = reverse("second_factor_verify" if step == "verify" else "second_factor_setup")
        if request.method == "GET":
            page += "?" + urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
        return redirect(page)
