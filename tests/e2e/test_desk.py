"""The cashier's desk in a real browser (Playwright driving Debian's Chromium):
the keyboard alone records and undoes a use, axe-core finds no WCAG 2.1 AA
violation in the page's states, and the page works with JavaScript off."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.session import log_in
from tests.factories import CardFactory, MembershipFactory, OfferingFactory
from usage.models import Redemption
from usage.services import record_redemption
from venues.models import Membership, Offering

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def open_desk(context: BrowserContext, live_server, user) -> Page:
    """A page at the desk, logged in as `user`; CSP violations are collected
    in `page.csp_errors`."""
    page = context.new_page()
    log_in(page, live_server.url, user)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.csp_errors = errors  # type: ignore[attr-defined]
    page.goto(f"{live_server.url}/desk/")
    # A scan typed before the browser has applied autofocus would lose its first
    # keys (without script nothing catches them): wait as a cashier would.
    expect(page.locator("#desk-card")).to_be_focused()
    return page


@pytest.fixture
def desk_for(new_context, live_server):
    """desk_for(user, **context options) → a page at the desk, in English."""

    def open_for(user, **options) -> Page:
        return open_desk(new_context(locale="en-US", **options), live_server, user)

    return open_for


@pytest.fixture
def show(transactional_db, net):
    # Late enough not to have started whenever the tests run: a show that has
    # started is not preselected over a course (card_check.next_offering).
    return OfferingFactory(
        site=net.venue_a, title="Evening concert", cap=5, start_time=datetime.time(23, 59)
    )


@pytest.fixture
def card(transactional_db, net):
    return CardFactory(issued_by=net.dist_a, children=2)


def scan(page: Page, card_id: str) -> None:
    """What a USB barcode scanner does: types the ID fast and presses Enter."""
    page.keyboard.type(card_id, delay=5)
    page.keyboard.press("Enter")


def tab_to(page: Page, element_id: str, limit: int = 30) -> None:
    """Press Tab until the element has the focus (as a keyboard user would)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def active_uses() -> int:
    return Redemption.objects.filter(voided_at__isnull=True).count()


def test_a_cashier_records_and_undoes_a_use_with_the_keyboard_alone(net, show, card, desk_for):
    page = desk_for(net.cashier)
    card_field = page.locator("#desk-card")
    expect(card_field).to_be_focused()
    expect(page.locator("#desk-record")).to_contain_text("0 / 5 used · 5 places left")
    page.evaluate("window.sameDocument = true")  # gone if the page reloads

    scan(page, card.card_id.lower())

    expect(page.locator("#desk-status")).to_contain_text(f"Card {card.card_id} can be used")
    expect(page.locator(f"#desk-offering-{show.pk}")).to_be_checked()  # the show starting next
    expect(page.locator("#desk-record-button")).to_be_focused()
    page.keyboard.press("Shift+Tab")  # back to the children
    expect(page.locator("#desk-children")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.locator("#desk-children")).to_have_value("1")
    page.keyboard.press("Tab")
    expect(page.locator("#desk-record-button")).to_be_focused()
    page.keyboard.press("Enter")

    status = page.locator("#desk-status")
    expect(status).to_contain_text("Recorded")
    expect(status).to_contain_text(f"Card {card.card_id} · Evening concert")
    expect(status).to_contain_text("2 tickets: holder + 1 child")
    expect(page.locator("#desk-record")).to_contain_text("2 / 5 used · 3 places left")
    expect(card_field).to_be_focused()  # ready for the next customer
    expect(card_field).to_have_value("")
    assert active_uses() == 1
    use = Redemption.objects.get()
    assert (use.offering, use.children, use.recorded_by) == (show, 1, net.cashier)

    tab_to(page, "desk-undo")
    page.keyboard.press("Enter")

    expect(status).to_contain_text("Undone")
    expect(page.locator("#desk-record")).to_contain_text("0 / 5 used · 5 places left")
    expect(card_field).to_be_focused()
    assert active_uses() == 0
    assert page.evaluate("window.sameDocument") is True  # all in place, no page load
    assert page.csp_errors == []


