"""Workbooks that ask for far more work than their size suggests, made here
byte by byte: the import must refuse each within its budget (issue 9)."""

import io
import zipfile

SHEET = "xl/worksheets/sheet1.xml"
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


_PACKAGE = "http://schemas.openxmlformats.org/package/2006"
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _parts() -> dict[str, bytes]:
    """The fewest parts of a one-sheet workbook that Excel and openpyxl open."""
    return {
        "[Content_Types].xml": (
            f'<Types xmlns="{_PACKAGE}/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
            f'<Override PartName="/{SHEET}" ContentType="{_TYPE}.worksheet+xml"/></Types>'
        ).encode(),
        "_rels/.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{_OFFICE}/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<workbook {_NS} xmlns:r="{_OFFICE}/relationships"><sheets>'
            '<sheet name="Uses" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_PACKAGE}/relationships"><Relationship Id="rId1" '
            f'Type="{_OFFICE}/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>"
        ).encode(),
    }


def with_sheet(sheet_data: bytes, *, after: bytes = b"", strings: bytes | None = None) -> bytes:
    """A workbook whose first sheet holds `sheet_data` (rows) and `after`
    (e.g. merged cells); `strings` replaces the shared strings part."""
    parts = _parts()
    parts[SHEET] = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'.encode()
        + sheet_data
        + b"</sheetData>"
        + after
        + b"</worksheet>"
    )
    if strings is not None:
        parts["xl/sharedStrings.xml"] = strings
        override = (
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.sharedStrings+xml"/>'
        ).encode()
        types = parts["[Content_Types].xml"]
        parts["[Content_Types].xml"] = types.replace(b"</Types>", override + b"</Types>")
        rels = parts["xl/_rels/workbook.xml.rels"]
        link = (
            f'<Relationship Id="rId2" Type="{_OFFICE}/relationships/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        ).encode()
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            b"</Relationships>", link + b"</Relationships>"
        )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return out.getvalue()


HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Date</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>Offering</t></is></c>'
    b'<c r="C1" t="inlineStr"><is><t>Card ID</t></is></c></row>'
)


def merge_bomb(ranges: int = 200) -> bytes:
    """~2 KB: `ranges` times <mergeCell ref="A2:A1048576"/> (a column merged to
    the sheet's last row, each a million cells to fill down)."""
    merges = b'<mergeCell ref="A2:A1048576"/>' * ranges
    return with_sheet(
        HEADER_ROW, after=b'<mergeCells count="%d">' % ranges + merges + b"</mergeCells>"
    )


def many_merged_ranges(ranges: int) -> bytes:
    """`ranges` small merged ranges, two cells each, in rows under the header."""
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (n, n) for n in range(2, ranges + 2))
    return with_sheet(HEADER_ROW, after=b"<mergeCells>" + merges + b"</mergeCells>")


def rows_of_cells(rows: int, columns: int = 5) -> bytes:
    """Numbers in `rows` × `columns` cells (each cell's reference written out)."""
    letters = [chr(ord("A") + i) for i in range(columns)]
    body = b"".join(
        b'<row r="%d">' % r
        + b"".join(
            b'<c r="%s%d"><v>%d</v></c>' % (c.encode(), r, r * 7 + i) for i, c in enumerate(letters)
        )
        + b"</row>"
        for r in range(2, rows + 2)
    )
    return with_sheet(HEADER_ROW + body)


def unpacks_to(megabytes: int) -> bytes:
    """A few megabytes that unpack to `megabytes` MB of real-looking rows of
    uses: compressed about twentyfold, under the zip-bomb ratio check."""
    row = 0
    chunks = []
    size = 0
    while size < megabytes * 1024 * 1024:
        row += 1
        chunk = (
            b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>Hamlet'
            b'</t></is></c><c r="C%d" t="inlineStr"><is><t>KK%06d</t></is></c></row>'
            % (row + 1, row + 1, 46000 + row // 1000, row + 1, row + 1, row)
        )
        chunks.append(chunk)
        size += len(chunk)
    return with_sheet(HEADER_ROW + b"".join(chunks))


def many_shared_strings(count: int) -> bytes:
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{count}" '
        f'uniqueCount="{count}">'.encode()
        + b"".join(b"<si><t>%d</t></si>" % n for n in range(count))
        + b"</sst>"
    )
    return with_sheet(HEADER_ROW, strings=strings)
