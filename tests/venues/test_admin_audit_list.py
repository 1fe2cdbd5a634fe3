"""The audit trail in the admin: each entry told as a sentence, filtered by
what happened and by who did it, in Helsinki time on the list and on the
entry's own page alike."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage.services import record_redemption

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:kaikukanta_auditentry_changelist")


@pytest.fixture
def recorded(net):
    net.cashier.full_name = "Kalle Kassa"
    net.cashier.save()
    show = OfferingFactory(site=net.venue_a, title="Kesäyön unelma")
    card = CardFactory(issued_by=net.dist_a, card_id="TRE-1006")
    record_redemption(
        card_id=card.card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
        recorded_by=net.cashier,
    )
    record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
        recorded_by=net.venue_contact,
    )
    return AuditEntry.objects.filter(actor=net.cashier).get()


def page_text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())))


def test_the_admins_list_tells_each_entry_as_a_sentence(net, client_for, recorded):
    response = client_for("coordinator").get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en")

    text = page_text(response)
    day = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert f"Kalle Kassa recorded card TRE-1006 for Kesäyön unelma on {day} (at the desk)." in text
    for code in ("redemption.recorded", "kaikukanta.auditentry", "usage.redemption"):
        assert code not in text


def test_the_admins_list_filters_by_action_and_by_person(net, client_for, recorded):
    client = client_for("coordinator")

    by_person = client.get(CHANGELIST, {"actor": net.cashier.pk})
    by_action = client.get(CHANGELIST, {"action": "redemption.voided"})

    assert list(by_person.context["cl"].result_list) == [recorded]
    assert list(by_action.context["cl"].result_list) == []
    filters = page_text(client.get(CHANGELIST, HTTP_ACCEPT_LANGUAGE="en"))
    assert "By who" in filters and "Kalle Kassa" in filters
    assert "By what" in filters and "use of a card recorded" in filters


def test_an_entrys_admin_page_is_in_helsinki_time_like_the_list(net, client_for, recorded):
    url = reverse("admin:kaikukanta_auditentry_change", args=[recorded.pk])

    response = client_for("national_admin").get(url, HTTP_ACCEPT_LANGUAGE="en")

    local = timezone.localtime(recorded.at)
    utc = recorded.at.astimezone(datetime.UTC)
    with translation.override("en"):
        helsinki_title = date_format(local, "SHORT_DATETIME_FORMAT")
        utc_title = date_format(utc, "SHORT_DATETIME_FORMAT")
    title = re.search(r"<title>(.*?)</title>", response.content.decode(), re.S).group(1)
    assert helsinki_title in html.unescape(title)
    assert utc_title not in html.unescape(title)  # Helsinki is never at UTC's offset
    assert "Kalle Kassa recorded card TRE-1006" in page_text(response)
    assert "redemption.recorded" not in page_text(response)
