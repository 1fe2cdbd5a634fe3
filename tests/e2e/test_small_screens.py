"""An area's page and a site's uses on a phone (375 and 320 px wide, normal and
largest text): the page never scrolls sideways. Wide tables scroll in their
own box, and the screen-reader-only text in them stays inside it."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.e2e.session import log_in
from tests.factories import CardFactory, MembershipFactory, OfferingFactory, UserFactory
from usage.services import record_redemption
from venues.models import Membership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"
# Screen-reader-only text that sticks out of its table's scroll box.
ESCAPED_SR_ONLY = """() => [...document.querySelectorAll(".visually-hidden")].filter((e) => {
    const box = e.closest(".table-responsive");
    if (!box) { return false; }
    const r = e.getBoundingClientRect(), b = box.getBoundingClientRect();
    return e.offsetParent !== null && !box.contains(e.offsetParent) && r.right > b.right;
}).length"""
TABLES_OUTSIDE_A_BOX = """() => [...document.querySelectorAll("main table")]
    .filter((t) => !t.closest(".table-responsive")).length"""


@pytest.fixture
def busy_site(transactional_db, net):
    """Venue A with long names, many people and a day of uses to list."""
    show = OfferingFactory(
        site=net.venue_a,
        title="Kesäyön unelma – koko näytelmä yhtenä iltana, väliajalla",
        cap=40,
    )
    for n in range(3):
        person = UserFactory(
            full_name=f"Kassahenkilö Pitkänimi-Esimerkkinen {n}",
            email=f"kassahenkilo.pitkanimi.esimerkkinen.{n}@esimerkkiteatteri.example.fi",
        )
        MembershipFactory(user=person, role=Membership.Role.CASHIER, site=net.venue_a)
        record_redemption(
            card_id=CardFactory(issued_by=net.dist_a).card_id,
            site=net.venue_a,
            offering=show,
            channel="desk",
            recorded_by=person,
        )
    return net.venue_a


def open_as(new_context, live_server, user, width: int, text_size: str) -> Page:
    context = new_context(locale="fi-FI", viewport={"width": width, "height": 800})
    context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    page = context.new_page()
    log_in(page, live_server.url, user)
    return page


@pytest.mark.parametrize("width", [375, 320])
@pytest.mark.parametrize("text_size", ["normal", "larger"])
@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("coordinator", lambda net: reverse("venues:area", args=[net.area_a.pk])),
        ("venue_contact", lambda net: reverse("usage:uses", args=[net.venue_a.pk])),
        ("venue_contact", lambda net: reverse("venues:site", args=[net.venue_a.pk])),
    ],
    ids=["area", "uses", "site"],
)
def test_the_page_does_not_scroll_sideways_on_a_phone(
    net, busy_site, new_context, live_server, persona, url, width, text_size
):
    page = open_as(new_context, live_server, getattr(net, persona), width, text_size)

    page.goto(live_server.url + url(net))

    assert page.locator("main table").count() > 0
    assert page.evaluate(TABLES_OUTSIDE_A_BOX) == 0
    assert page.evaluate(ESCAPED_SR_ONLY) == 0
    assert not page.evaluate(SCROLLS_SIDEWAYS), page.url
