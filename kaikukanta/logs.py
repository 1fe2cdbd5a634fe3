"""Structured logs: one JSON line per request, and JSON for everything else
when LOG_FORMAT=json (the default in production).

A request's line says what ran (the view's name and its URL pattern, never the
path itself: `/api/v1/cards/TRE-1000` would put a card ID in the log), how it
ended (status), how long it took, and the role of whoever asked. It never holds
a card ID, a query string or a request body. Django's own "Not Found: /path"
warnings are rewritten the same way (`RedactPaths`).
"""

import datetime
import json
import logging
import time
from collections.abc import Callable

from django.contrib.auth.signals import user_logged_in
from django.db import DatabaseError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

from kaikukanta import metrics

REQUEST_LOG = logging.getLogger("kaikukanta.requests")

# Stored in the session at login, so that the request log names the role
# without a query per request.
SESSION_ROLE = "log_role"
# Most far-reaching first: a person with several roles is logged as the first.
ROLE_ORDER = ("national_admin", "coordinator", "venue_contact", "distributor", "cashier")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, and the
    record's `fields` (the request log's) when it has them."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.datetime.fromtimestamp(record.created, datetime.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def redacted_path(request: HttpRequest | None) -> str:
    """What a log may say of a request's address: the URL pattern it matched."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "(no matching URL)"
    return "/" + match.route


class RedactPaths(logging.Filter):
    """Django logs "Not Found: /api/v1/cards/TRE-1000" for every 4xx and 5xx
    (django.request), so do our outage lines (kaikukanta.errors), and runserver
    every request (django.server): a request's path among a record's arguments
    is replaced with its URL pattern before the record is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        path = getattr(request, "path", None)
        if path is not None and isinstance(record.args, tuple):
            record.args = tuple(
                redacted_path(request) if arg == path else arg for arg in record.args
            )
        if record.name == "django.server":
            record.msg, record.args = (
                "%s %s",
                (
                    getattr(record, "status_code", ""),
                    "(request line withheld)",
                ),
            )
        return True


def role_of(request: HttpRequest) -> str:
    """The role of whoever made the request, as cheaply as it can be known and
    without ever querying for it: a broker's token (set by the API's
    authentication), the role noted in the session at login, "anonymous", or
    "unknown" when the request never loaded its user (or the database was away)."""
    if hasattr(request, "log_role"):
        return request.log_role  # type: ignore[attr-defined]
    user = request.__dict__.get("_cached_user")  # only if the request already loaded it
    if user is None:
        return "unknown" if _has_session(request) else "anonymous"
    # The API sets request.user to None for a request without a token.
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    try:
        role = request.session.get(SESSION_ROLE)  # loaded with the user already
        if role is None:  # a session from before the role was noted at login
            role = primary_role(user)
    except DatabaseError:
        return "unknown"
    return role


def _has_session(request: HttpRequest) -> bool:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME in request.COOKIES


def primary_role(user) -> str:
    from kaikukanta import access

    held = access.roles(user)
    return next((role for role in ROLE_ORDER if role in held), "none")


@receiver(user_logged_in)
def _note_role(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_ROLE] = primary_role(user)


def request_log(get_response: Callable[[HttpRequest], HttpResponse]):
    """Outermost middleware: times the whole request, logs one line and feeds
    the request-duration histogram (in memory: no query, no I/O)."""

    def middleware(request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = get_response(request)
        duration = time.perf_counter() - started
        match = request.resolver_match
        view = match.view_name if match else "(unmatched)"
        metrics.request_finished(view, response.status_code, duration)
        REQUEST_LOG.info(
            "request",
            extra={
                "fields": {
                    "method": request.method,
                    "view": view,
                    "route": redacted_path(request),
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 2),
                    "role": role_of(request),
                }
            },
        )
        return response

    return middleware
