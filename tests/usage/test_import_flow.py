"""Importing the filled table: upload, preview, confirm. The preview saves
nothing; the confirmation records every good row through the recording
service, once; bad rows are listed with the reason and the column."""

import datetime
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kaikukanta.models import AuditEntry
from tests.usage.offline_helpers import (
    batch_of,
    confirm,
    counts,
    csv_bytes,
    days_ago,
    download_table,
    fill_table,
    labels_in,
    upload,
    workbook,
)
from usage.models import ImportBatch, Redemption
from usage.services import record_redemption
from usage.sheets import imports

pytestmark = pytest.mark.usefixtures("english")


def _statuses(batch):
    return [outcome["status"] for outcome in batch.outcomes]


def _codes(batch):
    return [[p["code"] for p in outcome.get("problems", [])] for outcome in batch.outcomes]


def test_round_trip_download_fill_upload_preview_confirm(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    cards = world.cards
    filled = fill_table(
        table,
        [
            (days_ago(3), label[world.show.pk], cards[0].card_id, 2, "ovella"),
            (days_ago(3), label[world.show.pk], f" *{cards[1].card_id.lower()}* ", None, None),
            (days_ago(2), label[world.capped.pk], cards[2].card_id, 0, None),
            (days_ago(1), label[world.course.pk], cards[3].card_id, 0, None),
        ],
    )

    response = upload(contact, net.venue_a, filled)
    batch = batch_of(response)
    assert Redemption.objects.count() == 0  # the preview saved nothing
    page = contact.get(response["Location"])
    assert page.status_code == 200
    assert b"Will be recorded" in page.content
    assert _statuses(batch) == ["recorded"] * 4

    confirm(contact, batch)

    uses = Redemption.objects.order_by("card__card_id")
    assert [u.card for u in uses] == cards[:4]
    assert {u.channel for u in uses} == {Redemption.Channel.IMPORT}
    assert {u.recorded_by for u in uses} == {net.venue_contact}
    assert [u.offering for u in uses] == [world.show, world.show, world.capped, world.course]
    assert uses[0].children == 2 and uses[0].used_on == days_ago(3)
    batch.refresh_from_db()
    assert batch.is_confirmed and batch.counts["recorded"] == 4
    assert AuditEntry.objects.filter(action="import.confirmed", object_id=str(batch.pk)).exists()
    result = contact.get(reverse("usage:import_batch", args=[batch.pk]))
    assert b"Imported uses" in result.content


def test_the_preview_saves_nothing_but_the_batch(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    rows = [(days_ago(3), label[world.show.pk], c.card_id, 0, None) for c in world.cards]
    before = (Redemption.objects.count(), AuditEntry.objects.count())

    batch = batch_of(
        upload(contact, net.venue_a, fill_table(download_table(contact, net.venue_a), rows))
    )

    assert (Redemption.objects.count(), AuditEntry.objects.count()) == before
    assert batch.counts["recorded"] == len(world.cards)
    assert batch.content == b""  # the file itself is not kept


def test_the_notes_column_is_never_stored(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    filled = fill_table(
        table, [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, "Maija Meikäläinen")]
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    confirm(contact, batch)
    batch.refresh_from_db()

    stored = json.dumps([batch.rows, batch.outcomes, batch.notices, batch.headers])
    assert "Maija" not in stored and bytes(batch.content) == b""
    assert "Maija" not in json.dumps(list(AuditEntry.objects.values_list("data", flat=True)))
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]))
    assert b"Maija" not in page.content
    assert b"nothing of it is saved" in page.content


def test_importing_the_same_file_twice_records_nothing_new(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    filled = fill_table(
        table, [(days_ago(3), label[world.show.pk], c.card_id, 0, None) for c in world.cards[:3]]
    )
    confirm(contact, batch_of(upload(contact, net.venue_a, filled)))
    assert Redemption.objects.count() == 3

    again = batch_of(upload(contact, net.venue_a, filled))
    assert _statuses(again) == ["already"] * 3
    page = contact.get(reverse("usage:import_batch", args=[again.pk]))
    assert page.content.count(b"Already in the register") >= 3
    assert b"There is nothing to record." in page.content
    confirm(contact, again)
    assert Redemption.objects.count() == 3


def test_a_row_already_recorded_at_the_desk_is_reported_as_in_the_register(net, world, contact):
    record_redemption(
        card_id=world.cards[0].card_id,
        site=net.venue_a,
        offering=world.show,
        channel=Redemption.Channel.DESK,
        used_on=days_ago(3),
        recorded_by=net.cashier,
    )
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    filled = fill_table(
        table,
        [
            (days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None),
            (days_ago(3), label[world.show.pk], world.cards[1].card_id, 0, None),
        ],
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    assert _statuses(batch) == ["already", "recorded"]
    assert batch.outcomes[0]["channel"] == "desk"
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]))
    assert b"Recorded earlier (at the desk" in page.content

    confirm(contact, batch)
    assert Redemption.objects.count() == 2


