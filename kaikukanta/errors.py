"""The app's error answers: the 400, 403, 404 and 500 pages, and the one
answer for every request that cannot reach the database (503).

Every page is in the app's own layout and the reader's language, with the
way home and the support contact (settings.SUPPORT_CONTACT); none is
Django's bare English page.

When the database goes away (PostgreSQL restarting, failing over, refusing
connections), the next query anywhere — in a view, a template, the session
middleware — raises django.db's OperationalError or InterfaceError.
`is_database_unavailable` recognises that, and `unavailable_response` answers
it, for every channel alike: 503 with `Retry-After`, as problem JSON
(`unavailable`) to the broker API and to scripts that ask for JSON, as the
desk's own page at the desk (with the way to its offline page), and as the
layout's 503 page everywhere else. One line goes to the log per request,
never a traceback. Three places call it, sharing the recognition:
`kaikukanta.middleware.DatabaseOutageMiddleware` (views and templates),
`server_error` below (errors raised in middleware, e.g. saving the session)
and the broker API's exception handler.
"""

import logging
import sys

from django.contrib.auth.models import AnonymousUser
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.log import log_response
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

log = logging.getLogger(__name__)

# Seconds a client is asked to wait before it tries again. A restart of the
# database takes a few seconds (docs/operations.md).
RETRY_AFTER_SECONDS = 5

# SQLSTATEs that mean there is no database to talk to (PostgreSQL's appendix
# A): classes 08 connection exception, 53 insufficient resources (too many
# connections, disk full) and 58 system error; and the shutdowns of class 57.
# Not lock timeouts, deadlocks or cancelled statements: a recording answers
# the first two `busy` where they happen (usage.services); elsewhere they are
# faults.
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "58")
_UNAVAILABLE_SQLSTATES = {"57P01", "57P02", "57P03"}  # admin/crash shutdown, starting up
# SQLite's primary result codes for a database that cannot be used right now:
# BUSY, LOCKED, IOERR, FULL, CANTOPEN. ("no such table" is a fault, not this.)
_UNAVAILABLE_SQLITE_CODES = {5, 6, 10, 13, 14}


def needs_no_database(view) -> bool:
    """Whether `view` was marked `@no_database`: it answers without the
    database (nor the session), so the outage, the idle clock and the second
    factor's gate leave it alone."""
    return getattr(view, "needs_no_database", False)


def no_database(view):
    """Mark a view that answers without the database, the session or the person."""
    view.needs_no_database = True
    return view


def is_database_unavailable(error: BaseException | None) -> bool:
    """Whether `error` means that the database cannot be reached right now
    (as opposed to a fault in a query)."""
    if isinstance(error, InterfaceError):
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate:
        return sqlstate[:2] in _UNAVAILABLE_SQLSTATE_CLASSES or sqlstate in _UNAVAILABLE_SQLSTATES
    sqlite_code = getattr(cause, "sqlite_errorcode", None)
    if sqlite_code is not None:
        return sqlite_code & 0xFF in _UNAVAILABLE_SQLITE_CODES
    # psycopg's own connection failures ("connection failed: … Connection
    # refused", "server closed the connection unexpectedly", "the connection
    # is closed") carry no SQLSTATE.
    return True


def explain(target: object, message: str) -> None:
    """Say what became of the person's action, should the database go away
    while it is done: the 503 page shows `message`. `target` is the error
    (said by the service that knows how far it got) or the request (said by
    the view, e.g. once the work is safely done). The error's word wins."""
    target.outage_explanation = message  # type: ignore[attr-defined]


def _explanation(request: HttpRequest, error: BaseException | None) -> str:
    return getattr(error, "outage_explanation", "") or getattr(request, "outage_explanation", "")


def _summary(error: BaseException | None) -> str:
    """The error on one line: psycopg's messages run over several."""
    if error is None:
        return "unknown error"
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def _wants_json(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return True
    return request.accepts("application/json") and not request.accepts("text/html")


def unavailable_response(request: HttpRequest, error: BaseException | None = None) -> HttpResponse:
    """503: the register cannot be reached right now. Logged on one line."""
    if _wants_json(request):
        # Imported here: the API's exception handler imports this module.
        from usage.api.problems import UNAVAILABLE_DETAIL, problem_response

        response = problem_response("unavailable", detail=UNAVAILABLE_DETAIL)
    else:
        desk = request.path.startswith(reverse("usage:desk"))
        response = render_error_page(
            request,
            "usage/desk/unavailable.html" if desk else "errors/503.html",
            status=503,
            context={"explanation": _explanation(request, error)},
            database=False,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    log_unavailable(request, response, error)
    return response


def log_unavailable(
    request: HttpRequest, response: HttpResponse, error: BaseException | None
) -> None:
    """One line for a request that could not reach the database, never a
    traceback (an outage would bury the log in them); Django's own line for
    the response is then left out."""
    log_response(
        "database unavailable: %s %s (%s)",
        request.method,
        request.path,
        _summary(error),
        response=response,
        request=request,
        level="warning",
        logger=log,
    )


# ---------------------------------------------------------------------------
# The pages
# ---------------------------------------------------------------------------


def render_error_page(
    request: HttpRequest,
    template: str,
    *,
    status: int,
    context: dict | None = None,
    database: bool = True,
) -> HttpResponse:
    """An error page in the app's layout. With `database=False` the layout asks
    nothing of the database (no menu, no name, no messages): the database may
    be the very thing that failed, and should even the layout fail, a plain
    page says the same in a few words. (With the database, a failure goes on
    to Django's 500 handler, `server_error`, which answers 503 for an outage.)"""
    context = dict(context or {})
    if database:
        return render(request, template, context, status=status)
    request.layout_without_database = True  # type: ignore[attr-defined]
    context.update(user=AnonymousUser(), messages=[])
    try:
        return render(request, template, context, status=status)
    except Exception:
        log.exception("The error page %s could not be rendered", template)
        return _plain_page(status)


_PLAIN_TITLES = {
    400: gettext_lazy("The request could not be understood"),
    403: gettext_lazy("You may not do that"),
    404: gettext_lazy("Page not found"),
    500: gettext_lazy("Something went wrong on our side"),
    503: gettext_lazy("The register cannot be reached right now"),
}


def _plain_page(status: int) -> HttpResponse:
    title = escape(str(_PLAIN_TITLES.get(status, _PLAIN_TITLES[500])))
    home = escape(_("Back to the front page"))
    body = (
        f'<!doctype html><html lang="{escape(get_language() or "fi")}"><meta charset="utf-8">'
        f"<title>{title} · Kaikukanta</title><h1>{title}</h1>"
        f'<p><a href="/">{home}</a></p></html>'
    )
    return HttpResponse(body, status=status)


# The handlers of kaikukanta.urls (handler400 …) and settings.CSRF_FAILURE_VIEW.


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, "errors/400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, "errors/403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render_error_page(request, "errors/404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the error was the database going away (raised where the
    middleware cannot see it, e.g. while the session is saved)."""
    error = sys.exc_info()[1]
    if is_database_unavailable(error):
        return unavailable_response(request, error)
    return render_error_page(request, "errors/500.html", status=500, database=False)


@requires_csrf_token
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent from a page that had gone stale (or without cookies)."""
    return render_error_page(request, "errors/403_csrf.html", status=403)
