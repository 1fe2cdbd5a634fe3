"""The error pages in a real browser: axe-core finds no WCAG 2.1 AA
violation, the strict CSP holds, and a phone-sized screen does not scroll
sideways, in the 404, 500 and 503 pages alike."""

import pytest
from playwright.sync_api import Page, expect

from tests.database_outage import database_down
from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fi-FI", "viewport": {"width": 320, "height": 700}}


def looks_right(page: Page, watched: Visit, status: int, response) -> None:
    assert response is not None and response.status == status
    expect(page.locator("html")).to_have_attribute("lang", "fi")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.get_by_role("link", name="Takaisin etusivulle")).to_be_visible()
    assert page.evaluate(SIDEWAYS) == 0
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    # The browser reports the error status itself; nothing else goes wrong.
    assert [p for p in watched.problems() if f"status of {status}" not in p] == []


@pytest.mark.parametrize("text_size", ["normal", "larger"])
def test_404(page, live_server, db, text_size):
    page.context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    watched = Visit(page, live_server.url)

    response = page.goto(f"{live_server.url}/no-such-page/")

    looks_right(page, watched, 404, response)
    expect(page.locator("main h1")).to_have_text("Sivua ei löydy")


def test_500(page, live_server, net, monkeypatch):
    def broken(user):
        raise RuntimeError("a bug")

    monkeypatch.setattr("kaikukanta.views.home_url", broken)
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.cashier)

    response = page.goto(f"{live_server.url}/")

    looks_right(page, watched, 500, response)
    expect(page.locator("main h1")).to_have_text("Jotain meni vikaan meidän päässämme")


def test_503(page, live_server, net):
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.coordinator)

    with database_down():
        response = page.goto(f"{live_server.url}/admin/")
        looks_right(page, watched, 503, response)
        expect(page.locator("main h1")).to_have_text("Rekisteriin ei juuri nyt saada yhteyttä")
        try_again = page.get_by_role("link", name="Yritä uudelleen")
        expect(try_again).to_have_attribute("href", "/admin/")
