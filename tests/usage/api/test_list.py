"""GET /api/v1/redemptions?since=: the token's sites' uses, oldest first, in
pages linked by `next` (a cursor)."""

import datetime

from django.utils import timezone

from tests.factories import CardFactory, OfferingFactory
from tests.usage.api.helpers import problem
from usage import services
from usage.models import Redemption

URL = "/api/v1/redemptions"


def record(net, site, at=None):
    use = services.record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=site,
        offering=OfferingFactory(site=site),
        channel=Redemption.Channel.DESK,
    ).redemption
    if at is not None:
        Redemption.objects.filter(pk=use.pk).update(recorded_at=at)
    return use


def test_it_lists_the_tokens_sites_uses_of_every_channel_oldest_first(net, broker, api):
    now = timezone.now()
    newer = record(net, net.venue_a, now - datetime.timedelta(minutes=1))
    older = record(net, net.venue_a, now - datetime.timedelta(minutes=5))
    record(net, net.venue_b)  # another broker's site

    response = api(broker.secret).get(URL)

    assert response.status_code == 200
    data = response.json()
    assert [r["id"] for r in data["results"]] == [older.pk, newer.pk]
    assert data["results"][0]["channel"] == "desk"
    assert data["next"] is None


def test_since_leaves_out_earlier_uses(net, broker, api):
    now = timezone.now()
    record(net, net.venue_a, now - datetime.timedelta(hours=2))
    recent = record(net, net.venue_a, now - datetime.timedelta(minutes=1))
    since = (now - datetime.timedelta(hours=1)).isoformat()

    data = api(broker.secret).get(URL, {"since": since}).json()

    assert [r["id"] for r in data["results"]] == [recent.pk]


def test_pages_follow_next_without_gaps_or_repeats_even_with_equal_times(net, broker, api):
    moment = timezone.now() - datetime.timedelta(minutes=10)
    uses = [record(net, net.venue_a, moment) for _ in range(3)]
    uses += [record(net, net.venue_a, moment + datetime.timedelta(seconds=1)) for _ in range(2)]
    client = api(broker.secret)

    seen, url, pages = [], f"{URL}?limit=2", 0
    while url:
        data = client.get(url).json()
        seen += [r["id"] for r in data["results"]]
        url = data["next"]
        pages += 1

    assert seen == [u.pk for u in sorted(uses, key=lambda u: (u.recorded_at, u.pk))]
    assert pages == 3


def test_the_next_link_keeps_since(net, broker, api):
    for _ in range(3):
        record(net, net.venue_a)
    data = api(broker.secret).get(URL, {"limit": 1, "since": "2000-01-01T00:00:00Z"}).json()
    assert "since=2000-01-01" in data["next"] and "cursor=" in data["next"]


def test_another_broker_sees_none_of_them(net, broker, other_broker, api):
    record(net, net.venue_a)
    assert api(other_broker.secret).get(URL).json()["results"] == []


def test_bad_parameters_are_invalid(broker, api):
    client = api(broker.secret)
    assert list(problem(client.get(URL, {"since": "yesterday"}), 400, "invalid")["errors"]) == [
        "since"
    ]
    assert list(problem(client.get(URL, {"limit": 0}), 400, "invalid")["errors"]) == ["limit"]
    assert list(problem(client.get(URL, {"limit": 501}), 400, "invalid")["errors"]) == ["limit"]
    assert list(problem(client.get(URL, {"cursor": "nonsense"}), 400, "invalid")["errors"]) == [
        "cursor"
    ]
