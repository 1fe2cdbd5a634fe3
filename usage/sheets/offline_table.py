"""The offline fallback's two blanks: the Excel table and the A4 paper form.

A venue downloads them for a site and a period before the network goes away,
records uses on them while it is away, and imports them afterwards
(`usage.sheets.imports`). Both list the site's offerings of the period with a short
code; the table also keeps a hidden sheet that maps each dropdown label to
its offering, so that renaming an offering in the register later does not
break importing a table downloaded earlier.
"""

import datetime
import io
from dataclasses import dataclass

from django.contrib.staticfiles import finders
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from kaikukanta.text import printable
from usage.models import MAX_CHILDREN
from venues.models import Offering, Site

# The hidden sheet of offering keys. Its name is never translated: the import
# looks for it by this name.
KEYS_SHEET = "Kaikukanta-keys"
# Rows of the table that carry the dropdown and the checks (more can be added
# by copying a row; the import reads every row).
TABLE_ROWS = 1000
PAPER_FORM_ROWS = 25
MAX_PERIOD_DAYS = 366
# The period offered by default: from today to four weeks ahead.
DEFAULT_PERIOD = datetime.timedelta(weeks=4)
# Text that a spreadsheet would read as a formula is written as text (DESIGN.md).
_FORMULA_STARTS = ("=", "+", "-", "@")


# ---------------------------------------------------------------------------
# Offering codes and labels
# ---------------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    """The Luhn check digit of a string of digits."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def offering_code(offering: Offering | int) -> str:
    """A short code to write on the paper form: the offering's number and a
    check digit, so that a mistyped code is caught instead of hitting another
    offering."""
    pk = str(offering if isinstance(offering, int) else offering.pk)
    return pk + _luhn_digit(pk)


def offering_pk_from_code(code: str) -> int | None:
    """The offering number in a code, or None when the check digit is wrong."""
    code = code.strip()
    if len(code) < 2 or not code.isdigit():
        return None
    body, check = code[:-1], code[-1]
    if _luhn_digit(body) != check:
        return None
    return int(body)


def offering_label(offering: Offering) -> str:
    """How an offering appears in the table's dropdown: title, time, code."""
    title = " ".join(offering.title.split())[:80]
    return f"{title} – {offering.when()} [{offering_code(offering)}]"


def offerings_in_period(
    site: Site, start: datetime.date, end: datetime.date, *, include_excluded: bool = False
) -> QuerySet:
    """The site's offerings that a card can be used for on some day of the
    period: shows on those days, admission and courses that overlap it."""
    Kind = Offering.Kind
    open_in_period = Q(end_date__gte=start) | Q(end_date__isnull=True, date__gte=start)
    offerings = Offering.objects.filter(site=site)
    if not include_excluded:
        offerings = offerings.filter(excluded=False)
    return offerings.filter(
        Q(kind=Kind.SHOW, date__range=(start, end))
        | (Q(kind=Kind.ADMISSION, date__lte=end) & open_in_period)
        # A course takes enrolments until it ends, also before it starts.
        | (Q(kind=Kind.COURSE) & open_in_period)
    ).order_by("date", "start_time", "title", "pk")


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    today = today or timezone.localdate()
    return today, today + DEFAULT_PERIOD


def _set_text(cell, value: str) -> None:
    """Write a string that the spreadsheet never evaluates, with any control
    character (stored before they were refused; XML cannot hold them) as a space."""
    value = printable(value)
    cell.value = value
    if value.startswith(_FORMULA_STARTS):
        cell.data_type = "s"


# ---------------------------------------------------------------------------
# The Excel table
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TableColumn:
    field: str
    header: str
    width: int


def table_columns() -> list[TableColumn]:
    """The table's columns, headed in the active language."""
    return [
        TableColumn("date", _("Date"), 14),
        TableColumn("offering", _("Offering"), 60),
        TableColumn("card_id", _("Card ID"), 18),
        TableColumn("children", _("Children's tickets"), 18),
        TableColumn("notes", _("Notes"), 40),
    ]


