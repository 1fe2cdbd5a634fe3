"""The base layout in a real browser, on the login page and on every persona's
home page: WCAG 2.1 AA by axe-core, the skip link, the text-size control, the
language switcher, and no console errors or Content-Security-Policy
violations (the app sends a strict policy: no inline scripts or styles)."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit

pytestmark = pytest.mark.e2e

# The login page, then each persona's home page ("outsider" has no role: the
# page that says so).
PAGES = [
    "login",
    "cashier",
    "venue_contact",
    "distributor",
    "coordinator",
    "national_admin",
    "outsider",
]


@pytest.fixture
def browser_context_args(browser_context_args):
    """A Finnish reader's browser (Accept-Language: fi), as most users have."""
    return {**browser_context_args, "locale": "fi-FI"}


def pressed(page: Page, size: str) -> bool:
    """Does the text-size control show this size as chosen?"""
    button = page.locator(f".text-size-control button[value={size}]")
    return button.get_attribute("aria-pressed") == "true"


@pytest.fixture
def visit(page: Page, live_server, net):
    """visit("cashier") opens that persona's home page (after logging them in);
    visit("login") the login page."""

    def open_page(which: str) -> Visit:
        watched = Visit(page, live_server.url)
        if which == "login":
            page.goto(live_server.url + reverse("login"))
        else:
            log_in(page, live_server.url, getattr(net, which))
            page.goto(live_server.url + reverse("home"))
            assert "/accounts/login/" not in page.url, f"{which} was not logged in"
        return watched

    return open_page


@pytest.mark.parametrize("which", PAGES)
def test_page_has_no_wcag_violations_console_errors_or_csp_violations(visit, which):
    watched = visit(which)

    violations = axe_violations(watched.page)

    assert violations == [], describe(violations)
    assert watched.problems() == []


@pytest.mark.parametrize("which", PAGES)
def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(visit, which):
    watched = visit(which)
    page = watched.page
    # The desk puts the focus in its card field (a scanner types there at once);
    # from the top of the document the skip link is still the first stop.
    page.evaluate(
        """() => {
            const top = document.documentElement;
            top.tabIndex = -1;
            top.focus();
            top.removeAttribute("tabindex");
        }"""
    )

    page.keyboard.press("Tab")

    skip_link = page.locator("a.skip-link")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    box = skip_link.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is not on the screen"

    page.keyboard.press("Enter")

    assert page.evaluate("() => document.activeElement.id") == "main"
    assert page.evaluate("() => document.activeElement.tagName") == "MAIN"
    assert watched.problems() == []


@pytest.mark.parametrize("which", PAGES)
def test_text_size_control_enlarges_the_text_and_is_remembered(visit, which):
    watched = visit(which)
    page = watched.page
    assert watched.root_font_size() == "16px"

    page.locator(".text-size-control button[value=larger]").click()

    assert watched.root_font_size() == "22px"  # 137.5 %
    page.reload()
    assert watched.root_font_size() == "22px"
    assert pressed(page, "larger")

    page.locator(".text-size-control button[value=large]").click()
    page.reload()
    assert watched.root_font_size() == "19px"  # 118.75 %
    assert watched.problems() == []


@pytest.mark.parametrize("which", PAGES)
def test_language_switcher_changes_the_page_language(visit, which):
    watched = visit(which)
    page = watched.page
    assert watched.html_lang() == "fi"

    for language in ("sv", "en"):
        page.locator("#language-select").select_option(language)
        with page.expect_navigation():
            page.locator("#language-select ~ button[type=submit]").click()
        assert watched.html_lang() == language
        page.reload()
        assert watched.html_lang() == language, "the language was not remembered"
    assert watched.problems() == []


def test_text_size_control_works_without_javascript(browser, live_server, db):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + reverse("login"))
        assert page.locator("html").get_attribute("class") == "text-size-normal"

        with page.expect_navigation():
            page.locator(".text-size-control button[value=large]").click()

        assert page.url == live_server.url + reverse("login")
        assert page.locator("html").get_attribute("class") == "text-size-large"
        assert pressed(page, "large")
    finally:
        context.close()


def test_the_watch_notices_a_csp_violation(visit):
    """Negative control: an inline script is blocked, and the tests above would see it."""
    watched = visit("login")

    watched.page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
        }"""
    )
    watched.page.wait_for_function("() => window.__cspViolations.length > 0")

    assert watched.page.evaluate("() => window.inlineRan") is None
    assert any("script-src" in problem for problem in watched.problems())
