"""Reading an uploaded workbook in a process of its own, with bounded work.

An .xlsx file is a zip of XML, and a small one can ask for a great deal of
work: 2 KB of `<mergeCell ref="A2:A1048576"/>` entries, or a few megabytes
that unpack to tens of megabytes of rows. So the web process never parses an
uploaded workbook's XML itself. `usage.sheets.files` runs this file as a
script in a fresh, isolated Python (`python -I`, an empty environment: no
settings, no secrets, no database connection), hands it the upload on
standard input and reads back plain JSON: each visible sheet's non-blank
rows (the first MAX_COLUMNS columns), its merged ranges and its formula
cells without a value, and the offline table's hidden offering keys.

The process limits itself before it reads a byte, to the budget the parent
passes (`usage.sheets.files.READ_CPU_SECONDS` and `READ_MEMORY_BYTES`): CPU
seconds (the kernel stops it past them), address space, no files written and
no core dump. The parent adds a wall-clock timeout. Within those, the script
counts before it parses: cells, shared strings, merged ranges and the cells
they cover are counted in the raw XML (C-speed regular expressions that stop
at the limit), and a workbook over any limit is refused by name before
openpyxl sees it.

This file imports nothing of Django or the project, so that it runs alone.
"""

import io
import json
import re
import resource
import sys
import traceback
import zipfile
import zlib

# The limits. usage.sheets.files names them in its messages.
MAX_COLUMNS = 100
MAX_SCANNED_ROWS = 100_000  # rows read at most, blank ones included
HEADER_SCAN_ROWS = 20
MAX_CELLS = 500_000  # cells in the workbook's sheets (a 10,000-row table has ~50,000)
MAX_SHARED_STRINGS = 500_000
MAX_MERGED_RANGES = 1_000
MAX_MERGED_CELLS = 100_000  # cells covered by all merged ranges together
MAX_KEY_ROWS = 5_000  # rows of the offline table's hidden offering keys
KEYS_SHEET = "Kaikukanta-keys"  # usage.sheets.offline_table.KEYS_SHEET (a test keeps them equal)

_CELL = re.compile(rb"<(?:\w{1,16}:)?c[\s/>]")
_SHARED_STRING = re.compile(rb"<(?:\w{1,16}:)?si[\s/>]")
_MERGE_REF = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Za-z]{1,3}[0-9]{1,7}):([A-Za-z]{1,3}[0-9]{1,7})"'
)
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_CELL_REF = re.compile(r"^([A-Za-z]{1,3})([0-9]{1,7})$")


class Refused(Exception):
    """The workbook is refused; `code` names the limit or the problem."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def limit_this_process(cpu_seconds: int, memory_bytes: int) -> None:
    """Bound what this process may spend, before it reads the upload: past
    `cpu_seconds` the kernel sends SIGXCPU (and SIGKILL a second later)."""
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# ---------------------------------------------------------------------------
# Counting in the raw XML, before parsing
# ---------------------------------------------------------------------------


def _count_up_to(pattern: re.Pattern, data: bytes, most: int) -> int:
    """How many times `pattern` occurs in `data`, counting no further than most + 1."""
    count = 0
    for _match in pattern.finditer(data):
        count += 1
        if count > most:
            break
    return count


def _cell(ref: bytes | str) -> tuple[int, int]:
    """'B5' → (5, 1): the row number and the 0-based column index."""
    text = ref.decode() if isinstance(ref, bytes) else ref
    match = _CELL_REF.match(text)
    if not match:
        raise Refused("unreadable")
    column = 0
    for letter in match.group(1).upper():
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column - 1


def _merges(xml: bytes, budget: dict[str, int]) -> list[list]:
    """The sheet's merged ranges, counted against the workbook's budget."""
    merges = []
    for match in _MERGE_REF.finditer(xml):
        budget["ranges"] -= 1
        if budget["ranges"] < 0:
            raise Refused("too_many_merged_ranges")
        (top, left), (bottom, right) = _cell(match.group(1)), _cell(match.group(2))
        top, bottom = min(top, bottom), max(top, bottom)
        left, right = min(left, right), max(left, right)
        budget["cells"] -= (bottom - top + 1) * (right - left + 1)
        if budget["cells"] < 0:
            raise Refused("too_many_merged_cells")
        ref = f"{match.group(1).decode()}:{match.group(2).decode()}"
        merges.append([top, left, bottom, right, ref])
    return merges


def _formulas_without_values(xml: bytes) -> list[list[int]]:
    """[row, column] of each formula cell that has no cached value."""
    from defusedxml import ElementTree

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    found = []
    row_number, column = 0, -1
    for event, elem in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        name = local(elem.tag)
        if event == "start":
            if name == "row":
                row_number = int(elem.get("r") or row_number + 1)
                column = -1
            elif name == "c":
                ref = elem.get("r")
                column = _cell(ref)[1] if ref else column + 1
            continue
        if name == "c":
            children = {local(child.tag): child for child in elem}
            value = children.get("v")
            if "f" in children and (value is None or not (value.text or "").strip()):
                found.append([row_number, column])
            elem.clear()
        elif name == "row":
            elem.clear()
    return found


# ---------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------


def _encode(value):
    """A cell value as JSON: dates and times tagged, everything else as it is."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return {"$": type(value).__name__, "v": value.isoformat()}
    if hasattr(value, "total_seconds"):  # timedelta
        return {"$": "timedelta", "v": value.total_seconds()}
    return str(value)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _sheet_rows(ws, budget: dict[str, int]) -> tuple[list, bool]:
    """The sheet's non-blank rows as [number, values], and whether rows were
    left unread (more than MAX_SCANNED_ROWS + HEADER_SCAN_ROWS of them)."""
    ws.reset_dimensions()  # some writers record a wrong size; read what is there
    rows = []
    last = MAX_SCANNED_ROWS + HEADER_SCAN_ROWS
    for number, values in enumerate(ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), 1):
        if number > last:
            return rows, True
        if all(_is_blank(v) for v in values):
            continue
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        budget["values"] -= len(values)
        if budget["values"] < 0:
            raise Refused("too_many_cells")
        rows.append([number, [_encode(v) for v in values]])
    return rows, False


