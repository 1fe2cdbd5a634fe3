"""A report rendered as an Excel workbook, a semicolon CSV or a PDF, and the
row-level export of a site's uses. Everything renders the same `Report` the
page shows (pretix's exporter pattern: one row source, several renderings).

Text that a spreadsheet would read as a formula (starting with =, +, - or @)
is written as text: in the workbook as a string cell, in the CSV with a
leading apostrophe. Offering titles and site names come from users; control
characters in them (stored before they were refused) are written as spaces."""

import csv
import datetime
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kaikukanta.text import printable
from stats.report import Report, Table
from usage.models import Redemption

FORMULA_START = ("=", "+", "-", "@")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
PDF_TYPE = "application/pdf"
# Day.month.year and a 24-hour clock, as Finland reads them (as on the pages).
DATE_FORMAT = "d.m.yyyy"
DATETIME_FORMAT = "d.m.yyyy hh:mm"


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def _plain(ws, value: Any) -> Any:
    """A value for a write-only row: as it is (openpyxl types numbers itself, on
    its fast path), except text that would be read as a formula, control
    characters in text (XML cannot hold them), each a space, and dates, which
    get our day.month.year format (openpyxl styles a date cell anyway)."""
    if isinstance(value, str):
        value = printable(value)
        if value.startswith(FORMULA_START):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"  # text, never a formula
            return cell
        return value
    if isinstance(value, datetime.date):
        return _cell(ws, value)
    return value


def _cell(ws, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    value = printable(value)  # stored before control characters were refused
    if isinstance(value, datetime.datetime):
        value = (
            timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
        )
    cell = WriteOnlyCell(ws, value=value)
    if is_formula_like(value):
        cell.data_type = "s"  # text, never a formula
    elif isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = Font(bold=True)
    return cell


def _sheet_title(title: str, taken: set[str]) -> str:
    name = re.sub(r"[\[\]:*?/\\]", "", printable(title))[:31].strip() or "Sheet"
    base, n = name, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    taken.add(name.lower())
    return name


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if is_formula_like(value):
        return "'" + value
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{_csv_date(value)} {value:%H:%M}"
    if isinstance(value, datetime.date):
        return _csv_date(value)
    return value


def _csv_date(day: datetime.date) -> str:
    """6.9.2027: what a spreadsheet set to Finnish reads as a date."""
    return f"{day.day}.{day.month}.{day.year}"


# ---------------------------------------------------------------------------
# A report
# ---------------------------------------------------------------------------


def _about(report: Report) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [report.title],
        [],
        *[[label, value] for label, value in report.filters.described()],
        [_("Generated"), timezone.localtime(report.generated_at)],
        [],
        [_("Key figure"), _("Value")],
        *[[figure.label, figure.value] for figure in report.figures],
        *[[figure.label, figure.value] for figure in report.card_figures],
    ]
    return rows


def _table_rows(table: Table) -> Iterator[tuple[list[Any], bool]]:
    """(row, is_header_or_total) of a table: the header, the rows, the total."""
    yield [column.label for column in table.columns], True
    for row in table.rows:
        yield row, False
    if table.total:
        yield table.total, True


