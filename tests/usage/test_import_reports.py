"""A ticketing system's sales report with headers of its own: the import asks
which column is which, reads the report with them, and remembers them for the
site."""

import json

import pytest
from django.urls import reverse

from tests.usage.offline_helpers import (
    batch_of,
    confirm,
    counts,
    csv_bytes,
    days_ago,
    upload,
    workbook,
)
from usage.models import ImportBatch, Redemption, SiteColumnMapping

pytestmark = pytest.mark.usefixtures("english")


REPORT_HEADERS = [
    "Tilausnro",
    "Tapahtuman pvm",
    "Tapahtuma",
    "Asiakas",
    "Etukortti",
    "Lapsia",
    "Summa",
]


def _report(world, cards=(0, 1), name="Maija Meikäläinen"):
    day = days_ago(3)
    return workbook(
        [
            ["Myyntiraportti, Lippupalvelu Oy"],
            REPORT_HEADERS,
            *[
                [
                    f"T{n}",
                    f"{day.day}.{day.month}.{day.year} 19:00",
                    "HAMLET",
                    name,
                    world.cards[n].card_id,
                    n % 2,
                    "0,00",
                ]
                for n in cards
            ],
        ]
    )


def _choose(client, batch, **choices):
    data = {
        "date": "col:1",
        "card_id": "col:4",
        "offering": "col:2",
        "children": "col:5",
        "remember": "on",
    }
    data.update(choices)
    return client.post(reverse("usage:import_columns", args=[batch.pk]), data)


def test_a_report_with_foreign_headers_asks_for_its_columns(net, world, client_for):
    coordinator = client_for("coordinator")
    response = upload(coordinator, net.venue_a, _report(world), name="lippupalvelu.xlsx")
    batch = batch_of(response)
    assert response["Location"] == reverse("usage:import_columns", args=[batch.pk])
    assert batch.status == ImportBatch.Status.MAPPING
    assert batch.header_row == 2 and batch.headers == REPORT_HEADERS
    assert Redemption.objects.count() == 0

    page = coordinator.get(response["Location"])
    content = page.content.decode()
    assert page.status_code == 200
    assert "Column B: Tapahtuman pvm" in content
    assert "Column E: Etukortti – e.g. KK000001" in content
    assert "One offering for the whole file" in content


def test_a_report_is_imported_through_the_chosen_columns_and_they_are_remembered(
    net, world, client_for
):

    coordinator = client_for("coordinator")
    batch = batch_of(upload(coordinator, net.venue_a, _report(world), name="lippupalvelu.xlsx"))

    response = _choose(coordinator, batch)
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEW
    # The report's title line above its headers is shown as skipped.
    assert [o["status"] for o in batch.outcomes] == ["skipped", "recorded", "recorded"]
    assert [row["children"] for row in batch.rows[1:]] == [0, 1]
    # The report's other columns (a buyer's name!) and the file itself are gone.
    assert bytes(batch.content) == b""
    assert "Maija" not in json.dumps([batch.rows, batch.outcomes, batch.notices])
    page = coordinator.get(reverse("usage:import_batch", args=[batch.pk])).content.decode()
    assert "Card ID ← “Etukortti”" in page

    confirm(coordinator, batch)
    uses = Redemption.objects.order_by("card__card_id")
    assert [u.offering for u in uses] == [world.show, world.show]
    assert {u.channel for u in uses} == {Redemption.Channel.IMPORT}
    assert SiteColumnMapping.objects.get(site=net.venue_a).columns == {
        "date": "tapahtuman pvm",
        "card_id": "etukortti",
        "offering": "tapahtuma",
        "children": "lapsia",
    }

    # The next report of the site is read with the remembered columns at once.
    next_report = _report(world, cards=(2, 3))
    response = upload(client_for("venue_contact"), net.venue_a, next_report, name="next.xlsx")
    again = batch_of(response)
    assert response["Location"] == reverse("usage:import_batch", args=[again.pk])
    assert [o["status"] for o in again.outcomes] == ["skipped", "recorded", "recorded"]
    assert {"code": "mapping_remembered"} in again.notices


def test_the_remembered_columns_are_not_used_for_another_report_layout(net, world, client_for):
    SiteColumnMapping.objects.create(
        site=net.venue_a,
        columns={"date": "pvm", "card_id": "kortti x", "offering": "näytös x", "children": ""},
    )
    batch = batch_of(upload(client_for("venue_contact"), net.venue_a, _report(world)))
    assert batch.status == ImportBatch.Status.MAPPING


def test_the_columns_can_be_chosen_again_although_remembered(net, world, client_for):
    contact = client_for("venue_contact")
    batch = batch_of(upload(contact, net.venue_a, _report(world)))
    _choose(contact, batch)
    confirm(contact, batch)  # the columns are remembered when the import is confirmed
    again = batch_of(upload(contact, net.venue_a, _report(world), choose_columns="on"))
    assert again.status == ImportBatch.Status.MAPPING
    page = contact.get(reverse("usage:import_columns", args=[again.pk])).content.decode()
    assert 'value="col:4" selected' in page  # the remembered choice, suggested


def test_one_offering_for_the_whole_file(net, world, client_for):
    contact = client_for("venue_contact")
    day = days_ago(2)
    report = csv_bytes(
        [
            ["Päivä ja aika", "Kortti nro", "Hinta"],
            [f"{day.isoformat()} 18:00", world.cards[0].card_id, "0"],
            [f"{day.isoformat()} 18:00", world.cards[1].card_id, "0"],
        ],
        delimiter=",",
    )
    batch = batch_of(upload(contact, net.venue_a, report, name="report.csv"))
    assert batch.status == ImportBatch.Status.MAPPING
    response = _choose(
        contact,
        batch,
        date="col:0",
        card_id="col:1",
        offering=f"offering:{world.capped.pk}",
        children="",
    )
    assert response.status_code == 302
    batch.refresh_from_db()
    assert {row["offering_id"] for row in batch.rows} == {world.capped.pk}
    confirm(contact, batch)
    assert Redemption.objects.filter(offering=world.capped).count() == 2
    # One offering for a whole file is not a layout to reuse by itself.
    again = batch_of(upload(contact, net.venue_a, report, name="report.csv"))
    assert again.status == ImportBatch.Status.MAPPING


def test_choosing_the_same_column_twice_or_no_card_column_is_explained(net, world, client_for):
    contact = client_for("venue_contact")
    batch = batch_of(upload(contact, net.venue_a, _report(world)))
    response = _choose(contact, batch, card_id="col:1")
    assert response.status_code == 200
    assert "Choose a different column for each." in response.content.decode()
    response = _choose(contact, batch, card_id="")
    assert response.status_code == 200
    assert counts() == (0, 1)


def test_a_column_choice_outside_the_file_is_refused(net, world, client_for):
    contact = client_for("venue_contact")
    batch = batch_of(upload(contact, net.venue_a, _report(world)))
    response = _choose(contact, batch, card_id="col:99", offering="offering:999999")
    assert response.status_code == 200
    assert counts() == (0, 1)


def test_another_venue_cannot_choose_the_columns_of_the_report(net, world, client_for):
    batch = batch_of(upload(client_for("venue_contact"), net.venue_a, _report(world)))
    other = client_for("other_venue_contact")
    assert other.get(reverse("usage:import_columns", args=[batch.pk])).status_code == 404
    assert _choose(other, batch).status_code == 404
    assert not SiteColumnMapping.objects.exists()
