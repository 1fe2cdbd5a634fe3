"""An import confirmed while the database goes away is recorded whole or not
at all, and the 503 page says which."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from kaikukanta import audit
from tests.database_outage import commit_answer_lost_after, database_goes_down_at
from tests.usage.offline_helpers import (
    batch_of,
    confirm,
    days_ago,
    download_table,
    fill_table,
    labels_in,
    upload,
)
from usage.models import ImportBatch, Redemption
from usage.services import stats_summary


@pytest.fixture
def previewed(net, world, contact):
    """An uploaded table of three uses, previewed and waiting for confirmation."""
    label = labels_in(download_table(contact, net.venue_a))
    rows = [(days_ago(3), label[world.show.pk], card.card_id, 0, None) for card in world.cards[:3]]
    return batch_of(
        upload(contact, net.venue_a, fill_table(download_table(contact, net.venue_a), rows))
    )


def says(response, text: str) -> None:
    assert response.status_code == 503, response.status_code
    html = response.content.decode()
    assert 'id="outage-explanation"' in html
    assert text in html, html


def test_an_outage_midway_records_nothing_and_says_so(previewed, contact):
    # The rows are written, then the database goes away before the commit.
    with database_goes_down_at(stats_summary, "uses_recorded"):
        response = confirm(contact, previewed)

    says(response, "Tästä tuonnista ei kirjattu mitään")
    assert not Redemption.objects.exists()
    previewed.refresh_from_db()
    assert previewed.status == ImportBatch.Status.PREVIEW
    # Confirmed again once the register is back: every row, once.
    assert confirm(contact, previewed).status_code == 302
    assert Redemption.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_lost_commit_says_it_is_all_or_nothing_and_confirming_again_adds_nothing(
    previewed, contact
):
    with commit_answer_lost_after(audit, "log"):
        response = confirm(contact, previewed)

    says(response, "Tuonti kirjattiin joko kokonaan tai ei lainkaan")
    assert Redemption.objects.count() == 3  # the database did commit, all of it
    assert confirm(contact, previewed).status_code == 302
    assert Redemption.objects.count() == 3


def test_an_outage_after_the_commit_says_the_import_was_recorded(net, previewed):
    # Recorded; then saving the session (the page's "Recorded: 3" message)
    # meets the outage, in middleware after the view.
    client = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(net.venue_contact)

    with database_goes_down_at(SessionStore, "save"):
        response = client.post(reverse("usage:import_confirm", args=[previewed.pk]))

    says(response, "The import was recorded, every row of it as the preview showed.")
    assert Redemption.objects.count() == 3
