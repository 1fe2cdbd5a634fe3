"""The admin in a real browser: its index, the report pages (with figures,
charts and tables) and the network's model pages pass axe at WCAG 2.1 AA, with
no console or Content-Security-Policy error."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.factories import CardFactory, OfferingFactory
from usage.models import Redemption
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
