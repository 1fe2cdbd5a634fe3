"""Recording with the network down, in a real browser: the service worker
serves the offline page, the uses are saved on the device, and when the
network is back they are recorded once — an expired card is reported, not
recorded."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

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
# As if the answers were lost: every saved use waits to be sent again.
MARK_ALL_WAITING = """() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith("kaikukanta-offline"));
    const queue = JSON.parse(localStorage[key]);
    queue.forEach((entry) => { entry.status = "waiting"; });
    localStorage[key] = JSON.stringify(queue);
}"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US", "service_workers": "allow"}


def test_uses_saved_offline_are_recorded_once_when_the_network_is_back(page, live_server, net):
    show = OfferingFactory(site=net.venue_a, title="Matinee", cap=10)
    good = CardFactory(issued_by=net.dist_a, children=1)
    expired = CardFactory(
        issued_by=net.dist_a, issued_on=timezone.localdate() - datetime.timedelta(400)
    )
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.cashier)
    page.goto(f"{live_server.url}/desk/")
    # The desk registers the service worker, which keeps the offline page.
    page.wait_for_function("() => navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_function(OFFLINE_PAGE_IS_CACHED)

    page.context.set_offline(True)
    page.goto(f"{live_server.url}/desk/offline/")
    expect(page.locator("h1")).to_have_text("Record offline")
    expect(page.locator("#offline-network")).to_contain_text("No network")
    expect(page.locator("#offline-offering")).to_contain_text("Matinee")

    page.keyboard.type(good.card_id)
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    page.locator("#offline-card").fill(f" *{expired.card_id.lower()}* ")
    page.keyboard.press("Enter")
    expect(page.locator("#offline-queue tr")).to_have_count(2)
    expect(page.locator("#offline-queue")).to_contain_text("waiting to be sent")
    assert not Redemption.objects.exists()

    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#offline-queue")).to_contain_text("recorded")
    expect(page.locator("#offline-queue")).to_contain_text("not recorded")
    use = Redemption.objects.get()
    assert (use.card, use.offering, use.children, use.channel) == (good, show, 1, "offline")

    # Sending again (a second tab, a retry) records nothing new.
    page.evaluate(MARK_ALL_WAITING)
    page.locator("#offline-send").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#offline-network")).to_contain_text("Sent")
    assert Redemption.objects.count() == 1

    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert watched.problems() == []