def table_file_name(site: Site, start: datetime.date, end: datetime.date, ext: str) -> str:
    return f"kaikukortti-{site.pk}-{start.isoformat()}-{end.isoformat()}.{ext}"


def build_table(site: Site, start: datetime.date, end: datetime.date) -> bytes:
    """The Excel table for recording uses offline at `site` in the period.

    Sheets: instructions; the table itself (active, headers in the active
    language, a dropdown of the period's offerings, checks on dates and
    numbers); and a hidden sheet of offering keys."""
    offerings = list(offerings_in_period(site, start, end))
    columns = table_columns()
    wb = Workbook()
    instructions = wb.active
    instructions.title = _("Instructions")[:31]
    table = wb.create_sheet(_("Uses")[:31])
    keys = wb.create_sheet(KEYS_SHEET)
    keys.sheet_state = "hidden"

    _write_instructions(instructions, site, start, end, offerings, columns)

    # The hidden keys: label → offering, as they were when the table was made.
    for col, header in enumerate(("label", "offering_id", "code", "title", "date"), start=1):
        keys.cell(row=1, column=col, value=header)
    for row, offering in enumerate(offerings, start=2):
        _set_text(keys.cell(row=row, column=1), offering_label(offering))
        keys.cell(row=row, column=2, value=offering.pk)
        keys.cell(row=row, column=3, value=offering_code(offering)).data_type = "s"
        _set_text(keys.cell(row=row, column=4), offering.title)
        keys.cell(row=row, column=5, value=offering.date)

    # The table.
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(columns, start=1):
        cell = table.cell(row=1, column=index, value=column.header)
        cell.font = bold
        cell.fill = header_fill
        table.column_dimensions[get_column_letter(index)].width = column.width
    table.freeze_panes = "A2"
    letter = {c.field: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    last = TABLE_ROWS + 1
    for row in range(2, last + 1):
        table[f"{letter['date']}{row}"].number_format = "d.m.yyyy"
        table[f"{letter['card_id']}{row}"].number_format = "@"
        table[f"{letter['children']}{row}"].number_format = "0"
    table[f"{letter['notes']}1"].comment = Comment(_notes_warning(), "Kaikukanta")

    dates = DataValidation(
        type="date",
        operator="between",
        formula1=f"DATE({start.year},{start.month},{start.day})",
        formula2=f"DATE({end.year},{end.month},{end.day})",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Date"),
        error=_("Write a date of the period %(start)s – %(end)s, e.g. %(example)s.")
        % {
            "start": date_format(start, "SHORT_DATE_FORMAT"),
            "end": date_format(end, "SHORT_DATE_FORMAT"),
            "example": f"{start.day}.{start.month}.{start.year}",
        },
    )
    dates.add(f"{letter['date']}2:{letter['date']}{last}")
    children = DataValidation(
        type="whole",
        operator="between",
        formula1="0",
        formula2=str(MAX_CHILDREN),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Children's tickets"),
        error=_("A whole number from 0 to %(max)d.") % {"max": MAX_CHILDREN},
    )
    children.add(f"{letter['children']}2:{letter['children']}{last}")
    card_ids = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1="30",
        allow_blank=True,
        showInputMessage=True,
        promptTitle=_("Card ID"),
        prompt=_("The ID printed on the card, e.g. KK000123."),
    )
    card_ids.add(f"{letter['card_id']}2:{letter['card_id']}{last}")
    notes = DataValidation(
        type="textLength",
        operator="lessThanOrEqual",
        formula1="200",
        allow_blank=True,
        showInputMessage=True,
        promptTitle=_("Notes"),
        prompt=_notes_warning()[:250],
    )
    notes.add(f"{letter['notes']}2:{letter['notes']}{last}")
    for validation in (dates, children, card_ids, notes):
        table.add_data_validation(validation)
    if offerings:
        choices = DataValidation(
            type="list",
            formula1=f"'{KEYS_SHEET}'!$A$2:$A${len(offerings) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=_("Offering"),
            error=_("Choose the offering from the list."),
        )
        choices.add(f"{letter['offering']}2:{letter['offering']}{last}")
        table.add_data_validation(choices)

    wb.active = wb.index(table)
    table.sheet_view.tabSelected = True
    instructions.sheet_view.tabSelected = False
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _notes_warning() -> str:
    return _(
        "For your own use only: Kaikukanta does not read or save this column. "
        "Never write a name or anything else that identifies the cardholder."
    )


