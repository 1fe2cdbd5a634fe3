"""Sessions: a staff session ends after SESSION_IDLE_TIMEOUT idle seconds, and
every session of a person ends when their password changes (except the one
that changed it)."""

import time

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client, override_settings
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from kaikukanta.middleware import IdleTimeoutMiddleware

pytestmark = pytest.mark.django_db


def password_login(user, password="secret-password") -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": password})
    assert response.status_code == 302
    return client


def idle_for(client: Client, seconds: int) -> None:
    session = client.session
    session[IdleTimeoutMiddleware.KEY] = int(time.time()) - seconds
    session.save()


@override_settings(SESSION_IDLE_TIMEOUT=8 * 3600)
def test_a_session_idle_for_more_than_eight_hours_ends(net):
    client = password_login(net.cashier)
    idle_for(client, 8 * 3600 + 60)
    response = client.get(reverse("usage:desk"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


@override_settings(SESSION_IDLE_TIMEOUT=8 * 3600)
def test_activity_keeps_the_session_alive(net):
    client = password_login(net.cashier)
    idle_for(client, 7 * 3600)
    assert client.get(reverse("usage:desk")).status_code == 200
    # That request counted as activity: the clock starts again.
    assert time.time() - client.session[IdleTimeoutMiddleware.KEY] < 60
    assert client.session.get_expiry_age() == 8 * 3600


@override_settings(SESSION_IDLE_TIMEOUT=600)
def test_the_timeout_is_a_setting(net):
    client = password_login(net.cashier)
    idle_for(client, 601)
    assert client.get(reverse("usage:desk")).status_code == 302


def test_changing_the_password_ends_the_persons_other_sessions(net):
    office = password_login(net.cashier)
    phone = password_login(net.cashier)
    assert phone.get(reverse("usage:desk")).status_code == 200

    response = office.post(
        reverse("password_change"),
        {
            "old_password": "secret-password",
            "new_password1": "A-new-long-passw0rd",
            "new_password2": "A-new-long-passw0rd",
        },
    )
    assert response.status_code == 302
    assert office.get(reverse("usage:desk")).status_code == 200  # the one that changed it
    logged_out = phone.get(reverse("usage:desk"))
    assert logged_out.status_code == 302 and logged_out["Location"].startswith(reverse("login"))


def test_a_password_reset_ends_every_session(net):
    desk = password_login(net.cashier)
    net.cashier.refresh_from_db()  # the token covers the last login
    uid = urlsafe_base64_encode(force_bytes(net.cashier.pk))
    token = default_token_generator.make_token(net.cashier)
    anonymous = Client()
    form = anonymous.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)
    anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "A-new-long-passw0rd", "new_password2": "A-new-long-passw0rd"},
    )
    assert desk.get(reverse("usage:desk")).status_code == 302