def _key_labels(workbook) -> dict[str, int]:
    """The offline table's hidden sheet: dropdown label → offering."""
    if KEYS_SHEET not in workbook.sheetnames:
        return {}
    labels: dict[str, int] = {}
    ws = workbook[KEYS_SHEET]
    for values in ws.iter_rows(min_row=2, max_row=MAX_KEY_ROWS + 1, max_col=2, values_only=True):
        if len(values) < 2 or _is_blank(values[0]):
            continue
        try:
            labels[" ".join(str(values[0]).split())] = int(values[1])
        except (TypeError, ValueError):
            continue
    return labels


def _visible(workbook) -> list:
    sheets = [
        ws for ws in workbook.worksheets if ws.sheet_state == "visible" and hasattr(ws, "iter_rows")
    ]
    try:
        active = workbook.active
    except (IndexError, AttributeError):
        active = None
    if active in sheets:
        sheets.remove(active)
        sheets.insert(0, active)
    return sheets


def _check_parts(archive: zipfile.ZipFile) -> dict[str, list[list]]:
    """Count what would be expensive to parse, in the raw XML of every sheet
    and of the shared strings, before anything parses it (openpyxl is not even
    imported for a workbook over a limit). The merged ranges of each sheet, by
    the sheet's path."""
    cells = 0
    budget = {"ranges": MAX_MERGED_RANGES, "cells": MAX_MERGED_CELLS}
    merges: dict[str, list[list]] = {}
    for info in archive.infolist():
        name = info.filename
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            xml = archive.read(name)
            cells += _count_up_to(_CELL, xml, MAX_CELLS - cells)
            if cells > MAX_CELLS:
                raise Refused("too_many_cells")
            merges[name] = _merges(xml, budget)
        elif name == "xl/sharedStrings.xml" and (
            _count_up_to(_SHARED_STRING, archive.read(name), MAX_SHARED_STRINGS)
            > MAX_SHARED_STRINGS
        ):
            raise Refused("too_many_shared_strings")
    return merges


def read_workbook(data: bytes) -> dict:
    """The visible sheets (the active one first) and the hidden keys, as plain data."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    merges = _check_parts(archive)

    from openpyxl import load_workbook  # only for a workbook within the limits

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    budget = {"values": MAX_CELLS}
    sheets = []
    for ws in _visible(workbook):
        path = ws._worksheet_path.lstrip("/")
        xml = archive.read(path)
        formulas = _formulas_without_values(xml) if _FORMULA.search(xml) else []
        del xml
        rows, more = _sheet_rows(ws, budget)
        sheets.append(
            {
                "title": ws.title,
                "rows": rows,
                "more": more,
                "merges": merges.get(path, []),
                "formulas": formulas,
            }
        )
    return {"sheets": sheets, "key_labels": _key_labels(workbook)}


def main() -> None:
    """python -I workbook_reader.py CPU_SECONDS MEMORY_BYTES < upload > JSON"""
    limit_this_process(int(sys.argv[1]), int(sys.argv[2]))
    try:
        answer = json.dumps(read_workbook(sys.stdin.buffer.read()))
    except Refused as refused:
        answer = json.dumps({"refused": refused.code})
    except (zipfile.BadZipFile, EOFError, zlib.error):
        answer = json.dumps({"refused": "broken_zip"})
    except MemoryError:
        answer = json.dumps({"refused": "too_much_memory"})
    except Exception:
        traceback.print_exc()  # the parent logs it
        answer = json.dumps({"refused": "unreadable"})
    sys.stdout.write(answer)


if __name__ == "__main__":
    main()
