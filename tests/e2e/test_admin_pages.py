"""The admin in a real browser: its index, the report pages (with figures,
charts and tables) and the network's model pages pass axe at WCAG 2.1 AA, with
no console or Content-Security-Policy error; and a crawl of every admin page
each role reaches, in Finnish, Swedish and English, finds no violation."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.factories import CardFactory, OfferingFactory
from usage import brokers
from usage.models import Broker, Redemption
from usage.services import record_redemption

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def some_uses(net):
    """A few uses last month and this month, so the reports draw their charts."""
    today = timezone.localdate()
    for days_ago in (0, 3, 35):
        day = today - datetime.timedelta(days=days_ago)
        show = OfferingFactory(site=net.venue_a, date=day)
        for children in (0, 1):
            card = CardFactory(
                issued_by=net.dist_a, issued_on=today - datetime.timedelta(days=60), children=1
            )
            record_redemption(
                card_id=card.card_id,
                site=net.venue_a,
                offering=show,
                used_on=day,
                children=children,
                channel=Redemption.Channel.DESK,
                after_the_fact=True,
            )


PAGES = [
    ("venue_contact", lambda n: reverse("admin:index")),
    ("venue_contact", lambda n: reverse("admin:stats_site", args=[n.venue_a.pk])),
    ("coordinator", lambda n: reverse("admin:index")),
    ("coordinator", lambda n: reverse("admin:stats_area", args=[n.area_a.pk])),
    ("coordinator", lambda n: reverse("admin:venues_site_changelist")),
    ("coordinator", lambda n: reverse("admin:venues_site_change", args=[n.venue_a.pk])),
    ("coordinator", lambda n: reverse("admin:venues_membership_add")),
    ("national_admin", lambda n: reverse("admin:stats_national")),
    ("national_admin", lambda n: reverse("admin:usage_broker_add")),
]


@pytest.mark.parametrize(
    ("persona", "url"), PAGES, ids=[f"{p}-{i}" for i, (p, _u) in enumerate(PAGES)]
)
def test_admin_page_passes_axe(page, live_server, net, some_uses, persona, url):
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, getattr(net, persona))
    response = page.goto(live_server.url + url(net))
    assert response is not None and response.status == 200

    problems = watched.problems()  # before axe, which sets inline styles as it measures
    violations = axe_violations(page)

    assert violations == [], describe(violations)
    assert problems == []


# The crawl: every admin page each role reaches from the index, in each language.
# One page per kind (a changelist, a change form, an add form, a report) and
# model, so that the crawl stays short: /admin/venues/site/7/change/ stands for
# every site's change page.
CRAWL_ROLES = ["venue_contact", "coordinator", "national_admin"]
LANGUAGES = ["fi", "sv", "en"]
NOT_A_PAGE = re.compile(
    r"/(delete|history|password)/$|/logout/|^/admin/r/|/export|\.(xlsx|csv|pdf)$"
)


def page_kind(path: str) -> str:
    return re.sub(r"/\d+/", "/<id>/", path)


def admin_links(page) -> list[str]:
    """The admin pages linked from the page's content and sidebar (no filters,
    searches or sort orders: those are the same page)."""
    hrefs = page.eval_on_selector_all(
        "#content a[href], #nav-sidebar a[href]", "links => links.map(a => a.href)"
    )
    paths = []
    for href in hrefs:
        url = urlsplit(href)
        if url.path.startswith("/admin/") and not url.query and not NOT_A_PAGE.search(url.path):
            paths.append(url.path)
    return paths


@pytest.fixture
def broker_with_token(net):
    broker = Broker.objects.create(name="Demolippu Oy", area=net.area_a)
    broker.sites.add(net.venue_a)
    brokers.create_token(broker=broker, label="box office", created_by=net.coordinator)
    return broker


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("persona", CRAWL_ROLES)
def test_every_admin_page_a_role_reaches_passes_axe(
    page, live_server, net, some_uses, broker_with_token, persona, language
):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, getattr(net, persona))
    kinds_seen: set[str] = set()
    to_visit = [reverse("admin:index")]
    visited, failures = [], []
    while to_visit:
        path = to_visit.pop(0)
        # What axe set off on the page before (it sets inline styles as it measures,
        # which the policy blocks) is not this page's problem.
        watched.errors.clear()
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, path
        assert page.locator("html").get_attribute("lang") == language, path
        visited.append(path)
        problems = watched.problems()  # before axe
        violations = axe_violations(page)
        if violations or problems:
            failures.append(f"{path}:\n{describe(violations)}\n" + "\n".join(problems))
        for link in admin_links(page):
            if page_kind(link) not in kinds_seen:
                kinds_seen.add(page_kind(link))
                to_visit.append(link)

    assert failures == [], "\n".join(failures)
    # The crawl reached what the role has (so that an empty crawl cannot pass).
    expected = {
        "venue_contact": {f"/admin/reports/site/{net.venue_a.pk}/"},
        "coordinator": {
            f"/admin/reports/area/{net.area_a.pk}/",
            "/admin/venues/site/",
            "/admin/venues/site/add/",
            "/admin/venues/site/<id>/change/",
            "/admin/venues/area/<id>/change/",
            "/admin/usage/broker/<id>/change/",
            "/admin/venues/user/<id>/change/",
        },
        "national_admin": {
            "/admin/reports/national/",
            "/admin/venues/area/add/",
            "/admin/venues/area/<id>/change/",
            "/admin/usage/broker/<id>/change/",
            "/admin/venues/municipality/<id>/change/",
        },
    }[persona]
    assert expected <= set(visited) | {page_kind(path) for path in visited}
    if persona == "venue_contact":
        # Their reports, and no model page.
        assert all(path.startswith("/admin/reports/") or path == "/admin/" for path in visited)


def test_the_admin_has_the_apps_text_size_language_and_focus_ring(page, live_server, net):
    watched = Visit(page, live_server.url)
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "fi", "url": live_server.url}]
    )
    log_in(page, live_server.url, net.venue_contact)
    page.goto(live_server.url + reverse("admin:stats_site", args=[net.venue_a.pk]))
    normal = float(watched.root_font_size().removesuffix("px"))

    page.get_by_role("button", name="Suurempi").click()
    assert float(watched.root_font_size().removesuffix("px")) > normal
    page.reload()  # the cookie keeps it, drawn by the server this time
    assert float(watched.root_font_size().removesuffix("px")) > normal

    page.locator("div.breadcrumbs a").first.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    ring = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    assert ring[0] == "solid" and ring[1] == "3px" and "255, 212, 0" in ring[2]

    page.locator("#language-select").select_option("sv")
    with page.expect_navigation():
        page.get_by_role("button", name="Vaihda", exact=True).click()
    assert watched.html_lang() == "sv"
    assert page.url.endswith(reverse("admin:stats_site", args=[net.venue_a.pk]))
    assert watched.problems() == []
