"""The report filter reads only the fields of the chosen period: a browser
without JavaScript sends the quarter, the month and the range beside "year",
and they must neither change the figures nor turn the form invalid (which
would fall back to the current year's figures)."""

import pytest
from django.urls import reverse

from stats.filters import ReportFilterForm
from tests.stats.test_report_pages import key_figures

USES = "Uses (holders&#x27; tickets)"


def report(client_for, net, query: str):
    page = client_for("venue_contact").get(
        reverse("admin:stats_site", args=[net.venue_a.pk]) + "?" + query
    )
    assert page.status_code == 200
    return page


@pytest.mark.parametrize(
    ("query", "uses"),
    [
        # The year's 8 uses, whatever quarter, month or range comes with it.
        ("period=year&year=2025&quarter=1&month=3&start=2025-03-01&end=2025-03-31", 8),
        ("period=year&year=2025&quarter=9&month=13&start=nonsense&end=2099-01-01", 8),
        # The quarter's 6, not the month's 5 nor the range's.
        ("period=quarter&year=2025&quarter=1&month=3&start=2025-05-01&end=2025-01-01", 6),
        # The month's 5, whatever the quarter says.
        ("period=month&year=2025&month=3&quarter=2&start=x", 5),
        # The range's 2: the year (out of range here) and quarter are not read.
        ("period=custom&start=2024-12-01&end=2025-02-01&year=1999&quarter=7&month=0", 2),
    ],
)
def test_the_fields_the_period_does_not_use_are_ignored(net, usage, client_for, query, uses):
    page = report(client_for, net, query)

    assert key_figures(page)[USES] == uses
    assert 'class="errorlist' not in page.content.decode()


def test_a_year_with_an_invalid_quarter_beside_it_is_not_an_error(net, usage, client_for):
    page = report(client_for, net, "period=year&year=2025&quarter=9")

    assert "Select a valid choice" not in page.content.decode()
    assert "Period:</strong> 2025" in page.content.decode()


def test_a_quarter_still_reads_its_quarter(net, usage, client_for):
    page = report(client_for, net, "period=quarter&year=2025&quarter=2")

    assert "Period:</strong> Q2/2025" in page.content.decode()


def test_each_period_field_says_which_periods_use_it():
    """What stats/report-filters.js reads to disable and hide the others."""
    form = ReportFilterForm()

    def periods(name):
        return form.fields[name].widget.attrs["data-periods"].split()

    assert periods("year") == ["year", "quarter", "month"]
    assert periods("quarter") == ["quarter"]
    assert periods("month") == ["month"]
    assert periods("start") == periods("end") == ["custom"]
    assert 'data-periods="quarter"' in str(form["quarter"])
