"""RFC 9457 problem details for every error the API answers, with the stable
machine-readable `code` of API.md.

`PROBLEMS` is the list of codes: their HTTP status and title. The recording
service's refusals map onto it (`refusal_problem`); DRF's own errors (parse
errors, 401, 404, 405, 415, throttling) go through `exception_handler`, so
that a client never sees an error in another shape."""

import json
import logging
import math
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from kaikukanta import errors
from usage.services import RedemptionRefused

log = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"

# code → (status, title)
PROBLEMS: dict[str, tuple[int, Any]] = {
    "invalid": (400, _("The request is not valid")),
    "unauthenticated": (401, _("A valid API token is needed")),
    "permission_denied": (403, _("Not allowed")),
    "not_found": (404, _("Not found")),
    "card_unknown": (404, _("No registered card with this ID")),
    "offering_not_at_site": (404, _("The offering is not one of this site's")),
    "method_not_allowed": (405, _("Method not allowed")),
    "not_acceptable": (406, _("Not acceptable")),
    "card_expired": (409, _("The card is not valid on the date of use")),
    "card_not_yet_valid": (409, _("The card was registered only after the date of use")),
    "card_closed": (409, _("The card is closed")),
    "children_not_allowed": (409, _("No children's tickets on a course")),
    "too_many_children": (409, _("More children than the card allows")),
    "already_recorded": (409, _("Already recorded")),
    "cap_reached": (409, _("The Kaikukortti cap would be exceeded")),
    "offering_excluded": (409, _("The offering is excluded from Kaikukortti")),
    "payload_too_large": (413, _("The request body is too large")),
    "unsupported_media_type": (415, _("Send the body as application/json")),
    "idempotency_mismatch": (422, _("The Idempotency-Key was used with another body")),
    "rate_limited": (429, _("Too many requests")),
    "server_error": (500, _("Server error")),
    "busy": (503, _("The register is busy")),
    "unavailable": (503, _("The register cannot be reached right now")),
}

# The detail of `unavailable`, for every request that cannot reach the database.
UNAVAILABLE_DETAIL = _(
    "The register cannot reach its database right now. Send the request again after "
    "Retry-After seconds; a recording sent again with the same Idempotency-Key is "
    "recorded exactly once."
)

# Refusals of the recording service that are about one field of the request:
# they answer 400 `invalid` with `errors` naming that field.
INVALID_FIELD = {
    "card_id_malformed": "card_id",
    "children_invalid": "children",
    "offering_required": "offering_id",
    "offering_not_on_date": "offering_id",
    "date_not_kept": "date",
}

# DRF's exceptions → our codes.
_DRF_CODES: list[tuple[type[exceptions.APIException], str]] = [
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "invalid"),
    (exceptions.NotAuthenticated, "unauthenticated"),
    (exceptions.AuthenticationFailed, "unauthenticated"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "rate_limited"),
]


def problem_type(code: str) -> str:
    """The problem's `type`: a URI reference that answers with the code's description."""
    return reverse("api:problem", args=[code])


class Problem(exceptions.APIException):
    """An error answered as problem JSON. `extra` adds members (`errors`,
    `remaining`, …); `headers` adds response headers (`Retry-After`)."""

    def __init__(
        self,
        code: str,
        detail: Any = None,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        self.status_code, self.title = PROBLEMS[code]
        self.problem_code = code
        self.extra = extra
        self.headers = headers or {}
        super().__init__(detail=detail or self.title, code=code)

    def response(self) -> HttpResponse:
        return problem_response(
            self.problem_code, detail=self.detail, headers=self.headers, **self.extra
        )


def problem_response(
    code: str, *, detail: Any = None, headers: dict[str, str] | None = None, **extra: Any
) -> HttpResponse:
    status, title = PROBLEMS[code]
    body = {
        "type": problem_type(code),
        "title": str(title),
        "status": status,
        "detail": str(detail or title),
        "code": code,
        **extra,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=PROBLEM_CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# A body the API accepts: a recording is ~150 bytes; a void's reason at most 300
# characters. Anything larger is refused before it is read.
MAX_BODY_BYTES = 64 * 1024


def payload_too_large() -> Problem:
    return Problem(
        "payload_too_large",
        _("The request body is larger than the API accepts (%(kb)d KB).")
        % {"kb": MAX_BODY_BYTES // 1024},
    )


def invalid(errors: dict[str, list[str]]) -> Problem:
    return Problem(
        "invalid", _("The request is not valid: see `errors` for each field."), errors=errors
    )


def refusal_problem(refusal: RedemptionRefused) -> Problem:
    """The problem for a refusal of the recording service."""
    if refusal.code in INVALID_FIELD:
        return invalid({INVALID_FIELD[refusal.code]: [refusal.message]})
    extra: dict[str, Any] = {}
    headers = {}
    if refusal.code == "cap_reached":
        extra["remaining"] = refusal.remaining or 0
    if refusal.code == "already_recorded" and refusal.redemption is not None:
        extra["redemption_id"] = refusal.redemption.pk
    if refusal.code == "busy":
        headers["Retry-After"] = "1"
    return Problem(refusal.code, refusal.message, headers=headers, **extra)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's error detail (dicts and lists, nested) as field → messages."""
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = "body" if key == "non_field_errors" else str(key)
            errors.update(_flatten(value, f"{prefix}.{name}" if prefix else name))
        return errors
    if isinstance(detail, list) and any(isinstance(item, dict | list) for item in detail):
        errors = {}
        for index, item in enumerate(detail):
            errors.update(_flatten(item, f"{prefix}.{index}" if prefix else str(index)))
        return errors
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "body": [str(item) for item in items]}


def exception_handler(exc: Exception, context: dict) -> HttpResponse | None:
    """DRF's EXCEPTION_HANDLER: every error as problem JSON."""
    if errors.is_database_unavailable(exc):
        # 503 `unavailable` with Retry-After, logged on one line: the answer of
        # every channel when the database cannot be reached (kaikukanta.errors).
        request = context["request"]
        return errors.unavailable_response(getattr(request, "_request", request), exc)
    if isinstance(exc, Problem):
        return exc.response()
    if isinstance(exc, RedemptionRefused):
        return refusal_problem(exc).response()
    if isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        return payload_too_large().response()
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        if settings.DEBUG:
            return None  # Django's debug page shows the traceback
        log.exception("Unexpected error in the broker API", exc_info=exc)
        return problem_response("server_error")
    code = next((code for cls, code in _DRF_CODES if isinstance(exc, cls)), None)
    headers: dict[str, str] = {}
    if code is None:
        # Another APIException: keep its status under the closest code.
        code = "server_error" if exc.status_code >= 500 else "invalid"
    if code == "invalid":
        field = "body" if isinstance(exc, exceptions.ParseError) else ""
        return invalid(_flatten(exc.detail, field)).response()
    if code == "unauthenticated" and getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if code == "rate_limited":
        wait = getattr(exc, "wait", None) or 1
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(code, detail=detail, headers=headers)
