"""Bad files get a clear message, save nothing, and never a 500. Every file is
generated here."""

import io
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from tests.logins import log_in
from tests.usage.offline_helpers import (
    batch_of,
    confirm,
    counts,
    csv_bytes,
    days_ago,
    download_table,
    fill_table,
    labels_in,
    ole_file,
    upload,
    workbook,
    zip_bomb,
)
from usage.models import Redemption
from usage.sheets.files import MAX_UPLOAD_BYTES, FileRefused, open_upload

pytestmark = pytest.mark.usefixtures("english")


def _good_xlsx(rows=3) -> bytes:
    return workbook(
        [
            ["Date", "Offering", "Card ID"],
            *[[days_ago(3), "Hamlet", f"KK{n:06d}"] for n in range(rows)],
        ]
    )


def _many_rows_xlsx(count: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Uses")
    ws.append(["Date", "Offering", "Card ID", "Children's tickets"])
    day = days_ago(3)
    for n in range(count):
        ws.append([day, "Hamlet", f"KK{n:06d}", 0])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _broken_zip() -> bytes:
    data = _good_xlsx()
    return data[: len(data) // 2]


def _corrupted_member() -> bytes:
    """A zip whose directory is fine but whose sheet's bytes are damaged."""
    data = bytearray(_good_xlsx(rows=200))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 10, start + 60):
        data[i] ^= 0x5A
    return bytes(data)


def _ratio_bomb() -> bytes:
    """Small on its face, but one entry is compressed over a thousandfold."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "spreadsheetml")
        zf.writestr("xl/sharedStrings.xml", b"a" * (4 * 1024 * 1024))
    return out.getvalue()


def _opendocument() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def _word_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "application/vnd...wordprocessingml.document")
        zf.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def _workbook_without_parts() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("[Content_Types].xml", "spreadsheetml")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='x' r:id='rId9'/>")
    return out.getvalue()


BAD_FILES = {
    "png": (lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "not a spreadsheet"),
    "pdf": (lambda: b"%PDF-1.7\n" + b"\x00\x01binary" * 50, "not a spreadsheet"),
    "random_binary": (lambda: bytes((n * 37 + 11) % 256 for n in range(5000)), "not a spreadsheet"),
    "prose": (
        lambda: "Tänään ei ollut verkkoa.\nKirjoitin paperille.\n".encode(),
        "not a spreadsheet",
    ),
    "empty": (lambda: b"", "The file is empty."),
    "broken_zip": (_broken_zip, "The file is damaged"),
    "corrupted_member": (_corrupted_member, "The file is damaged"),
    "password_protected": (
        lambda: ole_file("EncryptionInfo", "EncryptedPackage"),
        "protected with a password",
    ),
    "old_xls": (lambda: ole_file("Workbook"), "Excel 97–2003"),
    "zip_bomb": (lambda: zip_bomb(60), "unpacks to more than 20 MB"),
    "ratio_bomb": (_ratio_bomb, "far more data"),
    "opendocument": (_opendocument, "OpenDocument"),
    "word_document": (_word_document, "not an Excel workbook"),
    "workbook_without_parts": (_workbook_without_parts, "could not be read"),
    "too_many_rows_xlsx": (lambda: _many_rows_xlsx(10_001), "more than 10,000 rows"),
    "too_many_rows_csv": (
        lambda: csv_bytes(
            [["Date", "Offering", "Card ID"]]
            + [["24.11.2026", "Hamlet", f"KK{n:06d}"] for n in range(10_001)]
        ),
        "more than 10,000 rows",
    ),
    "headers_only": (lambda: workbook([["Date", "Offering", "Card ID"]]), "no rows"),
    "unclosed_csv_quote": (
        lambda: b'Date;Offering;Card ID\n24.11.2026;"Hamlet;KK000001\n' + b"x" * 200_000,
        "could not be read as a table",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_gets_a_clear_message_and_saves_nothing(net, world, contact, kind):
    make, message = BAD_FILES[kind]
    response = upload(contact, net.venue_a, make(), name=f"{kind}.xlsx")

    assert response.status_code == 200
    content = response.content.decode()
    assert "The file could not be imported." in content
    assert message in content, content[content.find("alert") : content.find("alert") + 800]
    assert "Nothing was saved." in content
    assert counts() == (0, 0)


def test_a_file_over_5_mb_is_refused_without_being_read(net, world, contact):
    data = b"Date;Offering;Card ID\n" + b"x" * MAX_UPLOAD_BYTES
    response = upload(contact, net.venue_a, data, name="big.csv")
    assert response.status_code == 200
    assert "larger than 5 MB" in response.content.decode()
    assert counts() == (0, 0)


def test_a_file_just_over_5_mb_is_refused_too(net, world, contact):
    data = b"Date;Offering;Card ID\n" + b"x" * (MAX_UPLOAD_BYTES - 21)
    assert MAX_UPLOAD_BYTES < len(data) < MAX_UPLOAD_BYTES + 64 * 1024
    response = upload(contact, net.venue_a, data, name="big.csv")
    assert "larger than 5 MB" in response.content.decode()
    assert counts() == (0, 0)


def test_a_bomb_is_refused_from_its_directory_before_anything_is_unpacked(monkeypatch):
    def unpacking(*args, **kwargs):
        raise AssertionError("nothing may be unpacked")

    bomb = zip_bomb(60)
    monkeypatch.setattr(zipfile.ZipFile, "open", unpacking)
    with pytest.raises(FileRefused) as refused:
        open_upload(bomb)
    assert refused.value.code == "unpacked_too_large"


def test_exactly_10000_rows_are_read(net, world):
    upload_file = open_upload(_many_rows_xlsx(10_000))
    located = upload_file.locate(lambda headers: "Card ID" in headers)
    read = upload_file.read_rows(located.sheet_name, located.header_row, {"card_id": 2})
    assert len(read.rows) == 10_000


def test_a_formula_without_a_value_is_reported_for_its_row(net, world, contact):
    def formulas(ws):
        ws["C3"] = '=CONCATENATE("KK", "000002")'  # openpyxl saves no cached value

    data = workbook(
        [
            ["Date", "Offering", "Card ID"],
            [days_ago(3), "Hamlet", world.cards[0].card_id],
            [days_ago(3), "Hamlet", None],
        ],
        setup=formulas,
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.outcomes[0]["status"] == "recorded"
    assert [p["code"] for p in batch.outcomes[1]["problems"]] == [
        "formula_without_value",
        "card_id_missing",
    ]
    page = contact.get(f"/imports/{batch.pk}/").content.decode()
    assert "formula without a value" in page


def test_a_formula_with_its_cached_value_is_read_as_the_value(net, world, contact):
    # What Excel saves: the formula and its last value.
    data = workbook(
        [["Date", "Offering", "Card ID"], [days_ago(3), "Hamlet", "PLACEHOLDER"]],
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {name: zf.read(name) for name in zf.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    start = sheet.index('<c r="C2"')
    end = sheet.index("</c>", start) + 4
    value = world.cards[0].card_id
    sheet = (
        sheet[:start] + f'<c r="C2" t="str"><f>UPPER("{value}")</f><v>{value}</v></c>' + sheet[end:]
    )
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)

    batch = batch_of(upload(contact, net.venue_a, out.getvalue()))
    assert batch.outcomes[0]["status"] == "recorded"
    assert batch.rows[0]["card_id"] == value


def test_a_date_merged_over_rows_is_read_for_each_row(net, world, contact):
    def merge(ws):
        ws.merge_cells("A2:A4")

    cards = world.cards
    data = workbook(
        [
            ["Date", "Offering", "Card ID"],
            [days_ago(3), "Hamlet", cards[0].card_id],
            [None, "Hamlet", cards[1].card_id],
            [None, "Hamlet", cards[2].card_id],
        ],
        setup=merge,
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert [o["status"] for o in batch.outcomes] == ["recorded"] * 3
    assert {"code": "merged_filled", "cells": ["A2:A4"]} in batch.notices
    page = contact.get(f"/imports/{batch.pk}/").content.decode()
    assert "Merged cells (A2:A4)" in page


def test_cells_merged_across_columns_are_refused_for_their_rows(net, world, contact):
    def merge(ws):
        ws.merge_cells("B3:C3")

    data = workbook(
        [
            ["Date", "Offering", "Card ID"],
            [days_ago(3), "Hamlet", world.cards[0].card_id],
            [days_ago(3), "Hamlet KK000002", None],
        ],
        setup=merge,
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.outcomes[0]["status"] == "recorded"
    assert batch.outcomes[1]["problems"][0] == {
        "code": "merged_cells",
        "column": "",
        "cells": "B3:C3",
    }
    page = contact.get(f"/imports/{batch.pk}/").content.decode()
    assert "merged across columns (B3:C3)" in page


def test_extra_sheets_and_columns_are_ignored(net, world, contact):
    data = workbook(
        [
            ["Kassa", "Date", "Hinta", "Offering", "Card ID", "Children's tickets", "Notes"],
            ["2", days_ago(3), "0,00", "Hamlet", world.cards[0].card_id, 1, "ok"],
        ],
        title="Käytöt",
        extra_sheets=["Muistiinpanot", "Yhteenveto"],
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.outcomes[0]["status"] == "recorded"
    assert batch.sheet == "Käytöt"
    notices = {n["code"]: n for n in batch.notices}
    assert notices["columns_ignored"]["headers"] == ["Kassa", "Hinta"]
    assert notices["sheets_ignored"]["sheets"] == ["Yhteenveto", "Muistiinpanot"]
    assert notices["notes_ignored"]["header"] == "Notes"


@pytest.mark.parametrize(("language", "opening"), [("fi", "”"), ("sv", "”"), ("en", "“")])
def test_the_preview_quotes_names_with_one_kind_of_quotation_marks(
    net, world, contact, language, opening
):
    data = workbook(
        [
            ["Kassa", "Date", "Offering", "Card ID", "Children's tickets", "Notes"],
            ["2", days_ago(3), "Hamlet", world.cards[0].card_id, 1, "ok"],
        ],
        extra_sheets=["Yhteenveto"],
    )
    batch = batch_of(upload(contact, net.venue_a, data))

    page = contact.get(f"/imports/{batch.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    assert f"{opening}Kassa”" in page and f"{opening}Yhteenveto”" in page
    assert f"{opening}Notes”" in page
    other = "“" if opening == "”" else "„"
    assert other not in page


def test_headers_under_title_rows_are_found(net, world, contact):
    def title(ws):
        ws["A1"].font = Font(bold=True, size=14)

    data = workbook(
        [
            ["Kaikukortti – käytöt marraskuu"],
            [],
            ["Date", "Offering", "Card ID"],
            [days_ago(3), "Hamlet", world.cards[0].card_id],
        ],
        setup=title,
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.header_row == 3
    # The title line is not a use; it is shown as skipped, not dropped unseen.
    assert [(row["n"], row.get("skip")) for row in batch.rows] == [(1, "above_header"), (4, None)]
    assert [o["status"] for o in batch.outcomes] == ["skipped", "recorded"]


@pytest.mark.parametrize(
    "written",
    [
        "{d}.{m}.{y}",
        "{d}.{m}.{yy}",
        "{dd}.{mm}.{y}",
        "{d}.{m}.",
        "{iso}",
        "{iso} 19:00",
        "{d}.{m}.{y} klo 19.00",
    ],
)
def test_dates_as_finnish_or_iso_text_are_read(net, world, contact, written):
    day = days_ago(3)
    text = written.format(
        d=day.day,
        m=day.month,
        y=day.year,
        yy=f"{day.year % 100:02d}",
        dd=f"{day.day:02d}",
        mm=f"{day.month:02d}",
        iso=day.isoformat(),
    )
    data = workbook([["Date", "Offering", "Card ID"], [text, "Hamlet", world.cards[0].card_id]])
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.rows[0]["date"] == day.isoformat()
    assert batch.outcomes[0]["status"] == "recorded"


def test_a_date_cell_without_a_date_format_is_read_from_excels_day_number(net, world, contact):
    from openpyxl.utils.datetime import to_excel

    day = days_ago(3)
    data = workbook(
        [["Date", "Offering", "Card ID"], [int(to_excel(day)), "Hamlet", world.cards[0].card_id]]
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.rows[0]["date"] == day.isoformat()


@pytest.mark.parametrize("written", ["kk 000001", "*KK000001*", "  *kk000001*  ", "KK 0000 01"])
def test_card_ids_with_spaces_or_code39_asterisks_are_read(net, world, contact, written):
    data = workbook([["Date", "Offering", "Card ID"], [days_ago(3), "Hamlet", written]])
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.rows[0]["card_id"] == "KK000001"
    confirm(contact, batch)
    assert Redemption.objects.get().card == world.cards[0]


def test_a_numeric_card_id_cell_is_read_without_decimals(net, contact):
    from tests.factories import CardFactory, OfferingFactory

    OfferingFactory(site=net.venue_a, title="Hamlet", date=days_ago(3))
    card = CardFactory(card_id="12345678", issued_by=net.dist_a, issued_on=days_ago(30))
    data = workbook([["Date", "Offering", "Card ID"], [days_ago(3), "Hamlet", 12345678.0]])
    batch = batch_of(upload(contact, net.venue_a, data))
    confirm(contact, batch)
    assert Redemption.objects.get().card == card


def test_the_downloaded_table_filled_and_saved_again_keeps_working(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    filled = fill_table(table, [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, "")])
    refilled = fill_table(
        filled, [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, "")]
    )
    batch = batch_of(upload(contact, net.venue_a, refilled))
    assert [o["status"] for o in batch.outcomes] == ["recorded"]


def test_the_upload_keeps_its_csrf_protection(net, world):
    from django.test import Client
    from django.urls import reverse

    client = Client(enforce_csrf_checks=True)
    log_in(client, net.venue_contact)
    data = csv_bytes(
        [["Date", "Offering", "Card ID"], [days_ago(3).isoformat(), "Hamlet", "KK000001"]]
    )
    assert upload(client, net.venue_a, data, name="uses.csv").status_code == 403
    page = client.get(reverse("usage:import_upload", args=[net.venue_a.pk]))
    token = page.cookies["csrftoken"].value
    response = upload(client, net.venue_a, data, name="uses.csv", csrfmiddlewaretoken=token)
    assert response.status_code == 302
    assert counts() == (0, 1)


def test_a_huge_cell_is_not_kept_whole(net, world, contact):
    data = csv_bytes(
        [["Date", "Offering", "Card ID"], [days_ago(3).isoformat(), "Hamlet", "K" * 5000]]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="uses.csv"))
    assert len(batch.rows[0]["card_id"]) <= 64
    assert batch.outcomes[0]["problems"][0]["code"] == "card_id_malformed"