def report_xlsx(report: Report) -> bytes:
    """The report as a workbook: key figures first, then one sheet per table."""
    wb = Workbook(write_only=True)
    taken: set[str] = set()
    ws = wb.create_sheet(_sheet_title(_("Key figures"), taken))
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 20
    for index, row in enumerate(_about(report)):
        ws.append([_cell(ws, value, bold=index == 0) for value in row])
    for table in report.tables:
        ws = wb.create_sheet(_sheet_title(table.sheet, taken))
        for index, column in enumerate(table.columns):
            letter = chr(ord("A") + index)
            ws.column_dimensions[letter].width = 32 if column.kind == "text" else 14
        ws.freeze_panes = "A2"
        for row, bold in _table_rows(table):
            ws.append([_cell(ws, value, bold=bold) for value in row])
        if table.note:
            ws.append([])
            ws.append([_cell(ws, table.note)])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def report_csv(report: Report, table_key: str | None = None) -> str:
    """The report as semicolon-separated text: every table one after another
    (a title line, a header line, the rows, the total, an empty line), or only
    the table `table_key`."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    if table_key is None:
        for row in _about(report):
            writer.writerow([_csv_value(v) for v in row])
        writer.writerow([])
        tables = report.tables
    else:
        tables = [report.table(table_key)]
    for table in tables:
        if table_key is None:
            writer.writerow([_csv_value(table.title)])
        for row, _bold in _table_rows(table):
            writer.writerow([_csv_value(v) for v in row])
        writer.writerow([])
    return "\ufeff" + out.getvalue()  # the BOM tells Excel the text is UTF-8


def sections_csv(sections: list[tuple[str, list, list[list]]], *, note: str = "") -> str:
    """Tables one after another as semicolon-separated text: a title line, a
    header line, the rows, an empty line."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    for title, header, rows in sections:
        writer.writerow([_csv_value(title)])
        writer.writerow([_csv_value(v) for v in header])
        for row in rows:
            writer.writerow([_csv_value(v) for v in row])
        writer.writerow([])
    if note:
        writer.writerow([_csv_value(note)])
    return "\ufeff" + out.getvalue()


def report_pdf(report: Report, *, request=None) -> bytes:
    """The report as an A4 PDF: a cover, the key figures, the charts beside their
    tables. The same SVG charts as the page."""
    from weasyprint import CSS, HTML

    html = render_to_string("stats/report_pdf.html", {"report": report}, request=request)
    stylesheet = finders.find("stats/report_pdf.css")
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[CSS(filename=stylesheet)])


def annual_pdf(report, *, request=None) -> bytes:
    """The annual feedback-meeting report (stats.annual) as an A4 PDF."""
    from weasyprint import CSS, HTML

    from stats.views import PUBLIC_RULE, SUPPRESSED

    context = {"report": report, "rule": PUBLIC_RULE, "suppressed": SUPPRESSED}
    html = render_to_string("stats/annual_pdf.html", context, request=request)
    stylesheet = finders.find("stats/report_pdf.css")
    return HTML(string=html, base_url=None).write_pdf(stylesheets=[CSS(filename=stylesheet)])


# ---------------------------------------------------------------------------
# The uses of a site, row by row (streamed)
# ---------------------------------------------------------------------------


def uses_header() -> list[str]:
    return [
        _("Date of use"),
        _("Offering"),
        _("Card ID"),
        _("Children's tickets"),
        _("Channel"),
        _("Recorded"),
    ]


def _use_rows(rows: Iterable[tuple]) -> Iterator[list[Any]]:
    channels = {k: str(v) for k, v in Redemption.Channel.choices}
    plain_admission = _("no offering (plain admission)")
    for used_on, title, card_id, children, channel, recorded_at in rows:
        yield [
            used_on,
            title or plain_admission,
            card_id,
            children,
            channels.get(channel, channel),
            recorded_at,
        ]


def uses_xlsx(rows: Iterable[tuple], title: str) -> tempfile.SpooledTemporaryFile:
    """A workbook of the rows, written in openpyxl's write-only mode (rows go to
    disk as they come; memory stays flat) into a temporary file to stream."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_sheet_title(title, set()))
    for index, width in enumerate([12, 40, 16, 10, 18, 18]):
        ws.column_dimensions[chr(ord("A") + index)].width = width
    ws.freeze_panes = "A2"
    ws.append([_cell(ws, label, bold=True) for label in uses_header()])
    for row in _use_rows(rows):
        ws.append([_plain(ws, value) for value in row])
    # Closed by the FileResponse that streams it.
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    wb.save(out)
    out.seek(0)
    return out


class _Echo:
    def write(self, value: str) -> str:
        return value


def uses_csv(rows: Iterable[tuple]) -> Iterator[str]:
    """The rows as semicolon-separated lines, one at a time (for streaming)."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(uses_header())
    for row in _use_rows(rows):
        yield writer.writerow([_csv_value(v) for v in row])
