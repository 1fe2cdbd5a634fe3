"""Reads for the reports from PostgreSQL's streaming replica, when there is one.

The design: the read side says where it reads, the write side never has to.
The report pages, their exports and the public statistics run their queries
inside `replica.reading()` (or through `replica.run(...)`); the router below
sends every read made there to the "replica" database, and everything else —
every write, every access check, every page of the register — to the primary.
A report's query functions themselves (stats/queries.py) know nothing of it,
and a read outside those blocks can never land on a replica that lags.

The replica is used only while it answers and lags at most
REPLICA_MAX_LAG_SECONDS (default 60) behind the primary; otherwise reads fall
back to the primary. Its state is measured with one cheap query and kept for
REPLICA_CHECK_SECONDS in each process (each app server asks for itself: one may
reach the replica while another does not). A replica that fails in the middle
of a report is marked down and the report is computed again on the primary.
"""

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
T = TypeVar("T")

# Where this block's reads go (None: nowhere special, i.e. the primary).
_reading_from: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "kaikukanta_reading_from", default=None
)
# (checked at, usable) of this process's last look at the replica.
_state: tuple[float, bool] | None = None

# Seconds the replica's last replayed transaction is behind, or 0 when it has
# replayed everything it received and is still streaming from the primary.
# (Only the replay timestamp would read as "lagging" while the primary is idle.)
LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
        AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN 0
    ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
END
"""


def configured() -> bool:
    return REPLICA in settings.DATABASES


def lag_seconds() -> float | None:
    """How far the replica is behind the primary (None: it cannot tell)."""
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(LAG_SQL)
        (lag,) = cursor.fetchone()
    return None if lag is None else float(lag)


def usable() -> bool:
    """Whether reads may go to the replica now: configured, answering, and
    close enough behind the primary. Measured at most every
    REPLICA_CHECK_SECONDS in this process."""
    global _state
    if not configured():
        return False
    now = time.monotonic()
    if _state is not None and now - _state[0] < settings.REPLICA_CHECK_SECONDS:
        return _state[1]
    try:
        lag = lag_seconds()
    except (OperationalError, InterfaceError) as error:
        log.warning("The read replica does not answer; reading from the primary: %s", error)
        _close()
        ok = False
    else:
        ok = lag is not None and lag <= settings.REPLICA_MAX_LAG_SECONDS
        if not ok:
            log.warning("The read replica lags %s s; reading from the primary", lag)
    _state = (now, ok)
    return ok


def mark_down() -> None:
    """The replica failed a query: read from the primary until the next check."""
    global _state
    _state = (time.monotonic(), False)
    _close()


def _close() -> None:
    """Drop this thread's connection to the replica (the next one is new)."""
    if REPLICA in settings.DATABASES:
        connections[REPLICA].close()


def forget() -> None:
    """Measure the replica again at the next read (tests, and after a failover)."""
    global _state
    _state = None


def read_alias() -> str:
    """The database a report's reads go to right now."""
    return REPLICA if usable() else DEFAULT_DB_ALIAS


@contextlib.contextmanager
def reading(alias: str | None = None) -> Iterator[str]:
    """Send this block's reads to the replica when it is usable (or to
    `alias`); yields the database chosen, for querysets read after the block
    (a streamed export: `.using(alias)`)."""
    alias = alias or read_alias()
    token = _reading_from.set(alias)
    try:
        yield alias
    finally:
        _reading_from.reset(token)


def run(compute: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """compute(*args, **kwargs) with its reads on the replica when it is
    usable; computed again on the primary when the replica fails meanwhile."""
    with reading() as alias:
        if alias == DEFAULT_DB_ALIAS:
            return compute(*args, **kwargs)
        try:
            return compute(*args, **kwargs)
        except (OperationalError, InterfaceError) as error:
            if not _replica_failed():
                raise
            log.warning(
                "The read replica failed during a report; reading from the primary: %s", error
            )
            mark_down()
    with reading(DEFAULT_DB_ALIAS):
        return compute(*args, **kwargs)


def _replica_failed() -> bool:
    """Whether the replica (and not the primary) is what just failed."""
    try:
        connections[REPLICA].ensure_connection()
        connections[REPLICA].cursor().execute("SELECT 1")
    except (OperationalError, InterfaceError):
        return True
    return False


class ReplicaRouter:
    """Reads inside `reading()` go where it says; everything else, and every
    write, to the primary. Migrations run on the primary only: the replica
    receives them through replication."""

    def db_for_read(self, model, **hints) -> str | None:
        return _reading_from.get()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
