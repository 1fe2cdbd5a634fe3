"""The page, the workbook, the CSV and the PDF show the same numbers; formula-like
text stays text; a venue never sees another venue's figures in any of them."""

import csv
import datetime
import io
import re
from html.parser import HTMLParser

import openpyxl
import pytest
from django.urls import reverse
from pypdf import PdfReader

YEAR_2025 = "period=year&year=2025"


class Tables(HTMLParser):
    """The report tables of a page: {caption text: [[cell text, …], …]}."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._rows: list[list[str]] | None = None
        self._row: list[str] | None = None
        self._text: list[str] | None = None
        self._caption: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "stats-table") in attrs:
            self._rows = []
        elif self._rows is not None and tag == "caption":
            self._caption = []
        elif self._rows is not None and tag == "tr":
            self._row = []
        elif self._row is not None and tag in ("td", "th"):
            self._text = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._text is not None:
            self._row.append("".join(self._text).strip())
            self._text = None
        elif tag == "tr" and self._row is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None:
            self._caption_text = "".join(self._caption).split("·")[0].strip()
            self._caption = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption_text] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._text is not None:
            self._text.append(data)
        if self._caption is not None:
            self._caption.append(data)


def page_tables(html: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(html)
    return parser.tables


def number(text) -> int | str:
    """A page cell as a number where it is one ("1 234" → 1234)."""
    if isinstance(text, int):
        return text
    digits = re.sub(r"[\s\u00a0\u202f,.]", "", text)
    return int(digits) if digits.lstrip("-").isdigit() else text


def numbers(rows) -> list[list]:
    return [[number(cell) if cell is not None else "" for cell in row] for row in rows]


@pytest.fixture
def contact(client_for):
    return client_for("venue_contact")


def url(name, **kwargs):
    return reverse(f"admin:{name}", kwargs=kwargs)


def test_the_workbook_has_the_numbers_of_the_page(net, usage, contact):
    site = net.venue_a.pk
    page = contact.get(url("stats_site", pk=site) + "?" + YEAR_2025)
    assert page.status_code == 200
    tables = page_tables(page.content.decode())
    response = contact.get(url("stats_site_export", pk=site, fmt="xlsx") + "?" + YEAR_2025)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames[0] == "Key figures"
    for title, name in [
        ("Uses by month", "By month"),
        ("Uses by sector", "By sector"),
        ("Uses by channel", "By channel"),
    ]:
        sheet = [list(row) for row in workbook[name].iter_rows(values_only=True)]
        assert numbers(sheet) == numbers(tables[title]), title
    key = {row[0]: row[1] for row in workbook["Key figures"].iter_rows(values_only=True) if row}
    assert key["Uses (holders' tickets)"] == 8
    assert key["Children's tickets"] == 9
    assert isinstance(key["Uses (holders' tickets)"], int)  # typed cells, not text


def test_the_csv_has_the_numbers_of_the_page(net, usage, contact):
    site = net.venue_a.pk
    tables = page_tables(contact.get(url("stats_site", pk=site) + "?" + YEAR_2025).content.decode())
    response = contact.get(url("stats_site_export", pk=site, fmt="csv") + "?" + YEAR_2025)
    text = response.content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    start = lines.index(["Uses by month"])
    month_rows = lines[start + 1 : start + 1 + 14]  # header, 12 months, total
    assert numbers(month_rows) == numbers(tables["Uses by month"])
    one = contact.get(
        url("stats_site_export", pk=site, fmt="csv") + "?" + YEAR_2025 + "&table=by_sector"
    )
    sector_rows = list(csv.reader(io.StringIO(one.content.decode("utf-8-sig")), delimiter=";"))
    assert numbers([r for r in sector_rows if r]) == numbers(tables["Uses by sector"])


def test_formula_like_text_is_written_as_text(net, usage, contact):
    title = usage.offerings.o2.title
    assert title.startswith("=")
    site = net.venue_a.pk
    response = contact.get(url("stats_site_export", pk=site, fmt="xlsx") + "?" + YEAR_2025)
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    cells = [c for row in workbook["Top offerings"].iter_rows() for c in row]
    formula = [c for c in cells if c.value == title]
    assert formula and all(c.data_type == "s" for c in formula)
    assert not any(c.data_type == "f" for c in cells)
    text = contact.get(url("stats_site_export", pk=site, fmt="csv") + "?" + YEAR_2025).content
    assert ("'" + title).replace('"', '""').encode() in text
    assert b";=HYPERLINK" not in text and b'"=HYPERLINK' not in text
    uses = contact.get(url("stats_site_uses", pk=site, fmt="xlsx") + "?" + YEAR_2025)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(uses.streaming_content))).active
    titles = [c for c in sheet["B"] if c.value == title]  # the offering
    assert titles and all(c.data_type == "s" for c in titles)


def test_the_pdf_is_a_pdf_with_the_key_figures(net, usage, client_for):
    client = client_for("coordinator")
    response = client.get(url("stats_area_export", pk=net.area_a.pk, fmt="pdf") + "?" + YEAR_2025)
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 3
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "Kaikukortti in Area A" in text
    assert "2025" in text
    figures = text[text.index("Key figures") :]
    assert re.search(r"Uses \(holders' tickets\)\s*10\b", figures)
    assert re.search(r"Children's tickets\s*9\b", figures)
    assert re.search(r"Distinct cards used\s*6\b", figures)
    assert re.search(r"Cards registered\s*4\b", figures)
    assert "Tickets by month" in text  # a chart's title, drawn in the PDF


def test_a_venue_never_sees_another_venues_figures(net, usage, client_for):
    client = client_for("other_venue_contact")  # Venue B
    mine, theirs = net.venue_b.pk, net.venue_a.pk
    for name, fmt in [
        ("stats_site", None),
        ("stats_site_export", "xlsx"),
        ("stats_site_export", "csv"),
        ("stats_site_export", "pdf"),
        ("stats_site_uses", "xlsx"),
        ("stats_site_uses", "csv"),
    ]:
        kwargs = {"fmt": fmt} if fmt else {}
        assert client.get(url(name, pk=theirs, **kwargs) + "?" + YEAR_2025).status_code == 404
        response = client.get(url(name, pk=mine, **kwargs) + "?" + YEAR_2025)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "xlsx":
            workbook = openpyxl.load_workbook(io.BytesIO(body))
            body = repr(
                [list(ws.iter_rows(values_only=True)) for ws in workbook.worksheets]
            ).encode()
        elif fmt == "pdf":
            reader = PdfReader(io.BytesIO(body))
            text = " ".join(p.extract_text() for p in reader.pages)
            body = re.sub(r"\s+", " ", text).encode()  # lines wrap inside names
        for foreign in ("Kesäyön unelma", "Uinti", "Tiedekierros", "Venue A"):
            assert foreign.encode() not in body, (name, fmt, foreign)
        assert b"Konsertti B" in body, (name, fmt)
    # Venue B's own figures: uses 10 and 11 (C2 from area A counts as from another area).
    page = page_tables(client.get(url("stats_site", pk=mine) + "?" + YEAR_2025).content.decode())
    assert numbers(page["Uses by month"])[-1] == ["Total", 2, 1, 3, 1]


def test_the_uses_of_the_year_one_by_one(net, usage, contact):
    site = net.venue_a.pk
    response = contact.get(url("stats_site_uses", pk=site, fmt="xlsx") + "?" + YEAR_2025)
    assert response.streaming
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Date of use"
    assert len(rows) == 1 + 8  # the voided use and the 2024 use are not there
    assert isinstance(rows[1][0], datetime.datetime)  # a date cell, not text
    assert sum(row[3] for row in rows[1:]) == 9
    assert {row[2] for row in rows[1:]} == {
        "C1-0001", "C2-0002", "C3-0003", "C4-0004", "CC-0005", "C5-0006",
    }  # fmt: skip
    response = contact.get(url("stats_site_uses", pk=site, fmt="csv") + "?" + YEAR_2025)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(lines) == 1 + 8
    assert sum(int(line[3]) for line in lines[1:]) == 9


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_report_comes_in_every_language(net, usage, client_for, language):
    client = client_for("coordinator")
    client.cookies["django_language"] = language
    response = client.get(url("stats_area", pk=net.area_a.pk) + "?" + YEAR_2025)
    assert response.status_code == 200
    assert f'lang="{language}"' in response.content.decode()
    pdf = client.get(url("stats_area_export", pk=net.area_a.pk, fmt="pdf") + "?" + YEAR_2025)
    assert pdf.content.startswith(b"%PDF-")


def test_the_page_has_no_inline_styles_or_scripts(net, usage, client_for):
    body = client_for("national_admin").get(url("stats_national") + "?" + YEAR_2025)
    html = body.content.decode()
    assert "style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert html.count("<svg") >= 5
    assert 'role="img"' in html
