"""Reading an uploaded offline sheet without trusting it.

An upload is checked before anything parses it: its size, what it is (a zip
that holds an Excel workbook, a password-protected workbook, an old .xls, an
OpenDocument file, text, or something else), and for a workbook the zip's
entries (how many, how much they unpack to, how much they are compressed: a
zip bomb is refused before a byte is unpacked). A workbook's XML is then read
in a process of its own with a CPU, memory and wall-clock budget
(`usage.sheets.workbook_reader`): cells, shared strings, merged ranges and the
cells they cover are counted before anything parses them, and a workbook
over a limit is refused with a message that names it. The web process only
gets plain rows back. Workbooks are read with openpyxl in read-only mode,
cached values only; a formula without a cached value is reported for its
row, and merged cells are filled down or reported.
CSV files may use semicolons or commas (or tabs) and come in UTF-8 with or
without a byte order mark, UTF-16 or Windows-1252.

Every problem becomes a `FileRefused` with a stable code and a message in
plain words; nothing here touches the database.
"""

import csv
import datetime
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from usage.sheets import workbook_reader
from usage.sheets.workbook_reader import (
    HEADER_SCAN_ROWS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_MERGED_CELLS,
    MAX_MERGED_RANGES,
    MAX_SCANNED_ROWS,
    MAX_SHARED_STRINGS,
)

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 10_000
# What a workbook may unpack to: a 10,000-row table is a few megabytes of XML.
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_COMPRESSION_RATIO = 100
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
# The budget of the process that reads a workbook (usage.sheets.workbook_reader).
# A 10,000-row table takes about a second of CPU; the process stops at
# READ_CPU_SECONDS. On the clock it gets READ_WALL_SECONDS, so that a reader
# waiting for a busy CPU still ends well before gunicorn's 30-second timeout.
READ_CPU_SECONDS = 10
READ_WALL_SECONDS = 20
READ_MEMORY_BYTES = 1024 * 1024 * 1024
SAMPLE_ROWS = 3

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Streams of an encrypted OOXML package inside its OLE container (MS-OFFCRYPTO).
OLE_ENCRYPTION_STREAMS = tuple(
    name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo")
)
OTHER_MAGICS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")

FILE_MESSAGES: dict[str, Any] = {
    "empty": _("The file is empty."),
    "too_large": _(
        "The file is larger than 5 MB. Split it into smaller files, or save it again "
        "without pictures and extra sheets."
    ),
    "too_many_rows": _(
        "The file has more than 10,000 rows of uses. Split it into files of at most "
        "10,000 rows and import them one by one."
    ),
    "not_spreadsheet": _(
        "This file is not a spreadsheet. Upload the Excel table (.xlsx) or a CSV file "
        "with the same columns."
    ),
    "broken_zip": _(
        "The file is damaged and cannot be opened. Open it in Excel, save it again as an "
        "Excel workbook (.xlsx) and upload it again."
    ),
    "encrypted": _(
        "The workbook is protected with a password, so it cannot be read. Open it in Excel, "
        "remove the password (File → Info → Protect Workbook), save and upload it again."
    ),
    "old_excel": _(
        "This is an old Excel 97–2003 workbook (.xls). Open it in Excel and save it as an "
        "Excel workbook (.xlsx), then upload that."
    ),
    "opendocument": _(
        "This is an OpenDocument spreadsheet (.ods). Save it as an Excel workbook (.xlsx) "
        "or as CSV, then upload that."
    ),
    "zip_bomb": _(
        "The file would unpack to far more data than a table of uses can hold, so it was "
        "not opened. Copy the rows into a new workbook, save and upload that."
    ),
    "not_workbook": _(
        "The file is a zip archive but not an Excel workbook. Upload the Excel table (.xlsx) "
        "or a CSV file."
    ),
    "unreadable": _(
        "The workbook could not be read. Open it in Excel, save it again as an Excel "
        "workbook (.xlsx) and upload it again."
    ),
    "no_sheet": _("The workbook has no visible sheet with rows."),
    "no_rows": _("The file has no rows of uses under its headers."),
    "csv_broken": _(
        "The CSV file could not be read as a table. Check that its values are separated "
        "by semicolons or commas, and that quotes are closed."
    ),
    "unpacked_too_large": _(
        "The workbook unpacks to more than %(mb)s MB of data, more than an import may "
        "read. Copy the rows of uses into a new workbook, save and upload that."
    ),
    "too_many_cells": _(
        "The workbook has more than %(cells)s cells, more than an import may read. Copy "
        "the rows of uses into a new workbook, save and upload that."
    ),
    "too_many_shared_strings": _(
        "The workbook has more than %(strings)s different texts, more than an import may "
        "read. Copy the rows of uses into a new workbook, save and upload that."
    ),
    "too_many_merged_ranges": _(
        "The workbook has more than %(ranges)s merged cell ranges, more than an import may "
        "read. Unmerge the cells (Home → Merge & Center → Unmerge Cells), save and upload "
        "it again."
    ),
    "too_many_merged_cells": _(
        "The workbook's merged cells cover more than %(cells)s cells, more than an import "
        "may read. Unmerge the cells (Home → Merge & Center → Unmerge Cells), save and "
        "upload it again."
    ),
    "too_slow": _(
        "Reading the workbook took longer than %(seconds)s seconds, the most an import may "
        "take. Copy the rows of uses into a new workbook, or split it into smaller files, "
        "and upload them one by one."
    ),
    "too_much_memory": _(
        "Reading the workbook needs more than %(mb)s MB of memory, the most an import may "
        "use. Copy the rows of uses into a new workbook, or split it into smaller files, "
        "and upload them one by one."
    ),
}