def test_a_refusal_is_announced_and_the_focus_returns_to_the_card_field(
    net, show, desk_for, transactional_db
):
    expired = CardFactory(
        issued_by=net.dist_a, issued_on=timezone.localdate() - datetime.timedelta(days=400)
    )
    page = desk_for(net.cashier)

    scan(page, expired.card_id)

    alert = page.locator("#desk-alert")
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("This card cannot be used")
    expect(alert).to_contain_text("The card was not valid on the date of use.")
    expect(page.locator("#desk-card")).to_be_focused()
    expect(page.locator("#desk-record-form")).to_have_count(0)


def test_a_new_scan_while_record_has_the_focus_checks_the_new_card_and_records_nothing(
    net, show, card, desk_for
):
    other = CardFactory(issued_by=net.dist_a)
    page = desk_for(net.cashier)
    scan(page, card.card_id)
    expect(page.locator("#desk-record-button")).to_be_focused()

    scan(page, other.card_id)  # the customer left; the next one's card is scanned

    expect(page.locator("#desk-status")).to_contain_text(f"Card {other.card_id} can be used")
    expect(page.locator("#desk-card")).to_have_value(other.card_id)
    assert active_uses() == 0


def test_choosing_a_course_allows_no_childrens_tickets(net, show, card, desk_for):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title="Watercolours",
        start_time=None,
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    page = desk_for(net.cashier)
    scan(page, card.card_id)
    children = page.locator("#desk-children")
    expect(page.locator("#desk-record-button")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("ArrowUp")
    expect(children).to_have_value("1")
    page.keyboard.press("Shift+Tab")  # to the offerings: the show is checked
    expect(page.locator(f"#desk-offering-{show.pk}")).to_be_focused()

    page.keyboard.press("ArrowDown")  # courses come after shows

    expect(page.locator(f"#desk-offering-{course.pk}")).to_be_checked()
    expect(children).to_have_value("0")
    expect(children).to_have_attribute("max", "0")


def _axe(page: Page, state: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{state}:\n{describe(violations)}"


@pytest.mark.parametrize("text_size", ["normal", "larger"])
def test_axe_finds_no_wcag_21_aa_violation_in_the_desks_states(
    net, show, card, desk_for, live_server, text_size
):
    excluded = OfferingFactory(
        site=net.venue_a, title="Gala", excluded=True, exclusion_reason="Premiere for sponsors"
    )
    assert excluded.excluded
    page = desk_for(net.cashier)
    page.context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    page.reload()
    _axe(page, "empty")

    scan(page, card.card_id)
    expect(page.locator("#desk-status")).to_contain_text("can be used")
    _axe(page, "card shown")

    # Meanwhile, at the next desk, a colleague records the same card for the show.
    other = page.context.new_page()
    other.goto(f"{live_server.url}/desk/")
    scan(other, card.card_id)
    expect(other.locator("#desk-record-button")).to_be_focused()
    other.keyboard.press("Enter")
    expect(other.locator("#desk-status")).to_contain_text("Recorded")
    _axe(other, "confirmation")

    page.bring_to_front()
    page.locator("#desk-record-button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#desk-alert")).to_contain_text("already been used for this show")
    expect(page.locator("#desk-card-state")).to_have_count(0)  # no green box beside it
    # ...and says, offering by offering, why nothing is left to record for the card.
    expect(page.locator("#desk-status")).to_contain_text("cannot be used for any")
    _axe(page, "refusal of a record, nothing left to record")
    assert "/desk/record/" not in page.url  # a reload shows the desk, not a 405

    scan(page, "NOSUCHCARD")
    expect(page.locator("#desk-alert")).to_contain_text("No card with this ID is registered")
    _axe(page, "refusal")


# --- What a checked card can be used for ----------------------------------------------


def _use(card, offering):
    return record_redemption(
        card_id=card.card_id, site=offering.site, offering=offering, channel="desk"
    ).redemption


@pytest.fixture
def three_shows(transactional_db, net, card):
    """A show the card has used, a full one, and one it can use (the latest)."""
    used = OfferingFactory(site=net.venue_a, title="Used show", start_time=datetime.time(0, 1))
    full = OfferingFactory(
        site=net.venue_a, title="Full show", cap=1, start_time=datetime.time(0, 2)
    )
    usable = OfferingFactory(site=net.venue_a, title="Open show", start_time=datetime.time(0, 3))
    _use(card, used)
    _use(CardFactory(issued_by=net.dist_a), full)
    return used, full, usable


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_a_used_or_full_offering_is_disabled_and_the_usable_one_is_chosen(
    net, card, three_shows, desk_for, script
):
    used, full, usable = three_shows
    page = desk_for(net.cashier, java_script_enabled=script)

    scan(page, card.card_id)

    expect(page.locator("#desk-status")).to_contain_text(f"Card {card.card_id} can be used")
    expect(page.locator(f"#desk-offering-{used.pk}")).to_be_disabled()
    expect(page.locator(f"#desk-offering-{full.pk}")).to_be_disabled()
    expect(page.locator(f"#desk-offering-{usable.pk}")).to_be_checked()
    record_part = page.locator("#desk-record")
    expect(record_part).to_contain_text("Already used by this card: recorded at")
    expect(record_part).to_contain_text("1 / 1 used · full")
    expect(page.locator("#desk-chosen-title")).to_contain_text("Open show")
    expect(page.locator("#desk-record-button")).to_be_focused()


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_with_nothing_usable_there_is_no_green_box_and_the_card_field_keeps_the_focus(
    net, card, three_shows, desk_for, script
):
    _used, _full, usable = three_shows
    _use(card, usable)
    page = desk_for(net.cashier, java_script_enabled=script)

    scan(page, card.card_id)

    status = page.locator("#desk-status")
    expect(status).to_contain_text(f"Card {card.card_id} cannot be used for any")
    expect(status).to_contain_text("Full show")
    expect(status).to_contain_text("full, 1 / 1 used")
    expect(page.locator("#desk-card-state")).to_have_count(0)
    expect(page.locator("#desk-record-form")).to_have_count(0)
    expect(page.locator("#desk-card")).to_be_focused()


def test_choosing_another_offering_updates_the_chosen_offering_and_the_childrens_field(
    net, show, card, desk_for
):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title="Watercolours",
        start_time=None,
        end_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    page = desk_for(net.cashier)
    scan(page, card.card_id)
    chosen = page.locator("#desk-chosen-title")
    children = page.locator("#desk-children")
    range_help = page.locator('[data-desk-children-help="any"]')
    course_help = page.locator('[data-desk-children-help="course"]')
    expect(chosen).to_have_text(f"Evening concert {show.start_time:%H:%M}")
    expect(children).to_be_enabled()
    expect(range_help).to_have_text("From 0 to 2.")
    expect(course_help).to_be_hidden()

    page.locator(f"#desk-offering-{show.pk}").focus()
    page.keyboard.press("ArrowDown")

    expect(page.locator(f"#desk-offering-{course.pk}")).to_be_checked()
    expect(chosen).to_have_text("Watercolours")
    expect(children).to_be_disabled()
    expect(course_help).to_have_text("No children's tickets on a course.")
    expect(course_help).to_be_visible()
    expect(range_help).to_be_hidden()

    page.keyboard.press("ArrowUp")
    expect(chosen).to_have_text(f"Evening concert {show.start_time:%H:%M}")
    expect(children).to_be_enabled()


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_the_card_id_never_travels_in_a_url(net, show, card, desk_for, script):
    page = desk_for(net.cashier, java_script_enabled=script)
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))

    scan(page, card.card_id)
    expect(page.locator("#desk-status")).to_contain_text(f"Card {card.card_id} can be used")
    page.keyboard.press("Enter")
    expect(page.locator("#desk-status")).to_contain_text("Recorded")

    assert urls, "no request was seen"
    assert not [url for url in urls if card.card_id in url]
    assert card.card_id not in page.url


