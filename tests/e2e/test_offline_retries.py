"""The offline page never loses a saved use, in a real browser: an answer that
says "not now" (the register busy, a 5xx, a rate limit, no answer at all)
keeps the use waiting and sends it again by itself, after a growing pause
that the page shows; a request the register refuses as a whole is a problem
to report, never taken as sent and never repeated in a silent loop; and a
queue longer than the server's limit goes out in batches, in order."""

import datetime
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Card, Redemption
from usage.offline import views as offline_views

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SYNC = "**/desk/offline/sync/"
HELSINKI = ZoneInfo("Europe/Helsinki")
# The page's pauses between tries with its random spread switched off: they
# double from 5 s and stop growing at 5 min.
PAUSES = [5, 10, 20, 40, 80, 160, 300, 300]
NO_SPREAD = "Math.random = () => 0.5;"
SEED = """([key, entries]) => { localStorage.setItem(key, JSON.stringify(entries)); }"""


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, title="Matinee", cap=None)


def open_offline(page: Page, live_server, net) -> Visit:
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.cashier)
    page.goto(f"{live_server.url}/desk/offline/")
    expect(page.locator("#offline-offering")).to_contain_text("Matinee")
    return watched


def pause_clock(page: Page) -> datetime.datetime:
    """Stop the page's clock at a known moment; it moves only when the test
    moves it. Returns that moment."""
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(minutes=1)
    page.clock.install(time=start - datetime.timedelta(minutes=1))
    page.clock.pause_at(start)
    return start


def clock_text(moment: datetime.datetime) -> str:
    return moment.astimezone(HELSINKI).strftime("%H:%M:%S")


def save(page: Page, card_id: str) -> None:
    page.locator("#offline-card").fill(card_id)
    page.keyboard.press("Enter")


def entries_for(net, show, cards) -> list[dict]:
    """What the page saves for each card, as it stores it."""
    today = timezone.localdate().isoformat()
    return [
        {
            "id": str(uuid.uuid4()),
            "site": net.venue_a.pk,
            "date": today,
            "offering": show.pk,
            "card": card.card_id,
            "children": 0,
            "status": "waiting",
            "message": "",
        }
        for card in cards
    ]


def sync_sizes(page: Page) -> list[int]:
    """How many entries each sync request carries, filled in as they go."""
    sizes: list[int] = []

    def count(request):
        if request.url.endswith("/desk/offline/sync/"):
            sizes.append(len(json.loads(request.post_data)["entries"]))

    page.on("request", count)
    return sizes


def unexpected(watched: Visit, status: int) -> list[str]:
    """The page's problems, but for the browser's own log line of each answer
    with `status` that the test asked for."""
    expected = f"the server responded with a status of {status}"
    return [problem for problem in watched.problems() if expected not in problem]


@pytest.mark.postgres_only
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="A held row lock needs PostgreSQL; SQLite serialises writers and never answers busy.",
)
def test_a_use_that_meets_a_locked_card_waits_and_is_recorded_once_the_lock_is_released(
    page, live_server, net, show, monkeypatch
):
    monkeypatch.setattr(services, "LOCK_TIMEOUT_MS", 300)  # "busy" sooner than in production
    card = CardFactory(issued_by=net.dist_a)
    page.add_init_script(NO_SPREAD)
    start = pause_clock(page)
    watched = open_offline(page, live_server, net)
    page.context.set_offline(True)
    save(page, card.card_id)
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("waiting to be sent")

    with transaction.atomic():  # as in psql: SELECT … FROM usage_card … FOR UPDATE
        Card.objects.select_for_update().get(pk=card.pk)
        page.context.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new Event('online'))")
        next_try = clock_text(start + datetime.timedelta(seconds=5))
        expect(queue).to_contain_text(f"could not take this use just now. Next try at {next_try}.")
        expect(page.locator("#offline-network")).to_contain_text(f"next try at {next_try}")
    expect(queue).not_to_contain_text("refused")
    expect(queue.get_by_role("button", name="Remove from the list")).to_have_count(0)
    assert not Redemption.objects.exists()

    page.clock.fast_forward(5000)  # the lock is gone: the page tries again by itself
    expect(queue).to_contain_text("recorded")
    expect(page.locator("#offline-network")).to_contain_text("Sent")
    use = Redemption.objects.get()
    assert (use.card, use.offering, use.channel) == (card, show, "offline")
    assert watched.problems() == []


def test_while_the_register_fails_the_page_tries_again_with_growing_pauses_up_to_a_cap(
    page, live_server, net, show
):
    card = CardFactory(issued_by=net.dist_a)
    failures = len(PAUSES)
    tries = []

    def failing(route):
        tries.append(route.request)
        if len(tries) <= failures:
            route.fulfill(
                status=503, body="<h1>Service Unavailable</h1>", headers={"Retry-After": "1"}
            )
        else:
            route.fallback()

    page.add_init_script(NO_SPREAD)
    now = pause_clock(page)
    watched = open_offline(page, live_server, net)
    page.route(SYNC, failing)
    save(page, card.card_id)

    network = page.locator("#offline-network")
    for pause in PAUSES:
        now += datetime.timedelta(seconds=pause)
        expect(network).to_contain_text(
            "The register could not take the saved uses just now (error 503). The saved uses "
            f"stay on this device and are sent by themselves; next try at {clock_text(now)}."
        )
        expect(page.locator("#offline-queue")).to_contain_text("waiting to be sent")
        page.clock.fast_forward(pause * 1000)

    expect(page.locator("#offline-queue")).to_contain_text("recorded")
    assert len(tries) == failures + 1  # one try per pause, no more
    assert Redemption.objects.get().card == card
    assert unexpected(watched, 503) == []


