"""Every table in a report's PDF fits its page: read back with pdftotext, no
word sticks out past the margin, and the widest tables show whole headers and
whole figures. (The browser test tests/e2e/test_report_tables.py checks the
pages.)"""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.stats import pdf_text
from tests.stats.test_exports import YEAR_2025

pytestmark = pytest.mark.django_db


def pdf(client, name: str, **kwargs) -> bytes:
    response = client.get(
        reverse(f"admin:{name}", kwargs={**kwargs, "fmt": "pdf"}) + "?" + YEAR_2025
    )
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_top_offerings_table_fits_the_page_in_every_language(net, usage, client_for, language):
    client = client_for("coordinator")
    client.cookies["django_language"] = language
    content = pdf(client, "stats_area_export", pk=net.area_a.pk)

    assert pdf_text.past_the_margin(content) == []
    words = {w.text for w in pdf_text.words(content)}
    with translation.override(language):
        headers = [
            translation.gettext("Offering"),
            translation.gettext("Site"),
            translation.gettext("Date"),
            translation.gettext("Kind"),
            translation.gettext("Sector"),
            translation.gettext("Children's tickets"),
            translation.gettext("Tickets in all"),
        ]
    for header in headers:
        for word in header.split():
            assert word in words, (header, word)


def test_the_top_offerings_rows_are_whole_in_the_pdf(net, usage, client_for):
    content = pdf(client_for("venue_contact"), "stats_site_export", pk=net.venue_a.pk)

    assert pdf_text.past_the_margin(content) == []
    text = pdf_text.text(content)
    top = text[text.index("Offerings with the most uses (top 20)") :]
    # O1, the show of 10 March 2025: uses 1, 2, 3 and 8 → 4 holders, 8 children, 12 tickets.
    assert any(
        line.split()[-3:] == ["4", "8", "12"] and "10.3.2025" in line for line in top.splitlines()
    ), top[:2000]
    header = top[: top.index("10.3.2025")]
    for word in ("Offering", "Site", "Date", "Kind", "Sector", "Children's", "Tickets", "all"):
        assert word in header.split()


def test_the_areas_side_by_side_fit_a_landscape_page(net, usage, client_for):
    """The national report's widest table (ten columns) gets a page of its own,
    turned, and every column of it is there."""
    content = pdf(client_for("national_admin"), "stats_national_export")

    assert pdf_text.past_the_margin(content) == []
    words = pdf_text.words(content)
    landscape = {w.page for w in words if w.page_width > 800}
    assert landscape
    on_it = {w.text for w in words if w.page in landscape}
    for word in ("Municipalities", "renewed", "once", "Area", "A", "B"):
        assert word in on_it