def test_a_row_repeated_in_the_file_is_counted_once(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    row = (days_ago(3), label[world.show.pk], world.cards[0].card_id, 1, None)
    batch = batch_of(upload(contact, net.venue_a, fill_table(table, [row, row])))

    assert _statuses(batch) == ["recorded", "already"]
    assert batch.outcomes[1]["same_file_row"] == 2
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]))
    assert b"Repeats row 2 of this file." in page.content
    confirm(contact, batch)
    assert Redemption.objects.count() == 1


def test_rows_over_the_cap_are_recorded_and_flagged(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    capped = label[world.capped.pk]  # cap 3
    rows = [
        (days_ago(2), capped, world.cards[0].card_id, 1, None),  # 2 tickets
        (days_ago(2), capped, world.cards[1].card_id, 0, None),  # 3: full
        (days_ago(2), capped, world.cards[2].card_id, 2, None),  # 6: over
        (days_ago(2), capped, world.cards[3].card_id, 0, None),  # 7: over
    ]
    batch = batch_of(upload(contact, net.venue_a, fill_table(table, rows)))
    assert _statuses(batch) == ["recorded", "recorded", "over_cap", "over_cap"]
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]))
    assert b"Will be recorded, over the cap" in page.content

    confirm(contact, batch)
    flagged = Redemption.objects.filter(over_cap=True).values_list("card__card_id", flat=True)
    assert sorted(flagged) == [world.cards[2].card_id, world.cards[3].card_id]
    assert Redemption.objects.count() == 4


def test_bad_rows_are_listed_with_the_reason_and_the_column_and_not_recorded(net, world, contact):
    table = download_table(contact, net.venue_a)
    label = labels_in(table)
    show = label[world.show.pk]
    rows = [
        (days_ago(3), show, "KK999999", 0, None),  # unknown card
        (days_ago(3), show, world.expired.card_id, 0, None),
        (days_ago(3), show, world.closed.card_id, 0, None),
        ("31.2.2026", show, world.cards[0].card_id, 0, None),
        (days_ago(3), show, world.cards[1].card_id, 5, None),  # more children than allowed
        (days_ago(1), label[world.course.pk], world.cards[2].card_id, 1, None),  # on a course
        (days_ago(1), show, world.cards[3].card_id, 0, None),  # not on that date
        (days_ago(3), show, "", 0, None),
        (days_ago(3), show, world.cards[4].card_id, "two", None),
        (days_ago(-3), show, world.cards[5].card_id, 0, None),  # in the future
        (days_ago(3), show, world.cards[6].card_id, 0, None),  # good
    ]
    batch = batch_of(upload(contact, net.venue_a, fill_table(table, rows)))

    assert _codes(batch) == [
        ["card_unknown"],
        ["card_expired"],
        ["card_closed"],
        ["date_invalid"],
        ["too_many_children"],
        ["children_not_allowed"],
        ["offering_not_on_date"],
        ["card_id_missing"],
        ["children_invalid"],
        ["date_in_future"],
        [],
    ]
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]) + "?show=refused")
    content = page.content.decode()
    assert "<strong>Card ID:</strong> No card with this ID is registered." in content
    assert "<strong>Date:</strong> This is not a date." in content
    assert "<strong>Children&#x27;s tickets:</strong>" in content
    assert "<strong>Offering:</strong> The offering does not take place on the date" in content

    confirm(contact, batch)
    assert list(Redemption.objects.values_list("card__card_id", flat=True)) == [
        world.cards[6].card_id
    ]


def test_a_row_dated_before_the_uses_the_register_keeps_is_refused_on_its_date(
    net, world, contact, settings
):
    settings.RETENTION_USES_YEARS = 1
    first_kept = datetime.date(timezone.localdate().year - 1, 1, 1)
    table = download_table(contact, net.venue_a)
    show = labels_in(table)[world.show.pk]
    rows = [
        (first_kept - datetime.timedelta(days=1), show, world.cards[0].card_id, 0, None),
        (days_ago(3), show, world.cards[1].card_id, 0, None),
    ]
    batch = batch_of(upload(contact, net.venue_a, fill_table(table, rows)))

    assert _codes(batch) == [["date_not_kept"], []]
    page = contact.get(reverse("usage:import_batch", args=[batch.pk]) + "?show=refused")
    assert "<strong>Date:</strong> The date of use is too far in the past" in page.content.decode()