def test_the_desk_and_its_offline_page_open_where_the_cashier_last_worked(
    net, show, desk_for, live_server
):
    MembershipFactory(user=net.cashier, role=Membership.Role.CASHIER, site=net.venue_a2)
    page = desk_for(net.cashier)
    page.locator("#desk-site").select_option(str(net.venue_a2.pk))
    page.locator("#desk-context button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("Venue A2")

    elsewhere = desk_for(net.cashier)  # another browser: another session

    expect(elsewhere.locator("h1")).to_contain_text("Venue A2")
    elsewhere.goto(f"{live_server.url}/desk/offline/")
    expect(elsewhere.locator("#offline-site")).to_have_value(str(net.venue_a2.pk))


# --- Small screens -----------------------------------------------------------------------

SCROLLS_SIDEWAYS = "() => document.documentElement.scrollWidth > window.innerWidth"
# What sticks out of the screen, for the assertion's message.
STICKING_OUT = """() => [...document.querySelectorAll("body *")]
    .filter((e) => { const r = e.getBoundingClientRect();
                     return r.width && (r.right > innerWidth + 0.5 || r.left < -0.5); })
    .filter((e) => !e.closest(".table-responsive"))
    .map((e) => e.tagName + "." + e.className).slice(0, 8)"""


@pytest.mark.parametrize("width", [375, 320])
@pytest.mark.parametrize("text_size", ["normal", "larger"])
def test_no_desk_state_scrolls_sideways_on_a_small_screen(
    net, card, three_shows, desk_for, live_server, width, text_size
):
    long_title = OfferingFactory(
        site=net.venue_a,
        title="A very long title of a show: Kesäyön unelma, the whole play in one evening",
        cap=120,
        start_time=datetime.time(23, 58),
    )
    for _ in range(2):  # the cashier's own records today, with their undo buttons
        record_redemption(
            card_id=CardFactory(issued_by=net.dist_a).card_id,
            site=net.venue_a,
            offering=three_shows[2],
            channel="desk",
            recorded_by=net.cashier,
        )
    used_up = CardFactory(issued_by=net.dist_a)
    for offering in (*three_shows, long_title):
        if offering.cap != 1:
            _use(used_up, offering)
    page = desk_for(net.cashier, viewport={"width": width, "height": 800})
    page.context.add_cookies([{"name": "text_size", "value": text_size, "url": live_server.url}])
    page.reload()

    def no_sideways_scroll(state: str) -> None:
        assert not page.evaluate(SCROLLS_SIDEWAYS), (
            f"{state} scrolls sideways at {width} px: {page.evaluate(STICKING_OUT)}"
        )

    no_sideways_scroll("the empty desk")
    scan(page, card.card_id)
    expect(page.locator("#desk-status")).to_contain_text("can be used")
    no_sideways_scroll("a card shown")
    page.keyboard.press("Enter")
    expect(page.locator("#desk-status")).to_contain_text("Recorded")
    no_sideways_scroll("the confirmation")
    scan(page, used_up.card_id)
    expect(page.locator("#desk-status")).to_contain_text("cannot be used for any")
    no_sideways_scroll("nothing left to record")
    scan(page, "NOSUCHCARD")
    expect(page.locator("#desk-alert")).to_contain_text("No card with this ID")
    no_sideways_scroll("a refusal")
    label = page.locator("#text-size-label").bounding_box()
    assert label is not None and label["x"] >= 0, "the text-size label is cut off at the left"


def test_the_desk_works_without_javascript(net, show, card, desk_for):
    page = desk_for(net.cashier, java_script_enabled=False)
    expect(page.locator("#desk-qr")).to_be_hidden()  # no camera without script
    expect(page.locator("#desk-card")).to_be_focused()

    scan(page, card.card_id)  # a plain GET form

    expect(page.locator("#desk-status")).to_contain_text(f"Card {card.card_id} can be used")
    expect(page.locator("#desk-record-button")).to_be_focused()
    page.keyboard.press("Enter")  # a plain POST, then the confirmation

    expect(page.locator("#desk-status")).to_contain_text("Recorded")
    expect(page.locator("#desk-record")).to_contain_text("1 / 5 used · 4 places left")
    assert active_uses() == 1

    tab_to(page, "desk-undo")
    page.keyboard.press("Enter")

    expect(page.locator("#desk-status")).to_contain_text("Undone")
    assert active_uses() == 0


# --- The camera ----------------------------------------------------------------------

# The QR code of the card ID "KK-QR-0001" (made once with segno; '#' is dark).
QR_KK_QR_0001 = [
    "#######.#..#..#######",
    "#.....#.##.##.#.....#",
    "#.###.#..#..#.#.###.#",
    "#.###.#.#.###.#.###.#",
    "#.###.#.##.##.#.###.#",
    "#.....#.#.....#.....#",
    "#######.#.#.#.#######",
    ".........##..........",
    "...#..#..##.#..###.##",
    "####.#....###..#..##.",
    "########......#....#.",
    "####...#.######...#.#",
    ".#.#..#.##.#.#..###..",
    "........#####..##.###",
    "#######....#.##.#....",
    "#.....#....#####.#...",
    "#.###.#..#...##..#..#",
    "#.###.#.##..#.##..###",
    "#.###.#..###....#...#",
    "#.....#...##.#####..#",
    "#######..##.##..###..",
]


def y4m(matrix: list[str] | None, size: int = 240, module: int = 8) -> bytes:
    """One video frame for Chromium's fake camera: the QR code (or nothing)
    black on white, with a quiet zone, as a Y4M file (4:2:0, grey)."""
    luma = bytearray([235]) * (size * size)
    if matrix:
        offset = (size - len(matrix) * module) // 2
        for row, line in enumerate(matrix):
            for col, dark in enumerate(line):
                if dark != "#":
                    continue
                for y in range(offset + row * module, offset + (row + 1) * module):
                    start = y * size + offset + col * module
                    luma[start : start + module] = bytes(module)
    chroma = bytes([128]) * ((size // 2) * (size // 2) * 2)
    header = f"YUV4MPEG2 W{size} H{size} F10:1 Ip A1:1 C420jpeg\n".encode()
    return header + b"FRAME\n" + bytes(luma) + chroma


@pytest.fixture
def camera_desk(playwright, live_server, tmp_path):
    """camera_desk(user, matrix) → a desk page in a Chromium whose camera shows
    `matrix` (a QR code) or, with None, a blank card."""
    browsers = []

    def open_with_camera(user, matrix) -> Page:
        video = tmp_path / f"camera-{len(browsers)}.y4m"
        video.write_bytes(y4m(matrix))
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(browser)
        return open_desk(browser.new_context(locale="en-US"), live_server, user)

    yield open_with_camera
    for browser in browsers:
        browser.close()


def test_a_qr_code_read_with_the_camera_fills_the_card_field_and_checks_it(net, show, camera_desk):
    CardFactory(issued_by=net.dist_a, card_id="KK-QR-0001")
    page = camera_desk(net.cashier, QR_KK_QR_0001)
    expect(page.locator("#desk-qr")).to_be_visible()  # the browser has a camera API

    tab_to(page, "desk-qr")
    page.keyboard.press("Enter")

    expect(page.locator("#desk-status")).to_contain_text(
        "Card KK-QR-0001 can be used", timeout=20_000
    )
    expect(page.locator("#desk-card")).to_have_value("KK-QR-0001")
    expect(page.locator("#desk-qr-dialog")).to_be_hidden()
    assert page.evaluate("document.getElementById('desk-qr-video').srcObject") is None
    expect(page.locator("#desk-record-button")).to_be_focused()
    assert page.csp_errors == []  # jsQR is loaded from our own origin


def test_escape_closes_the_camera(net, show, camera_desk):
    page = camera_desk(net.cashier, None)
    tab_to(page, "desk-qr")
    page.keyboard.press("Enter")
    dialog = page.locator("#desk-qr-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator("#desk-qr-message")).to_contain_text("Hold the QR code", timeout=10_000)
    assert page.evaluate("document.getElementById('desk-qr-video').srcObject !== null")

    page.keyboard.press("Escape")

    expect(dialog).to_be_hidden()
    # The camera stops on the dialog's close event, a moment after it hides.
    page.wait_for_function("document.getElementById('desk-qr-video').srcObject === null")
    expect(page.locator("#desk-qr")).to_be_focused()
