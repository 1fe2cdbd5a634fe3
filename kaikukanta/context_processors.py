"""What every page's layout needs: the reader's text size, the menu for their
roles, and the national support contact."""

from django.conf import settings
from django.http import HttpRequest

from kaikukanta import access
from kaikukanta.navigation import menu_for

TEXT_SIZES = ("normal", "large", "larger")
TEXT_SIZE_COOKIE = "text_size"


def text_size(request: HttpRequest) -> str:
    size = request.COOKIES.get(TEXT_SIZE_COOKIE, "normal")
    return size if size in TEXT_SIZES else "normal"


def layout(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if getattr(request, "layout_without_database", False):
        user = None  # an error page that must not ask the database (kaikukanta.errors)
    menu = menu_for(user) if user is not None and user.is_authenticated else []
    return {
        "text_size": text_size(request),
        "text_sizes": TEXT_SIZES,
        "main_menu": menu,
        "support_contact": settings.SUPPORT_CONTACT,
        "may_use_admin": bool(user and access.may_use_admin(user)),
    }