def test_renaming_an_offering_does_not_break_a_table_downloaded_before(net, world, contact):
    table = download_table(contact, net.venue_a)
    old_label = labels_in(table)[world.show.pk]
    world.show.title = "Hamlet (uusi ensi-ilta)"
    world.show.save()

    filled = fill_table(table, [(days_ago(3), old_label, world.cards[0].card_id, 0, None)])
    batch = batch_of(upload(contact, net.venue_a, filled))

    assert _statuses(batch) == ["recorded"]
    confirm(contact, batch)
    assert Redemption.objects.get().offering == world.show


def test_a_label_copied_without_the_hidden_sheet_is_found_by_its_code(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))[world.show.pk]
    data = workbook(
        [
            ["Päivämäärä", "Tarjonta", "Kortin tunnus", "Lasten liput"],
            [days_ago(3), label, world.cards[0].card_id, 0],
            [days_ago(3), "Hamlet", world.cards[1].card_id, 0],  # the title on that day
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert _statuses(batch) == ["recorded", "recorded"]
    assert {row["offering_id"] for row in batch.rows} == {world.show.pk}


def test_an_offering_of_another_site_is_refused(net, world, contact):
    from usage.sheets.offline_table import offering_code

    data = csv_bytes(
        [
            ["Date", "Offering", "Card ID"],
            [days_ago(3).isoformat(), offering_code(world.other_site_show), world.cards[0].card_id],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="uses.csv"))
    assert _codes(batch) == [["offering_not_at_site"]]


@pytest.mark.parametrize(
    ("delimiter", "encoding"),
    [(";", "utf-8-sig"), (",", "utf-8"), (";", "cp1252"), ("\t", "utf-16")],
)
def test_a_csv_with_the_same_columns_is_imported(net, world, contact, delimiter, encoding):
    day = days_ago(3)
    data = csv_bytes(
        [
            ["Päivämäärä", "Tarjonta", "Kortin tunnus", "Lasten liput", "Huomautukset"],
            [f"{day.day}.{day.month}.{day.year}", "Hamlet", world.cards[0].card_id, "1", "x"],
            [day.isoformat(), "hamlet", world.cards[1].card_id, "", ""],
        ],
        delimiter=delimiter,
        encoding=encoding,
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="uses.csv"))
    assert batch.file_format == "csv"
    assert _statuses(batch) == ["recorded", "recorded"]
    confirm(contact, batch)
    assert Redemption.objects.filter(offering=world.show).count() == 2


def test_headers_in_swedish_in_any_order_with_extra_columns(net, world, contact):
    day = days_ago(3)
    data = workbook(
        [
            ["Kassa", "Kortnummer", "BARNBILJETTER", "  Datum ", "Föreställning", "Pris"],
            ["1", world.cards[0].card_id, 2, day, "Hamlet", 0],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data))
    assert _statuses(batch) == ["recorded"]
    assert batch.rows[0]["children"] == 2
    notices = {n["code"]: n for n in batch.notices}
    assert notices["columns_ignored"]["headers"] == ["Kassa", "Pris"]


def test_confirming_twice_records_once(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    confirm(contact, batch)
    confirm(contact, batch)
    assert Redemption.objects.count() == 1
    assert AuditEntry.objects.filter(action="import.confirmed").count() == 1


def test_discarding_an_import_deletes_it_and_records_nothing(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    response = contact.post(reverse("usage:import_discard", args=[batch.pk]))
    assert response.status_code == 302
    assert counts() == (0, 0)


def test_a_confirmed_import_cannot_be_discarded(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    confirm(contact, batch)
    contact.post(reverse("usage:import_discard", args=[batch.pk]))
    assert counts() == (1, 1)


def test_unconfirmed_imports_are_purged_after_two_days(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    stale = batch_of(upload(contact, net.venue_a, filled))
    done = batch_of(upload(contact, net.venue_a, filled))
    confirm(contact, done)
    ImportBatch.objects.update(created_at=stale.created_at - datetime.timedelta(days=3))

    assert imports.purge_stale_batches() == 1
    assert list(ImportBatch.objects.all()) == [done]


def test_a_coordinator_imports_for_any_venue_site_of_the_area(net, client_for):
    from tests.factories import CardFactory, OfferingFactory

    show = OfferingFactory(site=net.venue_a2, title="Konsertti", date=days_ago(1))
    card = CardFactory(issued_by=net.dist_a, issued_on=days_ago(50))
    coordinator = client_for("coordinator")
    data = csv_bytes(
        [["Date", "Offering", "Card ID"], [days_ago(1).isoformat(), "Konsertti", card.card_id]]
    )
    batch = batch_of(upload(coordinator, net.venue_a2, data, name="a2.csv"))
    confirm(coordinator, batch)
    use = Redemption.objects.get()
    assert (use.site, use.offering, use.recorded_by) == (net.venue_a2, show, net.coordinator)


@pytest.mark.parametrize(
    "persona", ["other_venue_contact", "cashier", "other_coordinator", "distributor"]
)
def test_nobody_else_can_import_for_the_site_or_see_its_imports(net, world, client_for, persona):
    contact = client_for("venue_contact")
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    batch = batch_of(upload(contact, net.venue_a, filled))
    other = client_for(persona)

    assert upload(other, net.venue_a, filled).status_code == 404
    assert other.get(reverse("usage:import_batch", args=[batch.pk])).status_code == 404
    assert other.post(reverse("usage:import_confirm", args=[batch.pk])).status_code == 404
    assert other.post(reverse("usage:import_discard", args=[batch.pk])).status_code == 404
    assert counts() == (0, 1)


def test_a_confirmed_import_shows_in_the_sites_audit_trail(net, world, contact):
    label = labels_in(download_table(contact, net.venue_a))
    filled = fill_table(
        download_table(contact, net.venue_a),
        [(days_ago(3), label[world.show.pk], world.cards[0].card_id, 0, None)],
    )
    confirm(contact, batch_of(upload(contact, net.venue_a, filled)))
    page = contact.get(reverse("venues:site_audit", args=[net.venue_a.pk])).content.decode()
    assert "offline uses imported" in page
    assert "already in the register" in page


def test_offerings_are_found_by_title_time_or_code(net, world, contact):
    from tests.factories import OfferingFactory
    from usage.sheets.offline_table import offering_code

    day = days_ago(4)
    matinee = OfferingFactory(
        site=net.venue_a, title="Tartuffe", date=day, start_time=datetime.time(13, 0)
    )
    evening = OfferingFactory(
        site=net.venue_a, title="Tartuffe", date=day, start_time=datetime.time(19, 0)
    )
    numeric = OfferingFactory(site=net.venue_a, title="1917", date=day)
    cards = [c.card_id for c in world.cards]
    data = csv_bytes(
        [
            ["Date", "Offering", "Card ID"],
            [day.isoformat(), "Tartuffe 19:00", cards[0]],
            [day.isoformat(), "tartuffe klo 13.00", cards[1]],
            [day.isoformat(), "Tartuffe", cards[2]],  # which one?
            [day.isoformat(), "1917", cards[3]],  # a title, although digits
            [day.isoformat(), offering_code(evening), cards[4]],
            [day.isoformat(), "Hamlet", cards[5]],  # on another day
            [day.isoformat(), "Macbeth", cards[6]],
        ]
    )
    batch = batch_of(upload(contact, net.venue_a, data, name="uses.csv"))
    assert [row["offering_id"] for row in batch.rows[:5]] == [
        evening.pk,
        matinee.pk,
        None,
        numeric.pk,
        evening.pk,
    ]
    assert _codes(batch)[2:] == [
        ["offering_ambiguous"],
        [],
        [],
        ["offering_not_on_date"],
        ["offering_unknown"],
    ]


def test_a_table_downloaded_in_any_language_is_imported_by_its_headers(
    net, world, contact, monkeypatch
):
    # Whatever the catalogs make of the headers, the table stays importable:
    # the import knows the table's headers in every language of the site.
    words = {
        "Date": "Käyttöpäivä",
        "Offering": "Esitys tai kurssi",
        "Card ID": "Kaikukortin tunnus",
        "Children's tickets": "Lasten liput",
        "Notes": "Omat merkinnät",
    }
    monkeypatch.setattr("usage.sheets.offline_table._", lambda text: words.get(text, text))
    table = download_table(contact, net.venue_a)
    assert [c.value for c in load_workbook(io.BytesIO(table)).active[1]] == list(words.values())

    label = labels_in(table)[world.show.pk]
    filled = fill_table(table, [(days_ago(3), label, world.cards[0].card_id, 1, "Maija")])
    batch = batch_of(upload(contact, net.venue_a, filled))
    assert [o["status"] for o in batch.outcomes] == ["recorded"]
    assert {"code": "notes_ignored", "header": "Omat merkinnät"} in batch.notices


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_table_downloaded_in_each_language_of_the_site_is_imported(
    net, world, client_for, settings, language
):

    settings.LANGUAGE_CODE = language
    contact = client_for("venue_contact")
    table = download_table(contact, net.venue_a)
    label = labels_in(table)[world.show.pk]
    filled = fill_table(table, [(days_ago(3), label, world.cards[0].card_id, 1, "x")])
    batch = batch_of(upload(contact, net.venue_a, filled))
    assert [o["status"] for o in batch.outcomes] == ["recorded"]
