"""The error pages served in production (DEBUG off, as in these tests): 400,
403, 404 and 500 in the app's own layout and the reader's language, with the
way home and the support contact — never Django's bare English pages."""

import pytest
from django.test import Client
from django.urls import reverse

from kaikukanta import errors

SUPPORT = "tuki@kaikukeskus.fi"  # settings.SUPPORT_CONTACT's email unless SUPPORT_EMAIL is set


def page(response, status: int) -> str:
    assert response.status_code == status, response.status_code
    html = response.content.decode()
    assert 'class="navbar-brand fw-bold" href="/"' in html  # the app's own layout
    assert f'href="{reverse("home")}"' in html  # the way home
    assert f'href="mailto:{SUPPORT}"' in html
    return html


@pytest.mark.parametrize(
    ("language", "title"),
    [("fi", "Sivua ei löydy"), ("sv", "Sidan hittades inte"), ("en", "Page not found")],
)
def test_404_is_in_the_layout_and_the_readers_language(db, language, title):
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/no-such-page/")

    html = page(response, 404)
    assert f'<html lang="{language}"' in html
    assert f'<h1 class="h2">{title}</h1>' in html
    assert "Not Found" not in html


def test_404_shows_a_signed_in_persons_menu(client_for, net):
    html = page(client_for("cashier").get("/no-such-page/"), 404)

    assert f'href="{reverse("usage:desk")}"' in html


def test_the_support_contact_is_a_setting(db, settings):
    settings.SUPPORT_CONTACT = {**settings.SUPPORT_CONTACT, "email": "apu@example.fi"}

    html = Client().get("/no-such-page/").content.decode()

    assert 'href="mailto:apu@example.fi"' in html


def test_403_when_a_page_is_not_open_to_the_person(client_for, net):
    coordinator = client_for("coordinator")

    response = coordinator.get(reverse("admin:venues_area_add"), HTTP_ACCEPT_LANGUAGE="en")

    html = page(response, 403)
    assert "You may not do that" in html


def test_403_for_a_form_from_a_stale_page_says_to_reload_it(db):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="sv")

    response = client.post(reverse("set_text_size"), {"size": "large"})

    html = page(response, 403)
    assert '<html lang="sv"' in html
    assert "Formuläret hade gått ut" in html
    assert "CSRF" not in html


def test_400_for_a_request_to_another_host(db):
    response = Client(HTTP_HOST="elsewhere.example").get("/", HTTP_ACCEPT_LANGUAGE="en")

    html = page(response, 400)
    assert "The request could not be understood" in html


@pytest.fixture
def failing_home(monkeypatch):
    """The home page raises a fault of the code (not of the database)."""

    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("kaikukanta.views.home_url", broken)


def test_500_is_in_the_layout_and_language_without_the_menu(net, failing_home):
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="sv")
    client.force_login(net.cashier)

    response = client.get(reverse("home"))

    html = page(response, 500)
    assert "Något gick fel hos oss" in html
    # No menu and no name: the 500 page must not depend on what may have failed.
    assert net.cashier.get_full_name() not in html
    assert f'href="{reverse("usage:desk")}"' not in html


def test_500_falls_back_to_a_plain_page_when_even_the_layout_fails(net, failing_home, monkeypatch):
    def broken_render(*args, **kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr(errors, "render", broken_render)
    client = Client(raise_request_exception=False)
    client.force_login(net.cashier)

    response = client.get(reverse("home"))

    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="fi">' in html
    assert "Jotain meni vikaan meidän päässämme" in html
    assert 'href="/"' in html


def test_a_500_is_still_logged_with_its_traceback(net, failing_home, caplog):
    client = Client(raise_request_exception=False)
    client.force_login(net.cashier)

    client.get(reverse("home"))

    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelname == "ERROR" and record.exc_info is not None
