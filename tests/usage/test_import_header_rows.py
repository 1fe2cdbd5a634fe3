"""Files without a header row, rows above the header row, rows with only a
note, and the columns remembered for a site (issue 11, point 8).

Every file is a real .xlsx (openpyxl) or .csv, read back through the pages:
upload, the mapping step, the preview and the confirmation."""

import html
import re

import pytest
from django.urls import reverse

from tests.usage.offline_helpers import (
    batch_of,
    confirm,
    csv_bytes,
    days_ago,
    upload,
    workbook,
)
from usage.models import ImportBatch, Redemption, SiteColumnMapping

pytestmark = pytest.mark.usefixtures("english")


def _statuses(batch):
    return [
        (row["n"], outcome["status"])
        for row, outcome in zip(batch.rows, batch.outcomes, strict=True)
    ]


def _columns_url(batch):
    return reverse("usage:import_columns", args=[batch.pk])


def _preview(client, batch) -> str:
    return html.unescape(
        client.get(reverse("usage:import_batch", args=[batch.pk])).content.decode()
    )


def _columns_page(client, batch) -> str:
    return html.unescape(client.get(_columns_url(batch)).content.decode())


def _checked(page, name, value=None) -> bool:
    """Whether the page's radio button or checkbox `name` (= value) is checked."""
    value = f' value="{value}"' if value else ""
    return bool(re.search(rf'<input [^>]*name="{name}"{value}[^>]*\bchecked\b', page))


def _headerless_rows(world):
    """Uses only, from the first row on. The first row has no children's
    tickets, so the fullest row (taken for headers before) is the second."""
    day = f"{days_ago(3).day}.{days_ago(3).month}.{days_ago(3).year}"
    return [
        [day, "Hamlet", world.cards[0].card_id],
        [day, "Hamlet", world.cards[1].card_id, 1],
        [day, "Hamlet", world.cards[2].card_id, 0],
    ]


def _headerless_file(world, kind):
    rows = _headerless_rows(world)
    if kind == "csv":
        # A CSV row is as wide as the file: the first has an empty last cell.
        return csv_bytes([[*row, ""][:4] for row in rows]), "uses.csv"
    return workbook(rows), "uses.xlsx"


