"""The offline table is made for a site whose names and offering titles were
stored with control characters, which become spaces (issue 9); an import of
that table still finds its offerings by their labels."""

import io

import openpyxl
import pytest

from tests.factories import OfferingFactory
from tests.usage.offline_helpers import (
    batch_of,
    days_ago,
    download_table,
    fill_table,
    labels_in,
    upload,
)
from venues.models import Organisation, Site

pytestmark = pytest.mark.usefixtures("english")


def test_the_table_is_made_and_imported_with_control_characters_as_spaces(net, world, contact):
    hostile = OfferingFactory(site=net.venue_a, title="Hamlet\x01 ja\x0bOfelia", date=days_ago(2))
    Site.objects.filter(pk=net.venue_a.pk).update(name="Venue\x0bA")
    Organisation.objects.filter(pk=net.venue_a.organisation_id).update(name="Org\x01A")

    table = download_table(contact, net.venue_a)

    workbook = openpyxl.load_workbook(io.BytesIO(table))
    texts = [
        str(cell.value) for ws in workbook.worksheets for row in ws.iter_rows() for cell in row
    ]
    assert not any("\x01" in t or "\x0b" in t for t in texts)
    assert any(t.startswith("Hamlet  ja Ofelia") for t in texts)
    assert any("Venue A" in t for t in texts)
    label = labels_in(table)[hostile.pk]
    filled = fill_table(table, [(days_ago(2), label, world.cards[0].card_id, 0, "")])
    batch = batch_of(upload(contact, net.venue_a, filled))
    assert batch.rows[0]["offering_id"] == hostile.pk
