"""Building offline sheets in tests: the downloaded table filled in, workbooks
and CSV files of every shape, and bad files of every kind."""

import datetime
import io
import struct
import zipfile
from collections.abc import Iterable
from types import SimpleNamespace

from django.urls import resolve, reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from tests.factories import CardFactory, OfferingFactory
from usage.models import ImportBatch, Redemption
from usage.sheets.offline_table import KEYS_SHEET
from venues.models import Offering

TODAY = timezone.localdate
HEADERS = ["Date", "Offering", "Card ID", "Children's tickets", "Notes"]


def days_ago(n: int) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def scene(net) -> SimpleNamespace:
    """Venue A's offerings of the past days and cards in every state."""
    show = OfferingFactory(site=net.venue_a, title="Hamlet", date=days_ago(3), cap=None)
    capped = OfferingFactory(site=net.venue_a, title="Pieni sali", date=days_ago(2), cap=3)
    course = OfferingFactory(
        site=net.venue_a,
        title="Keramiikka",
        kind=Offering.Kind.COURSE,
        date=days_ago(20),
        end_date=TODAY() + datetime.timedelta(days=60),
        start_time=None,
    )
    other_site_show = OfferingFactory(site=net.venue_b, title="Muualla", date=days_ago(3))
    issued = days_ago(100)
    return SimpleNamespace(
        show=show,
        capped=capped,
        course=course,
        other_site_show=other_site_show,
        cards=[
            CardFactory(card_id=f"KK{n:06d}", issued_by=net.dist_a, issued_on=issued, children=2)
            for n in range(1, 9)
        ],
        expired=CardFactory(
            card_id="KKOLD001", issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(800)
        ),
        closed=CardFactory(
            card_id="KKSHUT01",
            issued_by=net.dist_a,
            issued_on=issued,
            closed_on=days_ago(10),
            close_reason="lost",
        ),
    )


def download_table(client, site, start=None, end=None) -> bytes:
    start = start or days_ago(30)
    end = end or TODAY()
    url = reverse("usage:offline_table", args=[site.pk])
    response = client.get(url, {"start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200, response
    return response.content


def labels_in(table: bytes) -> dict[int, str]:
    """offering pk → its dropdown label, from the table's hidden sheet."""
    wb = load_workbook(io.BytesIO(table))
    keys = wb[KEYS_SHEET]
    return {row[1]: row[0] for row in keys.iter_rows(min_row=2, values_only=True)}


def fill_table(table: bytes, rows: Iterable[tuple]) -> bytes:
    """The downloaded table with `rows` (date, offering label, card ID,
    children, notes) written under its headers, saved as a user would."""
    wb = load_workbook(io.BytesIO(table))
    ws = wb.active
    for number, row in enumerate(rows, start=2):
        for column, value in enumerate(row, start=1):
            ws.cell(row=number, column=column, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def workbook(rows: list[list], *, title="Sheet", extra_sheets=(), setup=None) -> bytes:
    """A workbook whose (active) sheet holds `rows`, the first being headers."""
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    for name in extra_sheets:
        other = wb.create_sheet(name, 0)
        other["A1"] = "Kassan muistiinpanot"
        other["B1"] = "Date"
        other["C1"] = "Card ID"
    wb.active = wb.index(ws)
    if setup:
        setup(ws)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], *, delimiter=";", encoding="utf-8-sig") -> bytes:
    text = "\r\n".join(delimiter.join(str(v) for v in row) for row in rows) + "\r\n"
    return text.encode(encoding)


def upload(client, site, data: bytes, name="uses.xlsx", **extra):
    url = reverse("usage:import_upload", args=[site.pk])
    file = io.BytesIO(data)
    file.name = name
    return client.post(url, {"file": file, **extra})


def batch_of(response) -> ImportBatch:
    """The batch an upload redirected to (its preview or its columns)."""
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.get(pk=resolve(response["Location"]).kwargs["pk"])


def confirm(client, batch):
    return client.post(reverse("usage:import_confirm", args=[batch.pk]))


def counts() -> tuple[int, int]:
    return Redemption.objects.count(), ImportBatch.objects.count()


# ---------------------------------------------------------------------------
# Bad files
# ---------------------------------------------------------------------------


def ole_file(*stream_names: str) -> bytes:
    """A minimal OLE (Compound File Binary) container: the header, and one
    directory sector naming `stream_names`. An encrypted .xlsx is such a file
    with EncryptionInfo and EncryptedPackage streams (MS-OFFCRYPTO)."""
    header = bytearray(512)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<I", header, 48, 1)  # first directory sector
    directory = bytearray(512)
    for index, name in enumerate(("Root Entry", *stream_names)[:4]):
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry = index * 128
        directory[entry : entry + len(encoded)] = encoded
        struct.pack_into("<H", directory, entry + 64, len(encoded))
        directory[entry + 66] = 5 if index == 0 else 2
    return bytes(header) + bytes(512) + bytes(directory)


def zip_bomb(uncompressed_mb: int = 60) -> bytes:
    """A "workbook" whose sheet unpacks to `uncompressed_mb` MB of nothing."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<Types xmlns="spreadsheetml"/>')
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            chunk = b" " * (1024 * 1024)
            for _ in range(uncompressed_mb):
                sheet.write(chunk)
    return out.getvalue()


def matrix_batch(net, *, waiting_for_columns: bool = False) -> ImportBatch:
    """A batch of venue A for the URL matrix: previewed, or waiting for columns."""
    if waiting_for_columns:
        return ImportBatch.objects.create(
            site=net.venue_a,
            channel=Redemption.Channel.IMPORT,
            file_format=ImportBatch.Format.CSV,
            filename="report.csv",
            content=b"Pvm;Kortti;Tapahtuma\n1.11.2026;KK000001;Hamlet\n",
            header_row=1,
            headers=["Pvm", "Kortti", "Tapahtuma"],
            status=ImportBatch.Status.MAPPING,
        )
    return ImportBatch.objects.create(
        site=net.venue_a,
        channel=Redemption.Channel.IMPORT,
        file_format=ImportBatch.Format.XLSX,
        filename="uses.xlsx",
        status=ImportBatch.Status.PREVIEW,
        counts={"recorded": 0, "over_cap": 0, "already": 0, "refused": 0, "total": 0},
    )
