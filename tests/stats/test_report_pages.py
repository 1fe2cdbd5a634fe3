"""The report pages as a user meets them: the filters in the query string, the
links between reports, and the demo's people finding their reports."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse

from tests.logins import log_in
from tests.stats.test_exports import number, page_tables
from venues.models import User


def key_figures(response) -> dict[str, int]:
    html = response.content.decode()
    figures = {}
    for chunk in html.split("<dt>")[1:]:
        label, rest = chunk.split("</dt>", 1)
        figures[label] = number(rest.split("<dd>", 1)[1].split("</dd>", 1)[0])
    return figures


@pytest.mark.parametrize(
    ("query", "uses"),
    [
        ("period=year&year=2025", 8),
        ("period=year&year=2024", 1),
        ("period=quarter&year=2025&quarter=1", 6),
        ("period=month&year=2025&month=3", 5),
        ("period=custom&start=2024-12-01&end=2025-02-01", 2),
        ("period=year&year=2025&sector=culture", 4),
        ("period=year&year=2025&kind=admission", 3),
        ("period=year&year=2025&channel=desk", 5),
        ("period=year&year=2025&channel=api", 1),
    ],
)
def test_the_filters_in_the_query_string_change_the_figures(net, usage, client_for, query, uses):
    page = client_for("venue_contact").get(
        reverse("admin:stats_site", args=[net.venue_a.pk]) + "?" + query
    )
    assert page.status_code == 200
    assert key_figures(page)["Uses (holders&#x27; tickets)"] == uses


def test_an_invalid_filter_shows_an_error_and_the_default_figures(net, usage, client_for):
    page = client_for("venue_contact").get(
        reverse("admin:stats_site", args=[net.venue_a.pk])
        + "?period=custom&start=2025-05-01&end=2025-01-01"
    )
    assert page.status_code == 200
    assert "The range ends before it starts." in page.content.decode()


def test_a_site_outside_the_area_is_not_a_filter_choice(net, usage, client_for):
    client = client_for("coordinator")
    url = reverse("admin:stats_area", args=[net.area_a.pk])
    page = client.get(url + f"?period=year&year=2025&site={net.venue_b.pk}")
    html = page.content.decode()
    assert "errorlist" in html  # not one of the choices
    assert "Konsertti B" not in html  # venue B's offering is not shown
    filtered = client.get(url + f"?period=year&year=2025&site={net.venue_a2.pk}")
    assert key_figures(filtered)["Uses (holders&#x27; tickets)"] == 2


def test_area_rows_link_to_the_site_reports_with_the_same_filters(net, usage, client_for):
    page = client_for("coordinator").get(
        reverse("admin:stats_area", args=[net.area_a.pk]) + "?period=year&year=2025"
    )
    site_url = reverse("admin:stats_site", args=[net.venue_a.pk])
    assert f'href="{site_url}?period=year&amp;year=2025"' in page.content.decode()
    tables = page_tables(page.content.decode())
    assert [row[0] for row in tables["Uses by venue site"][1:-1]] == ["Venue A", "Venue A2"]


@pytest.mark.django_db
def test_every_demo_role_finds_its_report_at_admin_and_downloads_it():
    call_command("seed_demo", "--force", stdout=io.StringIO())
    expectations = {
        "admin@kaikukanta.demo": "admin:stats_national",
        "koordinaattori@kaikukanta.demo": "admin:stats_area",
        "yhteyshenkilo@kaikukanta.demo": "admin:stats_site",
    }
    for email, url_name in expectations.items():
        client = Client()
        log_in(client, User.objects.get(email=email))
        for language in ("fi", "sv", "en"):
            client.cookies["django_language"] = language
            index = client.get(reverse("admin:index"))
            assert index.status_code == 200
            html = index.content.decode()
            start = html.index('id="stats-reports"')
            link = html[start:].split('href="', 1)[1].split('"', 1)[0]
            assert resolve(link).url_name == url_name.removeprefix("admin:")
            page = client.get(link)
            assert page.status_code == 200
            assert f'lang="{language}"' in page.content.decode()
        base = link.rstrip("/")
        for fmt in ("xlsx", "csv", "pdf"):
            download = client.get(f"{base}/export.{fmt}")
            assert download.status_code == 200, (email, fmt)
            assert "attachment" in download["Content-Disposition"]
