"""Small helpers for views."""

from django.http import HttpRequest, QueryDict


def posted(request: HttpRequest) -> QueryDict | None:
    """The POST data to bind a form to, or None on GET. Unlike `request.POST or
    None`, an empty POST is still a submission, so the form shows its errors."""
    return request.POST if request.method == "POST" else None
