"""Two app servers behind one load balancer: two gunicorn instances on their
own ports, sharing one PostgreSQL (the test database) and one Redis
(REDIS_URL), as docs/deployment.md deploys them. Requests are spread over both
at once; what one server knows, the other must know too."""

import datetime
import json
import os
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import CardFactory, MembershipFactory, OfferingFactory, UserFactory
from tests.processes import Browser, Gunicorn
from tests.scenarios import app_env, database_url_of_tests
from tests.usage.api.helpers import make_broker
from usage.models import Redemption
from venues.models import Membership

# A Redis database of these tests' own (flushed before and after): others'
# keys in other databases are never touched.
REDIS_URL = os.environ.get("KAIKUKANTA_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
# Per token; counted per hour, so that a test run never straddles a window.
RATE_LIMIT = 20


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Several app servers share one PostgreSQL; SQLite is one process's file.",
    ),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory, django_db_setup):
    """Two servers, two workers each, on the test database and our Redis DB
    (started once for the module: each test's own data is all they share)."""
    tmp_path = tmp_path_factory.mktemp("servers")
    if not _redis_answers():
        pytest.skip(f"No Redis answers at {REDIS_URL} (.ci/run starts one)")
    import redis

    store = redis.Redis.from_url(REDIS_URL)
    store.flushdb()
    env = app_env(database_url_of_tests(), REDIS_URL=REDIS_URL, API_RATE_LIMIT=f"{RATE_LIMIT}/h")
    with (
        Gunicorn(env, log_path=tmp_path / "a.log") as a,
        Gunicorn(env, log_path=tmp_path / "b.log") as b,
    ):
        yield a, b
    store.flushdb()


def at_once(calls):
    """Run the calls in parallel threads, released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def api_post(server, secret, body, key):
    def call():
        status, _headers, answer = Browser().request(
            f"{server.url}/api/v1/redemptions",
            data=json.dumps(body).encode(),
            headers={
                "Authorization": f"Bearer {secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": key,
            },
        )
        return status, json.loads(answer)

    return call


def test_the_cap_holds_exactly_across_two_servers(net, servers):
    a, b = servers
    cap = 5
    broker = make_broker("Two-server Tickets", net.venue_a)
    show = OfferingFactory(site=net.venue_a, cap=cap)
    cards = [CardFactory(issued_by=net.dist_a) for _ in range(16)]

    answers = at_once(
        [
            api_post(
                (a, b)[index % 2],
                broker.secret,
                {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": show.pk},
                f"sale-{index}",
            )
            for index, card in enumerate(cards)
        ]
    )

    outcomes = Counter((status, answer.get("code", "")) for status, answer in answers)
    assert outcomes == Counter({(201, ""): cap, (409, "cap_reached"): 16 - cap}), outcomes
    assert Redemption.objects.filter(offering=show).count() == cap


def test_an_idempotency_key_holds_across_servers(net, servers):
    a, b = servers
    broker = make_broker("Retrying Tickets", net.venue_a)
    show = OfferingFactory(site=net.venue_a, cap=None)
    card = CardFactory(issued_by=net.dist_a)
    body = {"card_id": card.card_id, "site_id": net.venue_a.pk, "offering_id": show.pk}

    # A client retries on whichever server the load balancer picks.
    answers = at_once([api_post((a, b)[i % 2], broker.secret, body, "retry-7") for i in range(8)])

    assert Counter(status for status, _answer in answers) == Counter({201: 1, 200: 7}), answers
    assert {answer["id"] for _status, answer in answers} == {Redemption.objects.get().pk}
    # The same key with another body is refused on either server.
    status, answer = api_post(b, broker.secret, body | {"children": 1}, "retry-7")()
    assert (status, answer["code"]) == (422, "idempotency_mismatch")


def test_a_login_on_one_server_works_on_the_other(net, servers, settings):
    a, b = servers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # as theirs
    cashier = UserFactory(email="kassa@example.fi")
    MembershipFactory(user=cashier, role=Membership.Role.CASHIER, site=net.venue_a)
    browser = Browser()

    browser.log_in(a.url, "kassa@example.fi", "secret-password")
    status, _headers, page = browser.request(f"{b.url}/desk/")

    assert status == 200, status
    assert b"Venue A" in page
    # And out on one is out on both.
    _status, _headers, page = browser.request(f"{a.url}/desk/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
    status, _headers, _page = browser.request(
        f"{a.url}/accounts/logout/", data={"csrfmiddlewaretoken": token}
    )
    assert status == 302, status
    status, headers, _page = browser.request(f"{b.url}/desk/")
    assert status == 302 and "/accounts/login/" in headers["Location"]


def _wait_out_the_hours_edge() -> None:
    """The limit counts per clock hour: never start a burst in its last seconds."""
    import time

    now = datetime.datetime.now()
    left = 3600 - (now.minute * 60 + now.second)
    if left < 20:
        time.sleep(left + 1)


def test_the_api_rate_limit_is_shared_and_exact_across_servers(net, servers):
    a, b = servers
    broker = make_broker("Busy Tickets", net.venue_a)
    sent = RATE_LIMIT + 12
    _wait_out_the_hours_edge()

    def get(server):
        def call():
            status, headers, _body = Browser().request(
                f"{server.url}/api/v1/sites", headers={"Authorization": f"Bearer {broker.secret}"}
            )
            return status, headers.get("Retry-After")

        return call

    answers = at_once([get((a, b)[i % 2]) for i in range(sent)])

    statuses = Counter(status for status, _retry in answers)
    assert statuses == Counter({200: RATE_LIMIT, 429: sent - RATE_LIMIT}), statuses
    assert all(int(retry) > 0 for status, retry in answers if status == 429)
