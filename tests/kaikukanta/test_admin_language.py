"""The admin in Finnish and Swedish has no English left in it: Django's own
catalogs miss a few of its admin strings (kaikukanta/admin_i18n.py), and a few
it never translates (the yes/no icons' and the search magnifier's alt text)."""

import pytest
from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.logins import log_in
from usage import brokers
from usage.models import Broker

# English that Django's admin shows in a Finnish or Swedish page unless we
# translate it ourselves, and the empty boxes a venue contact person used to get.
KNOWN_ENGLISH = [
    ">Model name<",
    ">Add link<",
    ">Change or view list link<",
    "After you’ve created a user, you’ll be able to edit more user options.",
    'alt="Search"',
    'alt="True"',
    'alt="False"',
    'alt="None"',
    "permission to view or edit anything",
]


@pytest.fixture
def broker(net):
    broker = Broker.objects.create(name="Demolippu Oy", area=net.area_a)
    broker.sites.add(net.venue_a)
    brokers.create_token(broker=broker, label="box office", created_by=net.coordinator)
    return broker


def pages(net, broker) -> dict[str, list[str]]:
    return {
        "venue_contact": [
            reverse("admin:index"),
            reverse("admin:stats_reports"),
            reverse("admin:stats_site", args=[net.venue_a.pk]),
        ],
        "coordinator": [
            reverse("admin:index"),
            reverse("admin:stats_area", args=[net.area_a.pk]),
            reverse("admin:venues_site_changelist"),
            reverse("admin:venues_site_change", args=[net.venue_a.pk]),
            reverse("admin:venues_site_add"),
            reverse("admin:venues_user_changelist"),
            reverse("admin:venues_user_change", args=[net.venue_contact.pk]),
            reverse("admin:venues_membership_add"),
            reverse("admin:usage_broker_changelist"),
            reverse("admin:usage_broker_change", args=[broker.pk]),
        ],
        "national_admin": [
            reverse("admin:index"),
            reverse("admin:stats_national"),
            reverse("admin:venues_area_changelist"),
            reverse("admin:venues_area_change", args=[net.area_a.pk]),
            reverse("admin:venues_user_add"),
            reverse("admin:venues_user_changelist"),
            reverse("admin:usage_broker_add"),
        ],
    }


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_admin_pages_in_finnish_and_swedish_have_no_known_english(net, broker, client, language):
    found = []
    for persona, urls in pages(net, broker).items():
        log_in(client, getattr(net, persona))
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (persona, url)
            html = response.content.decode()
            assert f'<html lang="{language}"' in html, (persona, url)
            found += [f"{persona} {url}: {text}" for text in KNOWN_ENGLISH if text in html]
        client.logout()

    assert found == []


@pytest.mark.parametrize(
    ("language", "model_name", "yes", "search"),
    [("fi", "Tietotyyppi", "Kyllä", "Hae"), ("sv", "Modellens namn", "Ja", "Sök")],
)
def test_the_strings_django_leaves_in_english_are_translated(
    net, client, language, model_name, yes, search
):
    log_in(client, net.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    index = client.get(reverse("admin:index")).content.decode()
    people = client.get(reverse("admin:venues_user_changelist")).content.decode()

    assert f'<th scope="col">{model_name}</th>' in index
    assert f'alt="{yes}"' in people
    assert f'alt="{search}"' in people


def test_a_venue_contact_person_sees_their_reports_and_no_empty_box(net, client):
    log_in(client, net.venue_contact)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    index = client.get(reverse("admin:index")).content.decode()
    report = client.get(reverse("admin:stats_site", args=[net.venue_a.pk])).content.decode()

    assert "Recent actions" not in index
    assert net.venue_a.name in index
    sidebar = report.split('id="nav-sidebar"', 1)[1].split("</nav>", 1)[0]
    assert reverse("admin:stats_site", args=[net.venue_a.pk]) in sidebar
    assert "permission" not in sidebar
    # The app's header: its menu, language and text size.
    assert 'id="language-select"' in report
    assert 'name="size" value="large"' in report
    assert reverse("venues:site", args=[net.venue_a.pk]) in report


def test_recent_actions_show_for_someone_who_has_some(net, client):
    log_in(client, net.coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Recent actions" not in client.get(reverse("admin:index")).content.decode()

    LogEntry.objects.create(
        user=net.coordinator,
        content_type=ContentType.objects.get_for_model(net.venue_a),
        object_id=str(net.venue_a.pk),
        object_repr=str(net.venue_a),
        action_flag=CHANGE,
    )
    index = client.get(reverse("admin:index")).content.decode()

    assert "Recent actions" in index
    assert reverse("admin:venues_site_change", args=[net.venue_a.pk]) in index
