"""Response headers that every page gets, and the answer when the database
cannot be reached."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
    """A view (or the template it renders) that cannot reach the database
    answers 503 in the reader's language (kaikukanta.errors), instead of a
    500 with a traceback. Errors raised in other middleware reach
    `errors.server_error`, which answers them alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if errors.is_database_unavailable(exception):
            return errors.unavailable_response(request, exception)
        return None
