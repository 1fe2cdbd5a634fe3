"""Finnish is the default language; Swedish and English are complete."""

import pytest
from django.test import Client
from django.urls import reverse

from tests import i18n

pytestmark = pytest.mark.django_db


def test_every_string_of_the_code_is_in_the_catalogs():
    fresh = i18n.extracted_msgids()
    for (language, domain), extracted in fresh.items():
        committed = i18n.msgids(i18n.catalog_path(i18n.ROOT, language, domain))
        missing = sorted(msgid for _ctx, msgid in extracted - committed)
        stale = sorted(msgid for _ctx, msgid in committed - extracted)
        assert not missing, f"{language}/{domain}: run scripts/update-messages: {missing[:10]}"
        assert not stale, f"{language}/{domain}: run scripts/update-messages: {stale[:10]}"


@pytest.mark.parametrize("language", i18n.LANGUAGES)
def test_every_string_is_translated(language):
    for domain in i18n.DOMAINS:
        missing = i18n.untranslated(i18n.catalog_path(i18n.ROOT, language, domain))
        assert not missing, f"{len(missing)} untranslated in {language}/{domain}: {missing[:10]}"


@pytest.mark.parametrize(
    ("language", "heading", "button"),
    [
        ("fi", "Kirjaudu Kaikukantaan", 'lang="fi"'),
        ("sv", "Logga in i Kaikukanta", 'lang="sv"'),
        ("en", "Log in to Kaikukanta", 'lang="en"'),
    ],
)
def test_the_login_page_speaks_each_language(language, heading, button):
    client = Client(headers={"accept-language": language})
    page = client.get(reverse("login")).content.decode()
    assert heading in page
    assert f"<html {button}" in page


def test_finnish_is_the_default_language():
    page = Client().get(reverse("login")).content.decode()
    assert '<html lang="fi"' in page
    assert "Kirjaudu Kaikukantaan" in page


def test_the_language_switcher_remembers_the_choice(net):
    client = Client()
    client.post(reverse("set_language"), {"language": "sv", "next": "/"})
    assert '<html lang="sv"' in client.get(reverse("login")).content.decode()
