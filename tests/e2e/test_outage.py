"""The desk while the register cannot be reached, in a real browser: a card
check or a record that fails for a network reason or a 5xx answer offers the
offline page in place; the desk's own 503 page links to it; and the offline
page kept by the service worker opens even while the register answers 503."""

import pytest
from playwright.sync_api import Page, expect

from tests.database_outage import database_down
from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.factories import CardFactory, OfferingFactory
from usage.models import Redemption

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OFFLINE_PAGE_IS_CACHED = """async () => {
    const keys = await caches.keys();
    if (!keys.length) { return false; }
    const cache = await caches.open(keys[0]);
    return (await cache.match("/desk/offline/")) !== undefined;
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "service_workers": "allow"}


@pytest.fixture
def card(net):
    OfferingFactory(site=net.venue_a, title="Evening concert", cap=5)
    return CardFactory(issued_by=net.dist_a)


@pytest.fixture
def desk(page: Page, live_server, net) -> Visit:
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.cashier)
    page.goto(f"{live_server.url}/desk/")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads
    return watched


def check(page: Page, card_id: str) -> None:
    page.locator("#desk-card").fill(card_id)
    page.keyboard.press("Enter")


def expect_offline_offered(page: Page) -> None:
    alert = page.locator("#desk-alert")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("The register cannot be reached right now")
    link = alert.locator("#desk-offline-link")
    expect(link).to_have_attribute("href", "/desk/offline/")
    expect(link).to_have_text("Record offline")
    expect(link).to_be_focused()
    assert page.evaluate("window.sameDocument") is True  # offered in place, no page load


def test_a_card_check_the_register_answers_with_503_offers_the_offline_page(page, desk, card):
    with database_down():
        check(page, card.card_id)
        expect_offline_offered(page)

    violations = axe_violations(page)
    assert violations == [], describe(violations)
    # The browser reports the 503 answer itself; nothing else goes wrong.
    assert [p for p in desk.problems() if "status of 503" not in p] == []


def test_a_card_check_without_a_network_offers_the_offline_page(page, desk, card):
    page.context.set_offline(True)
    check(page, card.card_id)

    expect_offline_offered(page)
    page.context.set_offline(False)


def test_a_record_that_fails_offers_the_offline_page_and_leaves_nothing_to_press(page, desk, card):
    check(page, card.card_id)
    expect(page.locator("#desk-status")).to_contain_text(f"Card {card.card_id} can be used")

    with database_down():
        page.locator("#desk-record-button").click()
        expect_offline_offered(page)

    expect(page.locator("#desk-status")).to_be_empty()  # no green box left standing
    expect(page.locator("#desk-record-button")).to_be_disabled()
    assert not Redemption.objects.exists()


def test_the_desks_own_503_page_leads_to_the_kept_offline_page(page, desk, live_server):
    # The desk registers the service worker, which keeps the offline page.
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(OFFLINE_PAGE_IS_CACHED)

    with database_down():
        response = page.goto(f"{live_server.url}/desk/")
        assert response is not None and response.status == 503
        expect(page.locator("h1")).to_have_text("Record a use")
        expect(page.locator("#desk-unavailable")).to_contain_text(
            "The register cannot be reached right now"
        )
        violations = axe_violations(page)
        assert violations == [], describe(violations)

        page.locator("#desk-offline-link").click()

        # The register still answers 503; the service worker serves the kept page.
        expect(page.locator("h1")).to_have_text("Record offline")
        expect(page.locator("#offline-card")).to_be_visible()
