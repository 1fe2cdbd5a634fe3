"""The second factor in a real browser: a passkey made and used with Chromium's
virtual authenticator (over the DevTools protocol), the code page used with the
keyboard alone, and the lockout page; each passes axe with no console or CSP error."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from tests import logins
from tests.e2e.axe import axe_violations, describe
from tests.e2e.watch import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def unverified_session(page, live_server_url: str, user) -> None:
    """A session after the password, before the second factor."""
    client = logins.log_in(Client(), user, verified=False)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server_url}]
    )


def virtual_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def assert_clean(page, watched: Visit, status: int = 200) -> None:
    # The browser reports a page answered with an error status as a console error.
    expected = f"the server responded with a status of {status}"
    problems = [p for p in watched.problems() if expected not in p]
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert problems == []


@pytest.fixture
def passkeys_here(settings, live_server):
    """Passkeys belong to a host name: the live server's (localhost)."""
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_server.url]
    assert live_server.url.startswith("http://localhost:")


def test_a_coordinator_creates_a_passkey_at_the_first_login_and_logs_in_with_it(
    page, live_server, net, passkeys_here
):
    watched = Visit(page, live_server.url)
    virtual_authenticator(page)
    unverified_session(page, live_server.url, net.coordinator)

    page.goto(live_server.url + reverse("admin:index"))
    assert reverse("second_factor_setup") in page.url
    assert_clean(page, watched)
    page.get_by_role("button", name="Create a passkey").click()
    page.wait_for_url("**" + reverse("second_factor_recovery_codes") + "**")
    assert page.locator(".recovery-codes li").count() == 10
    assert WebAuthnCredential.objects.filter(user=net.coordinator).count() == 1

    # Log in again: the password, then the passkey.
    unverified_session(page, live_server.url, net.coordinator)
    page.goto(live_server.url + reverse("admin:index"))
    assert reverse("second_factor_verify") in page.url
    assert_clean(page, watched)
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url(live_server.url + reverse("admin:index"))
    assert page.get_by_role("heading", level=1).count() >= 1
    assert watched.problems() == []


def test_the_code_page_works_with_the_keyboard_alone(page, live_server, net):
    device = TOTPDevice.objects.create(user=net.coordinator, name="phone", confirmed=True)
    watched = Visit(page, live_server.url)
    unverified_session(page, live_server.url, net.coordinator)
    page.goto(live_server.url + reverse("venues:area", args=[net.area_a.pk]))
    assert reverse("second_factor_verify") in page.url
    assert_clean(page, watched)

    for _ in range(30):  # from the top of the page to the code field
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.name") == "code":
            break
    page.keyboard.type(f"{TOTP(device.bin_key).token():06d}")
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url + reverse("venues:area", args=[net.area_a.pk]))


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_lockout_page_says_when_to_try_again(page, live_server, net, settings, language):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 2
    watched = Visit(page, live_server.url)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    for _ in range(3):
        page.goto(live_server.url + reverse("login"))
        page.locator("input[name=username]").fill(net.cashier.email)
        page.locator("input[name=password]").fill("wrong password")
        page.locator("form button[type=submit]").last.click()
    text = page.locator("main").inner_text()
    assert {"fi": "Voit yrittää uudelleen", "sv": "Du kan försöka igen", "en": "try again at"}[
        language
    ] in text
    assert_clean(page, watched, status=429)