def _write_instructions(ws, site, start, end, offerings, columns) -> None:
    header = {c.field: c.header for c in columns}
    lines: list[tuple[str, bool]] = [
        (_("Kaikukortti uses recorded offline"), True),
        (f"{site.name} · {site.organisation} · {site.municipality}", False),
        (
            _("Period: %(start)s – %(end)s")
            % {
                "start": date_format(start, "SHORT_DATE_FORMAT"),
                "end": date_format(end, "SHORT_DATE_FORMAT"),
            },
            False,
        ),
        (
            _("Made on %(day)s.") % {"day": date_format(timezone.localdate(), "SHORT_DATE_FORMAT")},
            False,
        ),
        ("", False),
        (_("How to use this table"), True),
        (
            _(
                "Use it only when Kaikukanta cannot be reached. Write one use of a card "
                "per row on the sheet “%(sheet)s”, and import the table into Kaikukanta "
                "as soon as the network is back (the site's page → The Excel table, the "
                "paper form and imports)."
            )
            % {"sheet": _("Uses")},
            False,
        ),
        (
            _("%(column)s: the day the card was used, e.g. 24.11.2026.")
            % {"column": header["date"]},
            False,
        ),
        (
            _(
                "%(column)s: choose from the list. Leave it empty only for plain admission "
                "on a day when the site has no offering."
            )
            % {"column": header["offering"]},
            False,
        ),
        (
            _("%(column)s: the ID printed on the card, letters and digits as they are.")
            % {"column": header["card_id"]},
            False,
        ),
        (
            _(
                "%(column)s: how many of the holder's own children or grandchildren under 18 "
                "got a ticket at the same time (0 if none; never on a course)."
            )
            % {"column": header["children"]},
            False,
        ),
        (
            _("%(column)s: %(warning)s") % {"column": header["notes"], "warning": _notes_warning()},
            False,
        ),
        ("", False),
        (
            _(
                "Do not change the headers or the hidden sheet. Extra columns and sheets "
                "are ignored. A use recorded twice is counted only once: importing the "
                "same table again adds nothing."
            ),
            False,
        ),
        (
            _(
                "Uses over an offering's cap are recorded and marked for the contact "
                "person: the tickets were handed out already."
            ),
            False,
        ),
        ("", False),
        (_("The offerings of the period"), True),
    ]
    if not offerings:
        lines.append((_("The site has no offerings in the period."), False))
    for row, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        _set_text(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if bold:
            cell.font = Font(bold=True, size=12)
    row = len(lines) + 1
    for offering in offerings:
        _set_text(ws.cell(row=row, column=1), offering_label(offering))
        row += 1
    ws.column_dimensions["A"].width = 110


# ---------------------------------------------------------------------------
# The A4 paper form
# ---------------------------------------------------------------------------


def build_paper_form(site: Site, start: datetime.date, end: datetime.date) -> bytes:
    """The printable A4 form (PDF) with the table's columns, about 25 rows, the
    site's name and the period's offerings with the codes to write down."""
    from weasyprint import CSS, HTML  # imported here: loading Pango takes a moment

    offerings = [
        {"code": offering_code(o), "title": o.title, "when": o.when(), "kind": o.get_kind_display()}
        for o in offerings_in_period(site, start, end)
    ]
    html = render_to_string(
        "usage/offline/paper_form.html",
        {
            "site": site,
            "start": start,
            "end": end,
            "columns": table_columns(),
            "rows": range(1, PAPER_FORM_ROWS + 1),
            "offerings": offerings,
            "notes_warning": _notes_warning(),
        },
    )
    stylesheet = finders.find("kaikukanta/paper-form.css")
    # No base URL and no remote resources: the PDF is made from this HTML alone.
    document = HTML(string=html, base_url=None)
    return document.write_pdf(stylesheets=[CSS(filename=stylesheet)])
