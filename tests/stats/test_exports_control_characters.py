"""Titles stored with control characters (\\x01, \\x0b) before they were
refused: every workbook and the PDF are still made, the characters written
as spaces (issue 9; openpyxl raised IllegalCharacterError, a 500)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from venues.models import Offering, Organisation, Site

YEAR_2025 = "period=year&year=2025"


@pytest.fixture
def hostile_titles(net, usage):
    Offering.objects.filter(pk=usage.offerings.o1.pk).update(title="Kesäyön\x01unelma\x0b")
    Site.objects.filter(pk=net.venue_a.pk).update(name="Venue\x0bA")
    Organisation.objects.filter(pk=net.venue_a.organisation_id).update(name="Org\x01A")


def _cells(workbook) -> list[str]:
    return [
        str(cell.value)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]


def _workbook(response) -> openpyxl.Workbook:
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return openpyxl.load_workbook(io.BytesIO(content))


@pytest.mark.parametrize(
    ("name", "persona", "pk"),
    [
        ("stats_site_export", "venue_contact", "venue_a"),
        ("stats_area_export", "coordinator", "area_a"),
        ("stats_national_export", "national_admin", None),
    ],
)
def test_every_report_workbook_is_made_with_control_characters_as_spaces(
    net, hostile_titles, client_for, name, persona, pk
):
    args = [getattr(net, pk).pk, "xlsx"] if pk else ["xlsx"]
    url = reverse(f"admin:{name}", args=args) + "?" + YEAR_2025

    cells = _cells(_workbook(client_for(persona).get(url)))

    assert "Kesäyön unelma " in cells
    assert not any("\x01" in c or "\x0b" in c for c in cells)


def test_the_uses_one_by_one_are_written_with_control_characters_as_spaces(
    net, hostile_titles, client_for
):
    url = reverse("admin:stats_site_uses", args=[net.venue_a.pk, "xlsx"]) + "?" + YEAR_2025

    cells = _cells(_workbook(client_for("venue_contact").get(url)))

    assert "Kesäyön unelma " in cells


def test_the_pdf_is_made_too(net, hostile_titles, client_for):
    url = reverse("admin:stats_area_export", args=[net.area_a.pk, "pdf"]) + "?" + YEAR_2025
    response = client_for("coordinator").get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
