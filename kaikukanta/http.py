"""Small helpers for views."""

import json
from typing import Any

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
