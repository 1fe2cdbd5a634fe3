"""The import's mapping step in a real browser, for a file without a header
row: the option is offered (and chosen, as the first row is a use), the
columns are named A, B, C, the first row is read as a use, and the pages
pass axe-core (WCAG 2.1 AA)."""

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.usage.offline_helpers import days_ago, scene
from usage.models import Redemption

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

UPLOAD_LABEL = "The filled table, a CSV file or a ticketing system's sales report"


@pytest.fixture
def world(transactional_db, net):
    return scene(net)


def _headerless_workbook(path, world) -> None:
    """Uses from the first row on; the first row has no children's tickets."""
    day = days_ago(3)
    wb = Workbook()
    ws = wb.active
    ws.append([day, "Hamlet", world.cards[0].card_id])
    ws.append([day, "Hamlet", world.cards[1].card_id, 1])
    ws.append([day, "Hamlet", world.cards[2].card_id, 0])
    ws["A1"].number_format = ws["A2"].number_format = ws["A3"].number_format = "d.m.yyyy"
    wb.save(path)


def test_a_file_without_a_header_row_is_read_from_its_first_row(
    new_context, live_server, net, world, tmp_path
):
    page = new_context(locale="en-US").new_page()
    log_in(page, live_server.url, net.venue_contact)
    page.goto(f"{live_server.url}/sites/{net.venue_a.pk}/imports/new/")
    path = tmp_path / "kassa.xlsx"
    _headerless_workbook(path, world)
    page.get_by_label(UPLOAD_LABEL).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    expect(page.get_by_role("heading", name="Which column is which?")).to_be_visible()
    no_header = page.get_by_role("radio", name="The file has no header row")
    header_row = page.get_by_role("radio", name="Row 2 holds the column headers")
    # The row taken for the headers holds a date: the file has none, says the page.
    expect(no_header).to_be_checked()
    day = days_ago(3)
    # The workbook's dates are shown as dates, in the Finnish format.
    expect(page.get_by_label("Date of use")).to_contain_text(
        f"Column A – e.g. {day.day}.{day.month}.{day.year}"
    )
    violations = axe_violations(page)
    assert not violations, describe(violations)

    # As if row 2 held the headers: row 1 is marked as skipped, row 2 as the headers.
    header_row.check()
    page.get_by_role("button", name="Show the columns again with this choice").click()
    table = page.get_by_role("table", name="The first rows of the file")
    expect(table.get_by_role("row").nth(1)).to_contain_text("(skipped)")
    expect(table.get_by_role("row").nth(2)).to_contain_text("(column headers)")
    expect(page.get_by_label("Card ID")).to_contain_text("Column C: " + world.cards[1].card_id)

    # Back to no header row: the columns are A, B, C, and the choice is read from row 1.
    page.get_by_role("radio", name="The file has no header row").check()
    page.get_by_role("button", name="Show the columns again with this choice").click()
    expect(page.get_by_role("radio", name="The file has no header row")).to_be_checked()
    expect(table.get_by_role("row").nth(1)).not_to_contain_text("(skipped)")
    page.get_by_label("Date of use").select_option("col:0")
    page.get_by_label("Card ID").select_option(label="Column C – e.g. " + world.cards[0].card_id)
    page.get_by_label("Offering").select_option(label="Column B – e.g. Hamlet")
    page.get_by_label("Children's tickets").select_option(label="Column D – e.g. 1")
    expect(page.get_by_label("Remember these columns for this site's next reports")).to_have_count(
        0
    )
    page.get_by_role("button", name="Check the rows").click()

    expect(page.get_by_role("heading", name="Check before recording")).to_be_visible()
    expect(page.get_by_text("its first row was read as a use")).to_be_visible()
    rows = page.get_by_role("table", name="Each row of the file and what will be done with it")
    expect(rows.get_by_role("row").nth(1)).to_contain_text(world.cards[0].card_id)
    expect(rows.get_by_role("row").nth(1)).to_contain_text("Will be recorded")
    # A card ID is not broken at its hyphen where the column is narrow.
    card_cell = rows.get_by_role("row").nth(1).get_by_role("cell", name=world.cards[0].card_id)
    expect(card_cell).to_have_css("white-space", "nowrap")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_role("button", name="Record 3 uses").click()

    expect(page.get_by_role("heading", name="Imported uses")).to_be_visible()
    uses = Redemption.objects.order_by("card__card_id")
    assert [(u.card, u.children) for u in uses] == [
        (world.cards[0], 0),
        (world.cards[1], 1),
        (world.cards[2], 0),
    ]


def test_on_a_phone_the_first_rows_scroll_under_their_heading(
    new_context, live_server, net, world, tmp_path
):
    """A sales report wider than a phone: its first rows scroll sideways in a
    region that the keyboard reaches and that the heading above names; the
    heading (once the table's caption, which scrolled away with the rows)
    and the page stay put."""
    page = new_context(locale="en-US", viewport={"width": 375, "height": 800}).new_page()
    log_in(page, live_server.url, net.venue_contact)
    page.goto(f"{live_server.url}/sites/{net.venue_a.pk}/imports/new/")
    path = tmp_path / "myynti.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Sales of November"
    ws.append(["Day of the event", "Customer's card identifier", "Title", "Kids", "Remarks"])
    ws.append([days_ago(2), world.cards[0].card_id, "Hamlet", 0, "Came with a group of twelve"])
    wb.save(path)
    page.get_by_label(UPLOAD_LABEL).set_input_files(str(path))
    page.get_by_role("button", name="Check the file").click()

    name = "The first rows of the file (sheet “Sales of November”)"
    heading = page.get_by_role("heading", name=name)
    region = page.get_by_role("region", name=name)
    expect(page.get_by_role("table", name=name)).to_be_visible()
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")  # it does scroll
    region.focus()
    page.keyboard.press("ArrowRight")
    # The keyboard scrolls it (smoothly: wait for it to move).
    page.wait_for_function("box => box.scrollLeft > 0", arg=region.element_handle())
    right = heading.evaluate("h => h.getBoundingClientRect().right")
    assert right <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    violations = axe_violations(page)
    assert not violations, describe(violations)
