"""The offline fallback in a real browser: the paper form typed in with the keyboard
alone (type, Tab, Enter for a new row, Ctrl+Enter to check), the same grid
without JavaScript, and axe-core finding no WCAG 2.1 AA violation on the
offline pages."""

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.usage.offline_helpers import csv_bytes, days_ago, scene
from usage.models import Redemption
from usage.sheets.offline_table import offering_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(transactional_db, net):
    return scene(net)


def open_page(context: BrowserContext, live_server, user, path: str) -> Page:
    page = context.new_page()
    log_in(page, live_server.url, user)
    errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}{path}")
    return page


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert not page.csp_errors  # type: ignore[attr-defined]


def test_a_paper_form_is_typed_in_with_the_keyboard_alone(new_context, live_server, net, world):
    page = open_page(
        new_context(locale="en-US"),
        live_server,
        net.venue_contact,
        f"/sites/{net.venue_a.pk}/imports/entry/",
    )
    assert_accessible(page)
    day = days_ago(3)
    code = offering_code(world.show)

    page.locator("#id_rows-0-date").focus()
    page.keyboard.type(f"{day.day}.{day.month}.{day.year}")
    page.keyboard.press("Tab")
    page.keyboard.type(code)
    page.keyboard.press("Tab")
    page.keyboard.type(world.cards[0].card_id)
    page.keyboard.press("Tab")
    page.keyboard.type("1")
    page.keyboard.press("Enter")
    # The next row has the same date and offering; the cursor is on its card ID.
    expect(page.locator("#id_rows-1-card_id")).to_be_focused()
    expect(page.locator("#id_rows-1-date")).to_have_value(f"{day.day}.{day.month}.{day.year}")
    expect(page.locator("#id_rows-1-offering")).to_have_value(code)
    page.keyboard.type(world.cards[1].card_id)
    page.keyboard.press("Control+Enter")

    expect(page.get_by_role("heading", name="Check before recording")).to_be_visible()
    assert Redemption.objects.count() == 0
    assert_accessible(page)
    page.get_by_role("button", name="Record 2 uses").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Imported uses")).to_be_visible()
    uses = Redemption.objects.order_by("card__card_id")
    assert [(u.card, u.channel, u.children) for u in uses] == [
        (world.cards[0], "paper", 1),
        (world.cards[1], "paper", 0),
    ]
    assert_accessible(page)


def test_enter_on_the_last_row_adds_a_row(new_context, live_server, net, world):
    page = open_page(
        new_context(locale="en-US"),
        live_server,
        net.venue_contact,
        f"/sites/{net.venue_a.pk}/imports/entry/",
    )
    page.locator("#id_rows-24-card_id").focus()
    page.keyboard.type(world.cards[0].card_id)
    page.keyboard.press("Enter")

    expect(page.locator("#id_rows-25-card_id")).to_be_focused()
    expect(page.locator("#id_rows-TOTAL_FORMS")).to_have_value("26")
    expect(page.get_by_role("status")).to_have_text("Row 26 added.")
    assert_accessible(page)


def test_the_grid_works_without_javascript(new_context, live_server, net, world):
    page = open_page(
        new_context(locale="en-US", java_script_enabled=False),
        live_server,
        net.venue_contact,
        f"/sites/{net.venue_a.pk}/imports/entry/",
    )
    day = days_ago(3)
    expect(page.locator("input[name$='-card_id']:not([name*='__prefix__'])")).to_have_count(25)
    page.fill("#id_rows-0-date", day.isoformat())
    page.fill("#id_rows-0-offering", offering_code(world.show))
    page.fill("#id_rows-0-card_id", world.cards[0].card_id)
    page.get_by_role("button", name="Check the rows").click()

    expect(page.get_by_role("heading", name="Check before recording")).to_be_visible()
    page.get_by_role("button", name="Record 1 use").click()
    expect(page.get_by_role("heading", name="Imported uses")).to_be_visible()
    assert Redemption.objects.get().channel == "paper"


def test_the_offline_pages_pass_axe(new_context, live_server, net, world, tmp_path):
    context = new_context(locale="en-US")
    page = open_page(context, live_server, net.venue_contact, f"/sites/{net.venue_a.pk}/offline/")
    assert_accessible(page)

    report = tmp_path / "report.csv"
    day = days_ago(3)
    report.write_bytes(
        csv_bytes(
            [
                ["Tapahtuman pvm", "Tapahtuma", "Etukortti", "Asiakas"],
                [day.isoformat(), "Hamlet", world.cards[0].card_id, "Maija"],
                [day.isoformat(), "Hamlet", "KK999999", "Matti"],
            ]
        )
    )
    page.get_by_label(
        "The filled table, a CSV file or a ticketing system's sales report"
    ).set_input_files(str(report))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Date of use").select_option(
        label="Column A: Tapahtuman pvm – e.g. " + day.isoformat()
    )
    page.get_by_label("Card ID").select_option(index=3)
    page.get_by_label("Offering").select_option(label="Column B: Tapahtuma – e.g. Hamlet")
    page.get_by_role("button", name="Check the rows").click()
    expect(page.get_by_role("heading", name="Check before recording")).to_be_visible()
    expect(page.get_by_text("No card with this ID is registered.")).to_be_visible()
    assert_accessible(page)

    page.goto(f"{live_server.url}/sites/{net.venue_a.pk}/imports/new/")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    page.get_by_label(
        "The filled table, a CSV file or a ticketing system's sales report"
    ).set_input_files(str(bad))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved.")
    assert_accessible(page)
