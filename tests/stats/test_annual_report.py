"""The annual feedback-meeting report (stats.annual), read back from its PDF
with pdftotext and checked against the fixed data of tests/stats/conftest.py:
area A's 2025 against 2024.

    2025: 10 uses and 9 children's tickets at Venue A (8 uses, 9 children) and
    Venue A2 (2, 0); 6 distinct cards; Distributor A registered 4 cards and
    renewed 1 (C5); 2 venue sites with uses.
    2024: 1 use (C5 at Venue A, a show in culture); C5 registered; 1 site."""

import re

import pytest
from django.urls import reverse

from stats.annual import Comparison, _suppress_comparison, annual_report
from tests.stats import pdf_text
from venues.models import Checklist

pytestmark = pytest.mark.django_db


def annual_pdf(client, net, query: str = "year=2025") -> str:
    response = client.get(reverse("admin:stats_annual_pdf", args=[net.area_a.pk]) + "?" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_text.past_the_margin(response.content) == []
    return pdf_text.text(response.content)


def section(text: str, heading: str, end: str | None = None) -> str:
    """The text from the line `heading` to the line `end` (or the end)."""
    start = re.search(rf"^\s*{re.escape(heading)}\s*$", text, re.M)
    assert start, f"no section {heading!r}"
    if end is None:
        return text[start.start() :]
    stop = re.compile(rf"^\s*{re.escape(end)}\s*$", re.M).search(text, start.end())
    assert stop, f"no section {end!r} after {heading!r}"
    return text[start.start() : stop.start()]


def row(text: str, label: str) -> str:
    """The cells after `label` on the table line that starts with it, one space
    apart (a chart's label of the same name stands alone on its line and is
    passed over)."""
    for line in text.splitlines():
        words, first = line.split(), label.split()
        if words[: len(first)] == first and len(words) > len(first):
            return " ".join(words[len(first) :])
    raise AssertionError(f"no row {label!r} in:\n{text}")


@pytest.fixture
def coordinator(client_for):
    return client_for("coordinator")


def test_the_cover_names_the_area_the_year_and_the_date(net, usage, coordinator):
    text = annual_pdf(coordinator, net)
    cover = text[: text.index("\f")]

    assert "Annual report for the feedback meeting" in cover
    assert "Area A" in cover and "Town A" in cover
    assert "2025 (compared with 2024)" in cover
    assert re.search(r"Date\s+\d{1,2}\.\d{1,2}\.\d{4}", cover)


def test_the_year_in_figures_against_the_year_before(net, usage, coordinator):
    figures = section(annual_pdf(coordinator, net), "2025 in figures", "By sector")

    assert row(figures, "Uses (holders' tickets)") == "10 1 +900 %"
    assert row(figures, "Children's tickets") == "9 0 new"
    assert row(figures, "Tickets in all") == "19 1 +1,800 %"
    assert row(figures, "Distinct cards used") == "6 1 +500 %"
    assert row(figures, "New cards registered") == "4 1 +300 %"
    assert row(figures, "Cards renewed") == "1 0 new"
    assert row(figures, "Venue sites with uses") == "2 1 +100 %"


def test_sectors_months_and_municipalities(net, usage, coordinator):
    text = annual_pdf(coordinator, net)

    sectors = section(text, "By sector", "By month")
    # uses, children's tickets, tickets, tickets the year before, change
    assert row(sectors, "culture") == "4 8 12 1 +1,100 %"
    assert row(sectors, "education") == "1 0 1 0 new"
    assert row(sectors, "sports") == "3 1 4 0 new"
    assert row(sectors, "Total") == "10 9 19 1 +1,800 %"
    months = section(text, "By month", "By the venue's municipality")
    assert row(months, "March 2025") == "5 8 13 0 new"
    assert row(months, "December 2025") == "0 0 0 1 −100 %"
    municipalities = section(text, "By the venue's municipality", "Venues")
    assert row(municipalities, "Town A") == "10 9 19 1 +1,800 %"


def test_the_venues_and_the_distributors(net, usage, coordinator):
    text = annual_pdf(coordinator, net)

    venues = section(text, "Venues", "Distributors")
    # municipality, uses, children's tickets, uses the year before, change in uses
    assert row(venues, "Venue A2") == "Town A 2 0 0 new"
    assert row(venues, "Venue A") == "Town A 8 9 1 +700 %"
    assert "Venue B" not in venues  # another area's
    distributors = section(text, "Distributors", "The venues' checklist")
    assert row(distributors, "Distributor A") == "Town A 4 1 1 +300 %"


def test_the_checklist_says_which_venue_misses_what(net, usage, coordinator):
    Checklist.objects.create(
        site=net.venue_a,
        guideline_committed_on="2025-01-10",
        prices_page_url="https://venue-a.example.fi/prices",
        broker_informed=False,
        free_cloakroom=True,
        assistants_free_known=True,
    )
    checklist = section(annual_pdf(coordinator, net), "The venues' checklist")
    flat = re.sub(r"\s+", " ", checklist)

    assert "1 of 2 venue sites have every item of the checklist done." in flat
    assert re.search(r"Venue A\s+Town A\s+nothing: complete", checklist)
    assert re.search(r"Venue A2\s+Town A\s+date of committing to the national guideline", checklist)


def test_the_copy_for_outside_hides_small_figures_as_the_public_pages_do(net, usage, coordinator):
    text = annual_pdf(coordinator, net, "year=2025&public=on")

    assert "A copy for outside the network: small figures are hidden." in text
    figures = section(text, "2025 in figures", "By sector")
    assert row(figures, "Uses (holders' tickets)") == "10 .. –"
    assert row(figures, "New cards registered") == ".. .. –"
    assert row(figures, "Venue sites with uses") == "2 1 +100 %"  # sites, not people
    venues = section(text, "Venues", "Distributors")
    # Venue A2's 2 uses are hidden; so is Venue A's 8, or 10 − 8 would give them away.
    assert row(venues, "Venue A2") == "Town A .. 0 0 –"
    assert row(venues, "Venue A") == "Town A .. 9 .. –"
    assert row(venues, "Total") == "10 9 .. –"
    # No chart (it would draw the hidden figures) and no count of staff.
    assert "Tickets by month" not in text
    assert "Staff yet to confirm" not in text


def test_the_same_figures_as_the_report_object(net, usage):
    report = annual_report(net.area_a, 2025)

    assert report.figure("uses").this_year == 10
    assert report.figure("registered").last_year == 1
    assert report.table("venues").column("Uses (holders' tickets)") == [8, 2]


@pytest.mark.parametrize(
    ("language", "heading", "venues"),
    [
        ("fi", "Toimialoittain", "Kohteet"),
        ("sv", "Per sektor", "Aktörer"),
        ("en", "By sector", "Venues"),
    ],
)
def test_the_report_comes_in_every_language(net, usage, coordinator, language, heading, venues):
    text = annual_pdf(coordinator, net, f"year=2025&language={language}")

    assert heading in text
    assert venues in text


def test_the_area_report_and_the_reports_page_link_it(net, usage, coordinator):
    form = reverse("admin:stats_annual", args=[net.area_a.pk])
    area_page = coordinator.get(reverse("admin:stats_area", args=[net.area_a.pk]) + "?year=2025")
    assert form + "?year=2025" in area_page.content.decode()
    reports = coordinator.get(reverse("admin:stats_reports")).content.decode()
    assert form in reports
    page = coordinator.get(form).content.decode()
    assert reverse("admin:stats_annual_pdf", args=[net.area_a.pk]) in page
    assert 'name="public"' in page and 'name="language"' in page


def test_a_year_without_uses_has_empty_tables_not_an_error(net, coordinator):
    text = annual_pdf(coordinator, net, "year=2023&public=on")

    assert "No uses in this period." in text
    assert row(section(text, "2023 in figures", "By sector"), "Uses (holders' tickets)") == "0 0 –"


def test_hidden_childrens_tickets_are_not_given_away_by_the_tickets():
    """10 uses and 3 children's tickets make 13 tickets: hiding the 3 alone
    would leave 13 − 10 = 3 to read, so the 10 goes too (the smaller of the
    other two); the number of venue sites is always shown."""
    rows = [
        Comparison("uses", "uses", 10, 20, ""),
        Comparison("children", "children", 3, 0, ""),
        Comparison("tickets", "tickets", 13, 20, ""),
        Comparison("active_sites", "sites", 2, 1, ""),
    ]

    _suppress_comparison(rows)

    assert [(r.this_year, r.last_year) for r in rows] == [(None, 20), (None, 0), (13, 20), (2, 1)]
