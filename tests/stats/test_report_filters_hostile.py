"""Report pages never answer 500 to their query string: a year like 99999 or
a 20-digit one is a form error over the default figures, and any value of any
filter (hypothesis) is a page or its download, never a server error."""

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from tests.hostile import HOSTILE, query_values

pytestmark = pytest.mark.usefixtures("english")

FILTERS = ("period", "year", "quarter", "month", "start", "end", "site", "sector", "kind")
FILTERS += ("channel", "table")


@pytest.mark.parametrize("year", ["99999", "9" * 20, "-1", "0", "2019"])
def test_a_year_out_of_range_is_a_form_error_not_a_server_error(net, client_for, year):
    url = reverse("admin:stats_area", args=[net.area_a.pk])

    response = client_for("coordinator").get(url, {"period": "year", "year": year})

    assert response.status_code == 200
    assert 'id="id_year-errors"' in response.content.decode()


def test_a_custom_range_out_of_the_years_is_a_form_error(net, client_for):
    url = reverse("admin:stats_area", args=[net.area_a.pk])
    query = {"period": "custom", "start": "9999-01-01", "end": "9999-12-31"}

    response = client_for("coordinator").get(url, query)

    assert response.status_code == 200
    assert 'id="id_start-errors"' in response.content.decode()


def test_the_public_figures_ignore_a_year_they_do_not_have(client, db):
    assert client.get("/statistics/", {"year": "9" * 30}).status_code == 200
    assert client.get("/statistics/figures.json", {"year": "99999"}).status_code == 200


REPORTS = {
    "area": lambda net: reverse("admin:stats_area", args=[net.area_a.pk]),
    "site": lambda net: reverse("admin:stats_site", args=[net.venue_a.pk]),
    "national": lambda net: reverse("admin:stats_national"),
    "area csv": lambda net: reverse("admin:stats_area_export", args=[net.area_a.pk, "csv"]),
}


@HOSTILE
@given(
    report=st.sampled_from(sorted(REPORTS)),
    query=st.dictionaries(st.sampled_from(FILTERS), query_values, max_size=6),
)
def test_any_query_string_of_a_report_is_answered_without_a_server_error(
    net, client_for, report, query
):
    response = client_for("national_admin").get(REPORTS[report](net), query)
    assert response.status_code in (200, 400), response.status_code