# ---------------------------------------------------------------------------
# The file has no header row
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_no_header_option_reads_row_1_as_a_use(net, world, contact, kind):
    data, name = _headerless_file(world, kind)
    batch = batch_of(upload(contact, net.venue_a, data, name=name))
    assert batch.status == ImportBatch.Status.MAPPING

    # The mapping step sees that the row taken for headers is a use, and
    # offers the file as having no header row, its columns named by letter.
    page = _columns_page(contact, batch)
    assert "The file has no header row" in page
    assert _checked(page, "header", "none") and not _checked(page, "header", "row")
    assert "Column A – e.g. " in page and "Column C – e.g. KK000001" in page
    assert 'value="col:0" selected' in page  # the dates, guessed
    assert 'value="col:2" selected' in page  # the card IDs, guessed
    assert 'name="remember"' not in page

    response = contact.post(
        _columns_url(batch),
        {"header": "none", "date": "col:0", "card_id": "col:2", "offering": "col:1"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.header_row == 0
    assert _statuses(batch) == [(1, "recorded"), (2, "recorded"), (3, "recorded")]
    preview = _preview(contact, batch)
    assert "Card ID ← column C" in preview
    assert "its first row was read as a use" in preview

    confirm(contact, batch)
    uses = Redemption.objects.order_by("card__card_id")
    assert [u.card for u in uses] == world.cards[:3]
    assert [u.children for u in uses] == [0, 0, 0]
    assert not SiteColumnMapping.objects.exists()  # nothing to recognise the next file by


def test_the_columns_are_named_anew_when_the_header_choice_changes(net, world, contact):
    data, name = _headerless_file(world, "xlsx")
    batch = batch_of(upload(contact, net.venue_a, data, name=name))

    shown = contact.post(
        _columns_url(batch), {"header": "row", "show": "1", "date": "col:0", "card_id": "col:2"}
    )
    page = html.unescape(shown.content.decode())
    assert shown.status_code == 200
    assert "Row 2 holds the column headers" in page
    assert "Column C: KK000002" in page  # the second row, as headers
    assert 'value="col:2" selected' in page  # the choices so far are kept
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.MAPPING and not Redemption.objects.exists()


def test_a_file_with_headers_is_still_read_under_them(net, world, contact):
    day = days_ago(3)
    data = csv_bytes(
        [
            ["Tilausnro", "Päivä", "Näytäntö", "Etukortti"],
            ["T1", day.isoformat(), "Hamlet", world.cards[0].card_id],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="report.csv"))
    page = _columns_page(contact, batch)
    assert _checked(page, "header", "row") and not _checked(page, "header", "none")
    assert "Column D: Etukortti" in page


# ---------------------------------------------------------------------------
# Rows above the header row
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_rows_above_the_chosen_header_row_show_as_skipped_with_the_reason(
    net, world, contact, kind
):
    data, name = _headerless_file(world, kind)
    batch = batch_of(upload(contact, net.venue_a, data, name=name))

    # Told that row 2 holds the headers, the import reads row 3 on, and shows row 1.
    response = contact.post(
        _columns_url(batch),
        {"header": "row", "date": "col:0", "card_id": "col:2", "offering": "col:1"},
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.header_row == 2
    assert _statuses(batch) == [(1, "skipped"), (3, "recorded")]
    preview = _preview(contact, batch)
    assert "Skipped" in preview
    assert "Above the header row (row 2), so not read as a use." in preview
    assert "The file has no header row" in preview  # how to read it as a use
    assert world.cards[0].card_id in preview  # which row it is

    confirm(contact, batch)
    assert list(Redemption.objects.values_list("card__card_id", flat=True)) == [
        world.cards[2].card_id
    ]


def test_title_lines_above_the_tables_own_headers_show_as_skipped(net, world, contact):
    day = days_ago(3)
    data = workbook(
        [
            ["Kaikukortti, marraskuu"],
            ["Tampereen Teatteri"],
            ["Date", "Offering", "Card ID", "Children's tickets", "Notes"],
            [day, "Hamlet", world.cards[0].card_id, 0, None],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert batch.status == ImportBatch.Status.PREVIEW
    assert _statuses(batch) == [(1, "skipped"), (2, "skipped"), (4, "recorded")]
    assert batch.counts["skipped"] == 2 and batch.counts["recorded"] == 1
    preview = _preview(contact, batch)
    assert preview.count("Above the header row (row 3)") == 2
    assert "Skipped (2)" in preview


# ---------------------------------------------------------------------------
# Rows with only a note
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_row_with_only_a_note_shows_as_skipped(net, world, contact, kind):
    day = days_ago(3)
    rows = [
        ["Date", "Offering", "Card ID", "Children's tickets", "Notes"],
        [day.isoformat(), "Hamlet", world.cards[0].card_id, 0, ""],
        ["", "", "", "", "Kortti jäi kotiin, tulee huomenna"],
        [day.isoformat(), "Hamlet", world.cards[1].card_id, 1, ""],
    ]
    data = csv_bytes(rows) if kind == "csv" else workbook(rows)
    batch = batch_of(upload(contact, net.venue_a, data, name=f"uses.{kind}"))
    assert _statuses(batch) == [(2, "recorded"), (3, "skipped"), (4, "recorded")]
    assert batch.outcomes[1]["reason"] == "only_note"
    preview = _preview(contact, batch)
    assert "Only a note: the row has no date, card ID or offering." in preview
    # The note itself is never kept, nor shown again.
    assert "huomenna" not in str(batch.rows) and "huomenna" not in preview

    confirm(contact, batch)
    assert Redemption.objects.count() == 2


def test_a_row_with_values_only_in_columns_not_read_shows_as_skipped(net, world, client_for):
    contact = client_for("venue_contact")
    day = days_ago(3)
    data = workbook(
        [
            ["Pvm", "Tapahtuma", "Etukortti", "Summa"],
            [day.isoformat(), "Hamlet", world.cards[0].card_id, "0,00"],
            [None, None, None, "0,00"],  # the report's total line
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="report.xlsx"))
    contact.post(
        _columns_url(batch),
        {"header": "row", "date": "col:0", "card_id": "col:2", "offering": "col:1"},
    )
    batch.refresh_from_db()
    assert _statuses(batch) == [(2, "recorded"), (3, "skipped")]
    assert "Nothing in the columns that are read" in _preview(contact, batch)


# ---------------------------------------------------------------------------
# Header words of the notes column
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "word",
    [
        "Huomiot",
        "Anteckningar",
        "Notes",
        "Lisätiedot",
        "Kommentti",
        "Kommentit",
        "Comments",
        "Anmärkning",
        "Anmärkningar",
        "Remarks",
        "Kommentar",
        "Muistiinpanot",
    ],
)
def test_common_header_words_name_the_notes_column(net, world, contact, word):
    day = days_ago(3)
    data = csv_bytes(
        [
            ["Päivämäärä", "Tarjonta", "Kortin tunnus", word],
            [day.isoformat(), "Hamlet", world.cards[0].card_id, "Maija Meikäläinen"],
            ["", "", "", "vain huomio"],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="uses.csv"))
    assert {"code": "notes_ignored", "header": word} in batch.notices
    assert not any(n["code"] == "columns_ignored" for n in batch.notices)
    assert _statuses(batch) == [(2, "recorded"), (3, "skipped")]
    assert batch.outcomes[1]["reason"] == "only_note"
    preview = _preview(contact, batch)
    assert f"The column “{word}” is for the venue's own notes" in preview
    assert "Maija" not in preview and "Maija" not in str(batch.rows)


# ---------------------------------------------------------------------------
# The columns remembered for the site
# ---------------------------------------------------------------------------

REMEMBERED = {"date": "pvm", "card_id": "kortti", "offering": "näytös", "children": ""}


def _report(world, card=0):
    day = days_ago(3)
    return workbook(
        [
            ["Tilausnro", "Tapahtuman pvm", "Tapahtuma", "Etukortti", "Lapsia"],
            ["T1", day.isoformat(), "Hamlet", world.cards[card].card_id, 0],
        ]
    )


def _choose(client, batch, **extra):
    data = {"header": "row", "date": "col:1", "offering": "col:2", "card_id": "col:3"}
    return client.post(_columns_url(batch), {**data, **extra})


def test_remembering_is_off_by_default_when_other_columns_are_remembered(net, world, contact):
    SiteColumnMapping.objects.create(site=net.venue_a, columns=REMEMBERED)
    batch = batch_of(upload(contact, net.venue_a, _report(world), name="report.xlsx"))
    page = _columns_page(contact, batch)
    assert 'name="remember"' in page and not _checked(page, "remember")
    assert "Columns remembered now: Date ← “pvm”; Offering ← “näytös”; Card ID ← “kortti”" in page

    _choose(contact, batch)  # the box left as it was
    preview = _preview(contact, batch)
    assert "The columns remembered for this site are not changed" in preview
    confirm(contact, batch)
    assert SiteColumnMapping.objects.get(site=net.venue_a).columns == REMEMBERED
    assert Redemption.objects.count() == 1
    # Once confirmed, the page no longer speaks of the site's columns of the day.
    assert "remembered for this site" not in _preview(contact, batch)


def test_the_remembered_columns_change_only_when_the_import_is_confirmed(net, world, contact):
    SiteColumnMapping.objects.create(site=net.venue_a, columns=REMEMBERED)
    batch = batch_of(upload(contact, net.venue_a, _report(world), name="report.xlsx"))
    assert _choose(contact, batch, remember="on").status_code == 302

    preview = _preview(contact, batch)
    assert "When you confirm, these columns will be remembered" in preview
    assert "Date ← “tapahtuman pvm”" in preview and "Card ID ← “etukortti”" in preview
    assert "They replace the columns remembered now" in preview
    assert SiteColumnMapping.objects.get(site=net.venue_a).columns == REMEMBERED

    confirm(contact, batch)
    assert SiteColumnMapping.objects.get(site=net.venue_a).columns == {
        "date": "tapahtuman pvm",
        "offering": "tapahtuma",
        "card_id": "etukortti",
    }
    assert "These columns were remembered" in _preview(contact, batch)


def test_a_discarded_import_remembers_nothing(net, world, contact):
    batch = batch_of(upload(contact, net.venue_a, _report(world), name="report.xlsx"))
    page = _columns_page(contact, batch)
    assert _checked(page, "remember")  # nothing remembered yet: on by default
    _choose(contact, batch, remember="on")
    contact.post(reverse("usage:import_discard", args=[batch.pk]))
    assert not SiteColumnMapping.objects.exists()


def test_a_file_without_headers_never_replaces_the_remembered_columns(net, world, contact):
    SiteColumnMapping.objects.create(site=net.venue_a, columns=REMEMBERED)
    data, name = _headerless_file(world, "xlsx")
    batch = batch_of(upload(contact, net.venue_a, data, name=name))
    response = contact.post(
        _columns_url(batch),
        {"header": "none", "date": "col:0", "card_id": "col:2", "remember": "on"},
    )
    assert response.status_code == 302
    # The box was ticked: the preview says why it does nothing.
    preview = _preview(contact, batch)
    assert "The columns of a file without a header row are not remembered" in preview
    assert "The columns remembered for this site are not changed" in preview
    confirm(contact, batch)
    assert SiteColumnMapping.objects.get(site=net.venue_a).columns == REMEMBERED


def test_a_file_without_headers_says_its_columns_are_not_remembered(net, world, contact):
    """Without JavaScript the ticked box stays on the page when "no header
    row" is chosen and the rows are checked at once: the preview says why it
    did nothing."""
    data, name = _headerless_file(world, "xlsx")
    batch = batch_of(upload(contact, net.venue_a, data, name=name))
    contact.post(
        _columns_url(batch),
        {"header": "none", "date": "col:0", "card_id": "col:2", "remember": "on"},
    )
    preview = _preview(contact, batch)
    assert "The columns of a file without a header row are not remembered" in preview
    assert "will be remembered" not in preview
    assert "These columns are not remembered for the site" not in preview  # said once
    confirm(contact, batch)
    assert not SiteColumnMapping.objects.exists()
