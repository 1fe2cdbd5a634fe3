"""The Excel table and the paper form that a venue downloads for a site and a
period before the network goes away."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.factories import OfferingFactory
from tests.logins import log_in
from tests.usage.offline_helpers import TODAY, days_ago, download_table, labels_in, scene
from usage.sheets.offline_table import (
    KEYS_SHEET,
    offering_code,
    offering_label,
    offering_pk_from_code,
)
from venues.models import Offering

pytestmark = pytest.mark.usefixtures("english")


def test_the_table_has_instructions_the_table_and_hidden_offering_keys(net, client_for):
    world = scene(net)
    wb = load_workbook(io.BytesIO(download_table(client_for("venue_contact"), net.venue_a)))

    assert wb.sheetnames == ["Instructions", "Uses", KEYS_SHEET]
    assert wb[KEYS_SHEET].sheet_state == "hidden"
    table = wb.active
    assert table.title == "Uses"
    headers = [c.value for c in table[1]]
    assert headers == ["Date", "Offering", "Card ID", "Children's tickets", "Notes"]
    keys = {row[1]: row[0] for row in wb[KEYS_SHEET].iter_rows(min_row=2, values_only=True)}
    assert keys[world.show.pk] == offering_label(world.show)
    assert world.other_site_show.pk not in keys
    instructions = " ".join(str(c.value) for c in wb["Instructions"]["A"] if c.value)
    assert net.venue_a.name in instructions
    assert "does not read or save this column" in instructions


def test_the_table_checks_dates_and_numbers_and_offers_a_dropdown(net, client_for):
    scene(net)
    wb = load_workbook(io.BytesIO(download_table(client_for("venue_contact"), net.venue_a)))
    validations = {v.type: v for v in wb.active.data_validations.dataValidation}

    assert validations["list"].formula1.startswith(f"'{KEYS_SHEET}'!$A$2")
    assert "B2:B1001" in str(validations["list"].sqref)
    assert validations["date"].operator == "between"
    assert "DATE(" in validations["date"].formula1
    assert (validations["whole"].formula1, validations["whole"].formula2) == ("0", "20")


def test_the_table_lists_only_the_offerings_of_the_period(net, client_for):
    world = scene(net)
    later = OfferingFactory(site=net.venue_a, title="Later", date=TODAY() + datetime.timedelta(60))
    excluded = OfferingFactory(
        site=net.venue_a, date=days_ago(1), excluded=True, exclusion_reason="Ensi-ilta"
    )
    labels = labels_in(download_table(client_for("venue_contact"), net.venue_a))

    assert {world.show.pk, world.capped.pk, world.course.pk} <= labels.keys()
    assert later.pk not in labels
    assert excluded.pk not in labels


def test_a_title_that_looks_like_a_formula_is_written_as_text(net, client_for):
    OfferingFactory(site=net.venue_a, title="=HYPERLINK(1)", date=days_ago(1))
    wb = load_workbook(io.BytesIO(download_table(client_for("venue_contact"), net.venue_a)))
    cell = wb[KEYS_SHEET]["A2"]
    assert cell.data_type == "s"
    assert cell.value.startswith("=HYPERLINK(1)")


def test_offering_codes_carry_a_check_digit(net):
    offering = OfferingFactory(site=net.venue_a)
    code = offering_code(offering)
    assert offering_pk_from_code(code) == offering.pk
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    assert offering_pk_from_code(wrong) is None


def test_the_paper_form_is_an_a4_pdf_with_the_columns_the_site_and_the_codes(net, client_for):
    world = scene(net)
    url = reverse("usage:offline_form", args=[net.venue_a.pk])
    response = client_for("venue_contact").get(
        url, {"start": days_ago(30).isoformat(), "end": TODAY().isoformat()}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = PdfReader(io.BytesIO(response.content))
    page = pdf.pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    assert round(width_mm) == 210
    text = " ".join(p.extract_text() for p in pdf.pages)
    for header in ("Date", "Offering", "Card ID", "Children's tickets", "Notes"):
        assert header in text
    assert net.venue_a.name in text
    assert offering_code(world.show) in text and "Hamlet" in text
    assert "25" in pdf.pages[0].extract_text()  # the rows are numbered to 25


def test_a_bad_period_is_explained_on_the_page(net, client_for):
    url = reverse("usage:offline_table", args=[net.venue_a.pk])
    response = client_for("venue_contact").get(url, {"start": "2026-12-01", "end": "2026-01-01"})
    assert response.status_code == 200
    assert b"The period ends before it starts." in response.content
    response = client_for("venue_contact").get(url, {"start": "someday", "end": ""})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "name", ["usage:offline_table", "usage:offline_form", "usage:offline_sheets"]
)
@pytest.mark.parametrize(
    ("persona", "site", "status"),
    [
        ("venue_contact", "venue_a", 200),
        ("venue_contact", "venue_b", 404),
        ("other_venue_contact", "venue_a", 404),
        ("cashier", "venue_a", 404),
        ("coordinator", "venue_a2", 200),
        ("other_coordinator", "venue_a", 404),
        ("distributor", "venue_a", 404),
    ],
)
def test_only_the_sites_manager_downloads(net, client, name, persona, site, status):
    log_in(client, getattr(net, persona))
    response = client.get(reverse(name, args=[getattr(net, site).pk]))
    assert response.status_code == status


def test_the_site_page_links_to_offline_use_for_its_managers_only(net, client_for):
    url = reverse("venues:site", args=[net.venue_a.pk])
    link = reverse("usage:offline_sheets", args=[net.venue_a.pk]).encode()
    assert link in client_for("venue_contact").get(url).content
    assert link in client_for("coordinator").get(url).content
    assert link not in client_for("cashier").get(url).content


def test_the_offering_label_keeps_its_code_when_the_title_changes(net):
    offering = OfferingFactory(site=net.venue_a, kind=Offering.Kind.SHOW)
    before = offering_label(offering)
    offering.title = "Renamed"
    assert offering_label(offering) != before
    assert before.endswith(f"[{offering_code(offering)}]")


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_download_period_starts_today_and_ends_four_weeks_ahead(net, client_for, language):
    page = client_for("venue_contact").get(
        reverse("usage:offline_sheets", args=[net.venue_a.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    content = page.content.decode()
    start = re.search(r'<input[^>]*name="start"[^>]*>', content).group(0)
    end = re.search(r'<input[^>]*name="end"[^>]*>', content).group(0)
    # A date input shows only an ISO value; anything else leaves it empty.
    assert f'value="{TODAY().isoformat()}"' in start
    assert f'value="{(TODAY() + datetime.timedelta(weeks=4)).isoformat()}"' in end