def _limits() -> dict[str, str]:
    """The limits as the messages name them, in the reader's number format."""
    return {
        "mb": number_format(MAX_UNCOMPRESSED_BYTES // (1024 * 1024)),
        "cells": number_format(MAX_CELLS, force_grouping=True),
        "strings": number_format(MAX_SHARED_STRINGS, force_grouping=True),
        "ranges": number_format(MAX_MERGED_RANGES, force_grouping=True),
        "seconds": number_format(READ_CPU_SECONDS),
    }


_LIMIT_OF = {
    "too_many_merged_cells": {"cells": MAX_MERGED_CELLS},
    "too_much_memory": {"mb": READ_MEMORY_BYTES // (1024 * 1024)},
}


class FileRefused(Exception):
    """The upload cannot be read. Nothing was saved."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)

    @property
    def message(self) -> str:
        text = str(FILE_MESSAGES[self.code])
        if "%(" not in text:
            return text
        limits = _limits()
        for name, value in _LIMIT_OF.get(self.code, {}).items():
            limits[name] = number_format(value, force_grouping=True)
        return text % limits


@dataclass
class Located:
    """Where the rows of an upload are: the sheet, its header row and headers,
    and a few rows under them for choosing the columns."""

    sheet_name: str
    header_row: int  # 1-based; 0: no header row
    headers: list[str]
    samples: list[list[str]] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    # The top of the sheet as the user sees it: (row number, cells) of the
    # non-blank rows above the header row, the header row and the samples.
    top: list[tuple[int, list[str]]] = field(default_factory=list)

    @property
    def width(self) -> int:
        """How many columns the top of the sheet fills."""
        return max([len(self.headers), *(len(cells) for _n, cells in self.top)])


# Why a non-blank row is not read as a use (the preview shows it as skipped).
SKIP_ABOVE_HEADER = "above_header"  # above the header row
SKIP_ONLY_NOTE = "only_note"  # nothing but a note in the notes column
SKIP_OTHER_COLUMNS = "other_columns"  # something only in columns that are not read


@dataclass
class RawRow:
    """One non-blank row: the values of the chosen columns. A row that is
    not a use to record says why in `skip`."""

    number: int  # the row's number in the sheet, as the user sees it
    values: dict[str, Any]
    problems: list[dict[str, str]] = field(default_factory=list)
    skip: str = ""


@dataclass
class RowsRead:
    rows: list[RawRow]
    notices: list[dict[str, Any]] = field(default_factory=list)
    key_labels: dict[str, int] = field(default_factory=dict)


def cell_text(value: Any) -> str:
    """A cell as text, for headers and samples: 12.0 → '12', None → ''."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()  # a date cell: Excel keeps it as midnight
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return " ".join(str(value).split())


def shown_text(value: Any) -> str:
    """A cell as the pages show it: cell_text, with a date in the Finnish
    format (29.11.2026) that the import reads back as well."""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return f"{value.day}.{value.month}.{value.year}"
    return cell_text(value)


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _picked(values: tuple, columns: dict[str, int]) -> dict[str, Any]:
    return {
        name: (values[index] if index < len(values) else None) for name, index in columns.items()
    }


def _why_unread(values: tuple, notes: int | None) -> str:
    """Why a row whose chosen columns are blank is skipped; "" when the whole
    row is blank (such a row is not worth a line in the preview)."""
    if notes is not None and notes < len(values) and not _is_blank(values[notes]):
        return SKIP_ONLY_NOTE
    if any(not _is_blank(v) for v in values):
        return SKIP_OTHER_COLUMNS
    return ""


def open_upload(data: bytes, file_name: str = "") -> "SpreadsheetFile":
    """Check what the upload is and open it for reading, or raise FileRefused."""
    if not data:
        raise FileRefused("empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileRefused("too_large")
    if data.startswith(OLE_MAGIC):
        # Office keeps password-protected .xlsx files in an OLE container, as
        # it does old .xls workbooks; the stream names tell them apart.
        if any(name in data for name in OLE_ENCRYPTION_STREAMS):
            raise FileRefused("encrypted")
        raise FileRefused("old_excel")
    if data.startswith(b"PK"):
        return XlsxFile(data)
    if data.startswith(OTHER_MAGICS):
        raise FileRefused("not_spreadsheet")
    return CsvFile(data)


class SpreadsheetFile:
    file_format = ""

    def locate(self, is_header: Callable[[list[str]], bool]) -> Located:
        """Find the sheet and the header row: the first row (of the first 20, in
        the active sheet first) that `is_header` accepts; failing that, the
        fullest of the first rows of the first sheet with rows."""
        first: Located | None = None
        for sheet_name, rows in self._sheets():
            top = []
            for number, values in rows:
                if number > HEADER_SCAN_ROWS:
                    break
                top.append((number, values))
            rows.close()
            for number, values in top:
                headers = [cell_text(v) for v in values]
                if any(headers) and is_header(headers):
                    return self._located(sheet_name, number, headers)
            if first is None and top:
                # No header we know: take the first of the fullest rows (a
                # report's title lines above its headers have fewer cells).
                filled = [sum(1 for v in values if not _is_blank(v)) for _n, values in top]
                if max(filled):
                    number, values = top[filled.index(max(filled))]
                    headers = [cell_text(v) for v in values]
                    first = self._located(sheet_name, number, headers)
        if first is None:
            raise FileRefused("no_sheet" if self.file_format == "xlsx" else "no_rows")
        return first

    def at(self, sheet_name: str, header_row: int) -> Located:
        """The headers and samples of a known sheet and header row."""
        if sheet_name not in self.sheet_names():
            raise FileRefused("no_sheet")
        rows = self._rows(sheet_name, header_row)
        number, values = next(rows, (header_row, ()))
        rows.close()
        if number != header_row:
            values = ()  # a blank row is not kept: the header row is empty
        return self._located(sheet_name, header_row, [cell_text(v) for v in values])

    def _located(self, sheet_name: str, header_row: int, headers: list[str]) -> Located:
        while headers and not headers[-1]:
            headers.pop()
        samples: list[list[str]] = []
        top: list[tuple[int, list[str]]] = []
        rows = self._rows(sheet_name, 1)
        for number, values in rows:
            if number > header_row + HEADER_SCAN_ROWS or len(samples) >= SAMPLE_ROWS:
                break
            if all(_is_blank(v) for v in values):
                continue
            cells = [shown_text(v)[:60] for v in values]
            while cells and not cells[-1]:
                cells.pop()
            top.append((number, cells))
            if number > header_row:
                # Without a header row, a sample is as wide as the row itself.
                samples.append(cells[: len(headers)] if headers else cells)
        rows.close()
        ignored = [name for name in self.sheet_names() if name != sheet_name]
        return Located(sheet_name, header_row, headers, samples, ignored, top)

    def sheet_names(self) -> list[str]:
        return []

    def _sheets(self) -> Iterator[tuple[str, Generator[tuple[int, tuple], None, None]]]:
        raise NotImplementedError

    def _rows(self, sheet_name: str, first_row: int) -> Generator[tuple[int, tuple], None, None]:
        raise NotImplementedError

    def _rows_above(
        self, sheet_name: str, header_row: int, columns: dict[str, int]
    ) -> list[RawRow]:
        """The non-blank rows above the header row (at most HEADER_SCAN_ROWS of
        them: the header row is found among the first rows), as skipped."""
        above: list[RawRow] = []
        if header_row <= 1:
            return above
        rows = self._rows(sheet_name, 1)
        for number, values in rows:
            if number >= header_row:
                break
            if any(not _is_blank(v) for v in values):
                above.append(RawRow(number, _picked(values, columns), skip=SKIP_ABOVE_HEADER))
        rows.close()
        return above

    def read_rows(
        self,
        sheet_name: str,
        header_row: int,
        columns: dict[str, int],
        notes: int | None = None,
    ) -> RowsRead:
        """The non-blank rows, with the values of `columns` (field → 0-based
        column index): those under the header row to be read as uses, and
        those above it, or with nothing in `columns` (only a note in the
        `notes` column, say), marked as skipped. At most MAX_ROWS, or
        FileRefused."""
        rows = self._rows_above(sheet_name, header_row, columns)
        for number, values in self._rows(sheet_name, header_row + 1):
            if number - header_row > MAX_SCANNED_ROWS:
                raise FileRefused("too_many_rows")
            picked = _picked(values, columns)
            skip = ""
            if all(_is_blank(v) for v in picked.values()):
                skip = _why_unread(values, notes)
                if not skip:
                    continue
            rows.append(RawRow(number, picked, skip=skip))
            if len(rows) > MAX_ROWS:
                raise FileRefused("too_many_rows")
        return RowsRead(rows)

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------
# Excel workbooks
# ---------------------------------------------------------------------------

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "datetime": datetime.datetime.fromisoformat,
    "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "timedelta": lambda seconds: datetime.timedelta(seconds=seconds),
}


def _decoded(obj: dict) -> Any:
    """A cell value the reader tagged (a date or time) back as a Python value."""
    if set(obj) == {"$", "v"} and obj["$"] in _DECODERS:
        return _DECODERS[obj["$"]](obj["v"])
    return obj


READER = str(Path(workbook_reader.__file__).resolve())
# Only what Python needs to start: no settings, secrets or database addresses.
_READER_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR")


def read_workbook_apart(data: bytes) -> dict[str, Any]:
    """The workbook read by `usage.sheets.workbook_reader` in a fresh, isolated Python
    with a CPU, memory and wall-clock budget: its sheets as plain data, or
    FileRefused naming the limit it went over."""
    environment = {name: os.environ[name] for name in _READER_ENVIRONMENT if name in os.environ}
    try:
        done = subprocess.run(
            [sys.executable, "-I", READER, str(READ_CPU_SECONDS), str(READ_MEMORY_BYTES)],
            input=data,
            capture_output=True,
            timeout=READ_WALL_SECONDS,
            env=environment,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise FileRefused("too_slow") from None
    except OSError:  # no process could be started (out of memory or processes)
        logger.exception("The workbook reader could not be started")
        raise FileRefused("unreadable") from None
    if done.returncode != 0:
        # Stopped by the kernel: SIGXCPU past the CPU budget (SIGKILL at its
        # hard limit); anything else is a fault of the reader, logged.
        if done.returncode not in (-signal.SIGKILL, -signal.SIGXCPU):
            logger.warning(
                "The workbook reader ended with %s: %s", done.returncode, done.stderr[-2000:]
            )
            raise FileRefused("unreadable")
        raise FileRefused("too_slow")
    if done.stderr:
        logger.info("The workbook reader: %s", done.stderr.decode(errors="replace")[-2000:])
    try:
        result = json.loads(done.stdout, object_hook=_decoded)
    except ValueError:
        logger.warning("The workbook reader answered something else than JSON")
        raise FileRefused("unreadable") from None
    if "refused" in result:
        raise FileRefused(result["refused"])
    return result


class XlsxFile(SpreadsheetFile):
    file_format = "xlsx"

    def __init__(self, data: bytes):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                infos = archive.infolist()
                self._check_entries(infos)
                names = {info.filename for info in infos}
                if "[Content_Types].xml" not in names:
                    if "mimetype" in names and b"opendocument" in _head(archive, "mimetype"):
                        raise FileRefused("opendocument")
                    raise FileRefused("not_workbook")
                if b"spreadsheetml" not in _head(archive, "[Content_Types].xml", 64 * 1024):
                    raise FileRefused("not_workbook")
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
            raise FileRefused("broken_zip") from None
        read = read_workbook_apart(data)
        self.sheets: dict[str, dict[str, Any]] = {sheet["title"]: sheet for sheet in read["sheets"]}
        self.key_labels: dict[str, int] = read["key_labels"]

    @staticmethod
    def _check_entries(infos: list[zipfile.ZipInfo]) -> None:
        """Refuse a zip bomb from its directory, before unpacking anything.
        (Python's zipfile never unpacks more than an entry's declared size.)"""
        if len(infos) > MAX_ZIP_ENTRIES:
            raise FileRefused("zip_bomb")
        if sum(info.file_size for info in infos) > MAX_UNCOMPRESSED_BYTES:
            raise FileRefused("unpacked_too_large")
        for info in infos:
            if info.flag_bits & 0x1:
                raise FileRefused("encrypted")
            if info.file_size > RATIO_CHECKED_FROM_BYTES and (
                info.compress_size == 0
                or info.file_size / info.compress_size > MAX_COMPRESSION_RATIO
            ):
                raise FileRefused("zip_bomb")

    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def _sheets(self):
        for title in self.sheets:
            yield title, self._rows(title, 1)

    def _rows(self, sheet_name: str, first_row: int) -> Generator[tuple[int, tuple], None, None]:
        """The sheet's non-blank rows from `first_row` on (blank ones were not kept)."""
        sheet = self.sheets[sheet_name]
        for number, values in sheet["rows"]:
            if number >= first_row:
                yield number, tuple(values)
        if sheet["more"]:
            raise FileRefused("too_many_rows")

    def read_rows(
        self,
        sheet_name: str,
        header_row: int,
        columns: dict[str, int],
        notes: int | None = None,
    ) -> RowsRead:
        sheet = self.sheets[sheet_name]
        formulas = {(row, column) for row, column in sheet["formulas"]}
        by_index = {index: name for name, index in columns.items()}
        notices: list[dict[str, Any]] = []

        # Merged cells under the header: a range within one column (a date
        # written once for several rows) is filled down; a range across columns
        # cannot be read as one row's values and is reported for its rows. The
        # reader refused a workbook whose ranges cover more than MAX_MERGED_CELLS.
        fill: dict[tuple[int, int], tuple[int, int]] = {}
        across: dict[int, str] = {}
        filled_refs: list[str] = []
        for top, left, bottom, right, ref in sheet["merges"]:
            if bottom <= header_row or not any(left <= i <= right for i in by_index):
                continue
            if left == right and top > header_row:
                for row in range(top + 1, bottom + 1):
                    fill[(row, left)] = (top, left)
                filled_refs.append(ref)
            else:
                for row in range(max(top, header_row + 1), bottom + 1):
                    across.setdefault(row, ref)
        sources = set(fill.values())
        remembered: dict[tuple[int, int], Any] = {}
        if filled_refs:
            notices.append({"code": "merged_filled", "cells": filled_refs[:10]})

        rows = self._rows_above(sheet_name, header_row, columns)
        for number, values in self._rows(sheet_name, header_row + 1):
            if number - header_row > MAX_SCANNED_ROWS:
                raise FileRefused("too_many_rows")
            picked = {}
            problems = []
            for index, name in by_index.items():
                value = values[index] if index < len(values) else None
                if (number, index) in sources:
                    remembered[(number, index)] = value
                elif (number, index) in fill:
                    value = remembered.get(fill[(number, index)])
                if (number, index) in formulas:
                    problems.append({"code": "formula_without_value", "column": name})
                picked[name] = value
            if number in across:
                problems.append({"code": "merged_cells", "column": "", "cells": across[number]})
            skip = ""
            if not problems and all(_is_blank(v) for v in picked.values()):
                skip = _why_unread(values, notes)
                if not skip:
                    continue
            rows.append(RawRow(number, picked, problems, skip))
            if len(rows) > MAX_ROWS:
                raise FileRefused("too_many_rows")
        return RowsRead(rows, notices, dict(self.key_labels))


def _head(archive: zipfile.ZipFile, name: str, size: int = 200) -> bytes:
    """The first bytes of a small entry, to tell what the package is."""
    try:
        with archive.open(name) as entry:
            return entry.read(size)
    except (zipfile.BadZipFile, EOFError, KeyError, OSError, ValueError, zlib.error):
        raise FileRefused("broken_zip") from None


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------

_DELIMITERS = (";", ",", "\t")


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # Excel's "CSV" on Finnish Windows


class CsvFile(SpreadsheetFile):
    file_format = "csv"

    def __init__(self, data: bytes):
        try:
            text = _decode(data)
        except UnicodeDecodeError:
            raise FileRefused("not_spreadsheet") from None
        # Text has no control characters other than tabs and line ends.
        if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text[:65536]):
            raise FileRefused("not_spreadsheet")
        self.text = text
        lines = [line for line in text.splitlines()[:HEADER_SCAN_ROWS] if line.strip()]
        counts = {d: sum(line.count(d) for line in lines) for d in _DELIMITERS}
        self.delimiter = max(_DELIMITERS, key=lambda d: counts[d])
        if counts[self.delimiter] == 0:
            # One column cannot hold a date and a card ID: not a table of uses.
            raise FileRefused("not_spreadsheet")

    def sheet_names(self) -> list[str]:
        return [""]

    def _sheets(self):
        yield "", self._rows("", 1)

    def _rows(self, sheet_name: str, first_row: int) -> Generator[tuple[int, tuple], None, None]:
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        try:
            for number, values in enumerate(reader, start=1):
                if number < first_row:
                    continue
                yield number, tuple(v if v.strip() else None for v in values[:MAX_COLUMNS])
        except csv.Error:
            raise FileRefused("csv_broken") from None
