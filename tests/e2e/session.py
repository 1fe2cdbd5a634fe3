"""Logging a persona in to the live server without typing a password: a test
client makes the session, and the browser gets its cookie."""

from django.conf import settings
from django.test import Client
from playwright.sync_api import Page

from tests import logins


def log_in(page: Page, live_server_url: str, user) -> None:
    """The person's session (with its second factor verified, for those who need one)."""
    client = logins.log_in(Client(), user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server_url,
            }
        ]
    )
