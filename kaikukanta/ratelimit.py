"""Rate limits: a fixed-window counter per key, exact across app servers.

    decision = ratelimit.hit("api:token:kkb_ab12cd34", limit=10, window=1)
    if not decision.allowed:
        ...  # answer 429 with Retry-After: decision.retry_after

Each call costs one round trip and nothing more:

- with `REDIS_URL` set, INCR and EXPIREAT of the window's key in one
  pipeline (one round trip; Redis counts atomically for every server);
- otherwise ONE SQL statement on our own small table (`RateCounter`):
  ``INSERT … ON CONFLICT (bucket, window_start) DO UPDATE SET hits = hits + 1
  RETURNING hits``, atomic on PostgreSQL and SQLite alike.

Why not Django's cache: the database cache spends two transactions, a
COUNT(*) of the whole cache table (its cull), an INSERT and an UPDATE on every
request, and its add-then-incr can miscount two requests that arrive at once.

Rows of ended windows are swept by one DELETE at most once every
`SWEEP_INTERVAL` seconds per process — never as part of a check — so the
table holds only the windows of the last few minutes.

`peek` reads a counter without counting (one SELECT or GET): for a penalty
that other requests must respect, such as too many unknown cards. `hit` can
read such a counter in the same round trip (`also_peek`): the statement's
RETURNING clause reads it, or the Redis pipeline GETs it."""

import hashlib
import math
import threading
import time
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import connection

from kaikukanta import db
from kaikukanta.models import RateCounter

# Keys longer than this are hashed: the table's column and Redis keys stay short.
MAX_KEY_LENGTH = 150
REDIS_PREFIX = "kk:rate:"
SWEEP_INTERVAL = 300  # seconds
_clock = time.time  # tests set the time here


@dataclass(frozen=True)
class Decision:
    """The answer for one request: whether it may pass, how many more may
    pass in this window, and in how many seconds the window ends (0 when the
    request passed)."""

    allowed: bool
    remaining: int
    retry_after: int


@dataclass(frozen=True)
class Peek:
    """A counter to read (not count) along with a hit: `peek`'s arguments."""

    key: str
    limit: int
    window: int


def hit(key: str, *, limit: int, window: int, now: float | None = None) -> Decision:
    """Count one request against `key`: at most `limit` per `window` seconds."""
    return hit_and_peek(key, limit=limit, window=window, now=now)[0]


def hit_and_peek(
    key: str, *, limit: int, window: int, also_peek: Peek | None = None, now: float | None = None
) -> tuple[Decision, Decision | None]:
    """`hit(key, …)`, and `peek` of `also_peek` in the same round trip (None
    without one)."""
    now = _clock() if now is None else now
    start = _window_start(now, window)
    peeked = None
    if also_peek is not None:
        peek_start = _window_start(now, also_peek.window)
        peeked = (_bucket(also_peek.key), peek_start)
    if settings.REDIS_URL:
        count, other = _redis_hit(_bucket(key), start, window, peeked)
    else:
        _sweep_now_and_then(now)
        count, other = _sql_hit(_bucket(key), start, window, peeked)
    decision = _decide(count, limit, start + window - now)
    if also_peek is None:
        return decision, None
    seconds_left = peeked[1] + also_peek.window - now
    return decision, _decide(other, also_peek.limit, seconds_left)


def peek(key: str, *, limit: int, window: int, now: float | None = None) -> Decision:
    """Whether `key` is still within its limit in this window (its hits so far
    are at most `limit`), without counting anything: for a penalty that is
    counted on some answers and respected by every request."""
    now = _clock() if now is None else now
    start = _window_start(now, window)
    if settings.REDIS_URL:
        count = int(_redis(settings.REDIS_URL).get(_redis_key(_bucket(key), start)) or 0)
    else:
        count = (
            RateCounter.objects.filter(bucket=_bucket(key), window_start=start)
            .values_list("hits", flat=True)
            .first()
            or 0
        )
    return _decide(count, limit, start + window - now)


def _decide(count: int, limit: int, seconds_left: float) -> Decision:
    allowed = count <= limit
    return Decision(
        allowed=allowed,
        remaining=max(0, limit - count),
        retry_after=0 if allowed else max(1, math.ceil(seconds_left)),
    )


def _window_start(now: float, window: int) -> int:
    if window < 1:
        raise ValueError("A rate limit's window is at least one second.")
    return int(now // window) * window


def _bucket(key: str) -> str:
    if len(key) <= MAX_KEY_LENGTH:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


# --- Redis ------------------------------------------------------------------------


@cache
def _redis(url: str):
    import redis

    # One client (and connection pool) per process, thread-safe; short timeouts,
    # so that a Redis that does not answer fails a request instead of hanging it.
    return redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


def _redis_key(bucket: str, start: int) -> str:
    return f"{REDIS_PREFIX}{bucket}:{start}"


def _redis_hit(
    bucket: str, start: int, window: int, peeked: tuple[str, int] | None
) -> tuple[int, int]:
    key = _redis_key(bucket, start)
    pipe = _redis(settings.REDIS_URL).pipeline(transaction=True)
    pipe.incr(key)
    pipe.expireat(key, start + window + 1)
    if peeked is not None:
        pipe.get(_redis_key(*peeked))
    count, _expiry_set, *other = pipe.execute()
    return int(count), int(other[0] or 0) if other else 0


# --- SQL ------------------------------------------------------------------------------


def _sql_hit(
    bucket: str, start: int, window: int, peeked: tuple[str, int] | None
) -> tuple[int, int]:
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    # The other counter is read by a subquery of RETURNING (PostgreSQL and SQLite
    # both allow one): still one statement.
    other = "0"
    params: list = [bucket, start, start + window]
    if peeked is not None:
        other = f"(SELECT o.hits FROM {table} AS o WHERE o.bucket = %s AND o.window_start = %s)"
        params += list(peeked)
    with db.prepared_cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, hits, ends) VALUES (%s, %s, 1, %s) "
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET hits = {table}.hits + 1 "
            f"RETURNING hits, {other}",
            params,
        )
        count, other_count = cursor.fetchone()
        return count, other_count or 0


_sweep_lock = threading.Lock()
_next_sweep = 0.0


def _sweep_now_and_then(now: float) -> None:
    """Delete ended windows, at most once every SWEEP_INTERVAL per process."""
    global _next_sweep
    if now < _next_sweep or not _sweep_lock.acquire(blocking=False):
        return
    try:
        _next_sweep = now + SWEEP_INTERVAL
        RateCounter.objects.filter(ends__lt=int(now)).delete()
    finally:
        _sweep_lock.release()


def sweep(now: float | None = None) -> int:
    """Delete the counters of ended windows now; how many were deleted."""
    deleted, _by_model = RateCounter.objects.filter(
        ends__lt=int(_clock() if now is None else now)
    ).delete()
    return deleted