@pytest.mark.parametrize(
    ("answer", "says", "wait"),
    [
        ({"status": 429, "headers": {"Retry-After": "120"}}, "(error 429)", 120),
        (None, "The register could not be reached.", 5),
    ],
    ids=["rate-limited", "no-answer"],
)
def test_a_rate_limit_and_a_lost_answer_keep_the_uses_waiting_for_the_next_try(
    page, live_server, net, show, answer, says, wait
):
    card = CardFactory(issued_by=net.dist_a)
    tries = []

    def once(route):
        tries.append(route.request)
        if len(tries) > 1:
            route.fallback()
        elif answer is None:
            route.abort("connectionreset")
        else:
            route.fulfill(body="{}", content_type="application/json", **answer)

    page.add_init_script(NO_SPREAD)
    start = pause_clock(page)
    open_offline(page, live_server, net)
    page.route(SYNC, once)
    save(page, card.card_id)

    next_try = clock_text(start + datetime.timedelta(seconds=wait))
    expect(page.locator("#offline-network")).to_contain_text(says)
    expect(page.locator("#offline-network")).to_contain_text(f"next try at {next_try}")
    page.clock.fast_forward(wait * 1000)
    expect(page.locator("#offline-queue")).to_contain_text("recorded")
    assert Redemption.objects.get().card == card


@pytest.mark.parametrize(
    ("answer", "detail"),
    [
        (
            {
                "status": 400,
                "json": {"error": "The request is not readable.", "code": "unreadable"},
            },
            "The register answered with error 400 at {time}. The request is not readable.",
        ),
        (
            {"status": 404, "body": "<h1>Not found</h1>", "content_type": "text/html"},
            "The register answered with error 404 at {time}.",
        ),
    ],
    ids=["400", "404"],
)
def test_a_request_the_register_refuses_is_a_problem_to_report_never_sent_nor_repeated(
    page, live_server, net, show, answer, detail
):
    card = CardFactory(issued_by=net.dist_a)
    tries = []

    def refusing(route):
        tries.append(route.request)
        route.fulfill(**answer)

    start = pause_clock(page)
    watched = open_offline(page, live_server, net)
    page.route(SYNC, refusing)
    save(page, card.card_id)

    problem = page.locator("#offline-problem")
    expect(problem).to_be_visible()
    expect(problem).to_contain_text("A problem to report")
    expect(problem).to_contain_text("Nothing is lost")
    expect(problem).to_contain_text(detail.format(time=clock_text(start)))
    expect(page.locator("#offline-network")).to_have_text("Some saved uses could not be sent yet.")
    expect(page.locator("#offline-queue")).to_contain_text("waiting to be sent")
    page.clock.resume()  # axe waits on timers of its own
    for width in (1280, 375):  # on a phone each saved use is a block of labelled lines
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("() => document.documentElement.scrollWidth") <= width
        violations = axe_violations(page)
        assert violations == [], describe(violations)

    page.clock.fast_forward("01:00:00")  # an hour later: not one request more
    expect(page.locator("#offline-queue")).to_contain_text("waiting to be sent")
    assert len(tries) == 1
    assert not Redemption.objects.exists()

    page.unroute(SYNC)  # the problem is fixed; the cashier sends again
    page.locator("#offline-send").click()
    expect(page.locator("#offline-queue")).to_contain_text("recorded")
    expect(problem).to_be_hidden()
    assert Redemption.objects.get().card == card
    assert unexpected(watched, answer["status"]) == []


def test_501_saved_uses_go_out_in_batches_within_the_limit_and_each_is_recorded_once(
    page, live_server, net, show
):
    cards = Card.objects.bulk_create(CardFactory.build_batch(501, issued_by=net.dist_a))
    saved = entries_for(net, show, cards)
    watched = open_offline(page, live_server, net)
    sizes = sync_sizes(page)

    page.evaluate(SEED, [f"kaikukanta-offline-{net.cashier.pk}", saved])
    page.locator("#offline-send").click()

    expect(page.locator("#offline-network")).to_contain_text("Sent", timeout=60_000)
    expect(page.locator("#offline-queue tr")).to_have_count(501)
    expect(page.get_by_role("cell", name="recorded", exact=True)).to_have_count(501)
    assert sizes == [500, 1]
    uses = Redemption.objects.filter(channel="offline")
    assert uses.count() == 501
    assert uses.values("card").distinct().count() == 501
    assert set(uses.values_list("idempotency_key", flat=True)) == {
        f"offline:{net.cashier.pk}:{entry['id']}" for entry in saved
    }
    assert watched.problems() == []


def test_a_page_that_knows_a_larger_limit_learns_the_servers_and_sends_in_order(
    page, live_server, net, show, monkeypatch
):
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(5)]
    saved = entries_for(net, show, cards)
    watched = open_offline(page, live_server, net)  # the page was cached with a limit of 500
    monkeypatch.setattr(offline_views, "MAX_ENTRIES_PER_SYNC", 2)
    sizes = sync_sizes(page)

    page.evaluate(SEED, [f"kaikukanta-offline-{net.cashier.pk}", saved])
    page.locator("#offline-send").click()

    expect(page.locator("#offline-network")).to_contain_text("Sent")
    assert sizes == [5, 2, 2, 1]
    recorded = Redemption.objects.order_by("pk").values_list("card__card_id", flat=True)
    assert list(recorded) == [card.card_id for card in cards]
    assert unexpected(watched, 400) == []  # the one request over the limit
