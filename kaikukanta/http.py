"""Small helpers for views."""

import ipaddress
import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, or None on GET. Unlike `request.POST or
    None`, an empty POST is still a submission, so the form shows its errors."""
    return request.POST if request.method == "POST" else None


def json_body(data: bytes) -> Any:
    """A request body parsed as JSON, or ValueError: malformed, not UTF-8, or
    nested deeper than the parser's recursion limit (JSON nested 100,000 deep
    is a few hundred kilobytes, and would otherwise end in a RecursionError)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("The JSON is nested too deeply.") from None


def client_ip(request: HttpRequest) -> str:
    """The client's address, for login throttling and rate limits.

    Without a proxy (TRUSTED_PROXY_COUNT = 0) it is the connection's address;
    X-Forwarded-For is ignored, since any client can send it. Behind N trusted
    proxies, each of which appends the address it saw, the client is the Nth
    address from the right: whatever a client put to the left of it is ignored.
    A header with fewer addresses than that did not pass through all the
    proxies, so the connection's address counts."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    candidate = forwarded[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
