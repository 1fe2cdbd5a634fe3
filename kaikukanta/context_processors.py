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
    # A session that still owes its second factor gets no menu: it may go nowhere yet.
    signed_in = bool(user is not None and user.is_authenticated)
    fully_in = signed_in and not getattr(request, "second_factor_step", None)
    main_menu = menu_for(user) if fully_in else []
    may_use_admin = bool(fully_in and access.may_use_admin(user))
    return {
        "text_size": text_size(request),
        "text_sizes": TEXT_SIZES,
        "main_menu": main_menu,
        "support_contact": settings.SUPPORT_CONTACT,
        "may_use_admin": may_use_admin,
        "fully_signed_in": fully_in,
        # Whether the header has a menu at all (links, or the person and Log
        # out): without one, a narrow screen shows no menu button to open nothing.
        "has_menu": bool(main_menu or may_use_admin or signed_in),
    }
