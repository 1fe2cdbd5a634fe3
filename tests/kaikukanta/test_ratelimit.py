"""kaikukanta.ratelimit: a fixed-window counter, one statement (or one Redis
round trip) per check, exact across app servers."""

import shutil
import socket
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from kaikukanta import ratelimit
from kaikukanta.models import RateCounter
from kaikukanta.ratelimit import Decision

NOW = 1_800_000_000.0  # a window boundary for windows of 1, 10 and 60 seconds


@pytest.fixture
def swept(monkeypatch):
    """The process's sweep already done: a check is then the upsert alone."""
    monkeypatch.setattr(ratelimit, "_next_sweep", time.time() + 3600)


def test_a_window_allows_the_limit_then_refuses_until_it_ends(db, swept):
    decisions = [ratelimit.hit("k", limit=3, window=10, now=NOW + 2.5) for _ in range(4)]

    assert decisions[:3] == [
        Decision(allowed=True, remaining=2, retry_after=0),
        Decision(allowed=True, remaining=1, retry_after=0),
        Decision(allowed=True, remaining=0, retry_after=0),
    ]
    assert decisions[3] == Decision(allowed=False, remaining=0, retry_after=8)
    assert ratelimit.hit("k", limit=3, window=10, now=NOW + 10).allowed  # the next window


def test_keys_are_counted_apart(db, swept):
    assert ratelimit.hit("a", limit=1, window=60, now=NOW).allowed
    assert not ratelimit.hit("a", limit=1, window=60, now=NOW).allowed
    assert ratelimit.hit("b", limit=1, window=60, now=NOW).allowed


def test_a_check_is_one_sql_statement(db, swept, django_assert_max_num_queries):
    for _ in range(3):
        with django_assert_max_num_queries(1):
            ratelimit.hit("api:token:kkb_abcdefgh", limit=10, window=1)
    with django_assert_max_num_queries(1):
        ratelimit.peek("api:token:kkb_abcdefgh", limit=10, window=1)


def test_a_check_never_touches_djangos_cache_table(db, swept):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        ratelimit.hit("k", limit=10, window=1)
    [query] = queries.captured_queries
    assert "kaikukanta_ratecounter" in query["sql"]
    assert "ON CONFLICT" in query["sql"] and "RETURNING" in query["sql"]


def test_peek_tells_whether_a_key_went_over_its_limit_without_counting(db, swept):
    assert ratelimit.peek("k", limit=1, window=60, now=NOW).allowed
    assert ratelimit.hit("k", limit=1, window=60, now=NOW).allowed
    assert ratelimit.peek("k", limit=1, window=60, now=NOW).allowed  # at the limit, not over
    assert not ratelimit.hit("k", limit=1, window=60, now=NOW).allowed
    refused = ratelimit.peek("k", limit=1, window=60, now=NOW + 15)
    assert refused == Decision(allowed=False, remaining=0, retry_after=45)


def test_ended_windows_are_swept_at_most_once_every_few_minutes(db, monkeypatch):
    monkeypatch.setattr(ratelimit, "_next_sweep", 0.0)
    ratelimit.hit("old", limit=5, window=60, now=NOW)
    ratelimit.hit("current", limit=5, window=60, now=NOW + 600)
    assert RateCounter.objects.count() == 1  # the sweep ran with that check
    ratelimit.hit("other", limit=5, window=60, now=NOW + 610)
    assert RateCounter.objects.count() == 2  # no sweep again within SWEEP_INTERVAL
    ratelimit.hit("current", limit=5, window=60, now=NOW + 600 + ratelimit.SWEEP_INTERVAL)
    assert set(RateCounter.objects.values_list("bucket", flat=True)) == {"current"}


def test_a_long_key_is_stored_hashed(db, swept):
    key = "api:bad-token:" + "x" * 500
    assert ratelimit.hit(key, limit=1, window=60, now=NOW).allowed
    assert not ratelimit.hit(key, limit=1, window=60, now=NOW).allowed
    assert RateCounter.objects.get().bucket.startswith("sha256:")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_hits_on_postgresql_are_counted_exactly(swept):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent connections need PostgreSQL")
    from django.db import connections

    def one(_n):
        try:
            return ratelimit.hit("burst", limit=25, window=60, now=NOW).allowed
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = list(pool.map(one, range(40)))
    assert allowed.count(True) == 25
    assert RateCounter.objects.get(bucket="burst").hits == 40


# --- Redis ----------------------------------------------------------------------------


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="module")
def redis_server():
    """Redis on 127.0.0.1:6379 where one runs; otherwise one of our own."""
    if _answers(6379):
        yield 6379
        return
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no Redis answers and redis-server is not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(50):
            if _answers(port):
                break
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def on_redis(redis_server, settings):
    # Database 13, and a key of this test's own, so that parallel runs never collide.
    settings.REDIS_URL = f"redis://127.0.0.1:{redis_server}/13"
    return f"test:{uuid.uuid4().hex}"


def test_with_redis_a_window_counts_in_redis_and_not_in_the_database(
    db, on_redis, django_assert_max_num_queries
):
    with django_assert_max_num_queries(0):
        decisions = [ratelimit.hit(on_redis, limit=2, window=60, now=NOW + 20) for _ in range(3)]
        peeked = ratelimit.peek(on_redis, limit=2, window=60, now=NOW + 20)

    assert [d.allowed for d in decisions] == [True, True, False]
    assert decisions[2].retry_after == 40
    assert not peeked.allowed and peeked.retry_after == 40
    client = ratelimit._redis(ratelimit.settings.REDIS_URL)
    key = ratelimit._redis_key(on_redis, int(NOW))
    assert int(client.get(key)) == 3
    assert client.ttl(key) == -1 or client.expiretime(key) == int(NOW) + 61


def test_with_redis_a_check_is_one_round_trip(on_redis, monkeypatch):
    client = ratelimit._redis(ratelimit.settings.REDIS_URL)
    sent = []
    pool = client.connection_pool
    real = pool.get_connection

    def counting(*args, **kwargs):
        sent.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pool, "get_connection", counting)
    ratelimit.hit(on_redis, limit=5, window=1)
    assert len(sent) == 1
