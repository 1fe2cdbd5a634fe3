"""Logging in by email, each role's home page, and the lockout."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from tests.logins import mark_verified

pytestmark = pytest.mark.django_db

HOMES = {
    "cashier": lambda n: reverse("usage:desk"),
    "venue_contact": lambda n: reverse("venues:site", args=[n.venue_a.pk]),
    "distributor": lambda n: reverse("usage:cards", args=[n.dist_a.pk]),
    "coordinator": lambda n: reverse("venues:area", args=[n.area_a.pk]),
    "national_admin": lambda n: reverse("venues:national"),
    "outsider": lambda n: reverse("no_access"),
}


@pytest.mark.parametrize("persona", HOMES)
def test_after_login_each_role_lands_on_its_home_page(net, persona):
    client = Client()
    user = getattr(net, persona)
    response = client.post(
        reverse("login"), {"username": user.email.upper(), "password": "secret-password"}
    )
    assert response.status_code == 302
    home = client.get(response["Location"])
    assert home.status_code == 302
    if persona in ("coordinator", "national_admin"):
        # First the second factor (tests/venues/test_second_factor.py), then home.
        assert home["Location"].startswith(reverse("second_factor_setup"))
        mark_verified(client, user)
        home = client.get(response["Location"])
    assert home["Location"] == HOMES[persona](net)
    assert client.get(home["Location"]).status_code == 200


def test_a_wrong_password_is_refused_with_a_message(net):
    response = Client().post(reverse("login"), {"username": net.cashier.email, "password": "x"})
    assert response.status_code == 200
    assert response.context["form"].errors


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_login_for_a_while(net):
    client = Client()
    for _ in range(3):
        client.post(reverse("login"), {"username": net.cashier.email, "password": "wrong"})
    response = client.post(
        reverse("login"), {"username": net.cashier.email, "password": "secret-password"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def _has_menu_button(page) -> bool:
    return 'class="navbar-toggler"' in page.content.decode()


def test_the_login_page_has_no_menu_button_to_open_nothing(net):
    # Signed out, the header has no menu: on a phone, no button that opens an empty one.
    assert not _has_menu_button(Client().get(reverse("login")))
    assert not _has_menu_button(Client().get(reverse("stats:public")))


@pytest.mark.parametrize("persona", ["cashier", "outsider"])
def test_a_signed_in_person_has_the_menu_button(net, client_for, persona):
    # The outsider has no links, but the menu holds their name and Log out.
    page = client_for(persona).get(HOMES[persona](net), HTTP_ACCEPT_LANGUAGE="en")
    assert _has_menu_button(page)
    assert "Log out" in page.content.decode()
