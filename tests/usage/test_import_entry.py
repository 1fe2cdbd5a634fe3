"""Typing in a paper form: a grid for the keyboard that works without
JavaScript as a plain form, and goes through the same preview and
confirmation as a file, with channel "paper"."""

import re

import pytest
from django.urls import reverse

from tests.usage.offline_helpers import batch_of, confirm, counts, days_ago
from usage.models import ImportBatch, Redemption
from usage.sheets.forms import ENTRY_MAX_ROWS, ENTRY_ROWS
from usage.sheets.offline_table import offering_code

pytestmark = pytest.mark.usefixtures("english")


def _post(client, site, rows, total=ENTRY_ROWS, **extra):
    data = {
        "rows-TOTAL_FORMS": str(total),
        "rows-INITIAL_FORMS": "0",
        "rows-MIN_NUM_FORMS": "0",
        "rows-MAX_NUM_FORMS": str(ENTRY_MAX_ROWS),
        **extra,
    }
    for index, row in enumerate(rows):
        for name, value in zip(("date", "offering", "card_id", "children"), row, strict=True):
            data[f"rows-{index}-{name}"] = value
    return client.post(reverse("usage:import_entry", args=[site.pk]), data)


def test_the_grid_has_a_paper_forms_rows_labels_and_no_inline_script(net, world, contact):
    response = contact.get(reverse("usage:import_entry", args=[net.venue_a.pk]))
    content = response.content.decode()

    assert response.status_code == 200
    assert content.count('name="rows-') >= ENTRY_ROWS * 4
    assert (
        '<label class="visually-hidden" for="id_rows-0-card_id">Row 1: card ID</label>' in content
    )
    assert 'id="entry-row-template"' in content and "rows-__prefix__-card_id" in content
    assert f'<option value="{offering_code(world.show)}">' in content
    assert "kaikukanta/batch-entry.js" in content
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", content)  # no inline scripts
    assert ' style="' not in content


def test_typed_rows_go_through_the_preview_and_are_recorded_as_paper(net, world, contact):
    day = days_ago(3)
    code = offering_code(world.show)
    response = _post(
        contact,
        net.venue_a,
        [
            (f"{day.day}.{day.month}.{day.year}", code, world.cards[0].card_id, "2"),
            (f"{day.day}.{day.month}.", code, f"*{world.cards[1].card_id}*", ""),
            (
                f"{day.day}.{day.month}.",
                code[:-1] + str((int(code[-1]) + 1) % 10),
                world.cards[2].card_id,
                "",
            ),
        ],
    )
    batch = batch_of(response)
    assert batch.channel == Redemption.Channel.PAPER
    assert Redemption.objects.count() == 0
    assert [o["status"] for o in batch.outcomes] == ["recorded", "recorded", "refused"]
    assert batch.outcomes[2]["problems"][0]["code"] == "offering_code_invalid"
    page = contact.get(response["Location"]).content.decode()
    assert "Correct the rows" in page
    assert "not an offering code of the paper form" in page

    confirm(contact, batch)
    uses = Redemption.objects.order_by("card__card_id")
    assert [(u.card, u.channel, u.children) for u in uses] == [
        (world.cards[0], "paper", 2),
        (world.cards[1], "paper", 0),
    ]


def test_rows_can_be_corrected_and_the_old_check_is_replaced(net, world, contact):
    day = days_ago(3)
    code = offering_code(world.show)
    batch = batch_of(
        _post(
            contact, net.venue_a, [(f"{day.day}.{day.month}.", "999", world.cards[0].card_id, "")]
        )
    )

    page = contact.get(reverse("usage:import_entry", args=[net.venue_a.pk]) + f"?batch={batch.pk}")
    content = page.content.decode()
    assert f'value="{world.cards[0].card_id}"' in content
    assert f'value="{day.day}.{day.month}.{day.year}"' in content
    assert f'name="replaces" value="{batch.pk}"' in content

    fixed = batch_of(
        _post(
            contact,
            net.venue_a,
            [(f"{day.day}.{day.month}.{day.year}", code, world.cards[0].card_id, "")],
            replaces=str(batch.pk),
        )
    )
    assert list(ImportBatch.objects.all()) == [fixed]
    assert fixed.outcomes[0]["status"] == "recorded"


def test_an_empty_grid_asks_for_a_row(net, world, contact):
    response = _post(contact, net.venue_a, [])
    assert response.status_code == 302
    assert counts() == (0, 0)
    follow = contact.get(response["Location"])
    assert "Type at least one row." in follow.content.decode()


def test_more_rows_than_allowed_are_refused_on_the_page(net, world, contact):
    response = _post(contact, net.venue_a, [], total=ENTRY_MAX_ROWS + 1)
    assert response.status_code == 200
    assert counts() == (0, 0)


def test_another_venue_cannot_type_in_for_the_site(net, world, client_for):
    other = client_for("other_venue_contact")
    assert other.get(reverse("usage:import_entry", args=[net.venue_a.pk])).status_code == 404
    day = days_ago(3)
    response = _post(other, net.venue_a, [(day.isoformat(), "", world.cards[0].card_id, "")])
    assert response.status_code == 404
    assert counts() == (0, 0)
