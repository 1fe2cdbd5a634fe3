"""Django admin text that Django itself leaves in English in Finnish or Swedish.

Our catalogs (locale/, first in LOCALE_PATHS) override Django's, so a string
Django's Finnish catalog lacks is translated in ours. Its msgid must be Django's
exactly, and makemessages only keeps what it finds in our sources: hence the
strings below, marked for extraction (gettext_noop) and never used here.
scripts/update-messages keeps them; tests/kaikukanta/test_admin_language.py
renders the admin in fi and sv and finds none of them in English."""

from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_noop

DJANGO_ADMIN_TEXT = (
    # admin/app_list.html: the screen-reader headers of the models' table.
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    # admin/auth/user/add_form.html.
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
)


def boolean_icon(field_val: bool | None) -> SafeString:
    """Django's yes/no icon in lists and read-only fields, with its alt text in the
    reader's language: Django writes the Python value ("True", "False", "None")."""
    icon = {True: "yes", False: "no", None: "unknown"}[field_val]
    alt = {True: gettext("Yes"), False: gettext("No"), None: gettext("Unknown")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), alt)


def install() -> None:
    """Put `boolean_icon` in place of Django's (kaikukanta.apps, at start-up). Django's
    callers import `_boolean_icon` from admin_list each time they draw one."""
    admin_list._boolean_icon = boolean_icon
