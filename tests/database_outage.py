"""The database going away, inside a test: every statement fails as it does
while PostgreSQL restarts ("Connection refused") or while SQLite's file cannot
be opened, raised by the database driver itself and wrapped by Django as
django.db.OperationalError, wherever the statement runs (a view, a template,
the session, the cache).

Savepoint statements still pass, so that a test inside a transaction keeps
its transaction and can look at the database afterwards; that is the only
difference from a real outage (tests/kaikukanta/test_database_outage.py has
the real thing: a PostgreSQL cluster restarted under load)."""

import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from unittest import mock

import psycopg
from django.db import OperationalError, connection
from django.db.backends.utils import CursorWrapper

REFUSED = (
    'connection failed: connection to server at "127.0.0.1", port 5432 failed: '
    "Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?"
)
_SAVEPOINTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def driver_error() -> Exception:
    """What the database driver raises when there is no database to talk to."""
    if connection.vendor == "sqlite":
        error = sqlite3.OperationalError("unable to open database file")
        error.sqlite_errorcode = 14  # type: ignore[attr-defined]  # SQLITE_CANTOPEN
        error.sqlite_errorname = "SQLITE_CANTOPEN"  # type: ignore[attr-defined]
        return error
    return psycopg.OperationalError(REFUSED)


def unavailable_error() -> OperationalError:
    """django.db's OperationalError as Django raises it from `driver_error()`."""
    error = OperationalError(*driver_error().args)
    error.__cause__ = driver_error()
    return error


def _failing(original):
    def execute(self, sql, *args, **kwargs):
        if str(sql).lstrip().upper().startswith(_SAVEPOINTS):
            return original(self, sql, *args, **kwargs)
        with self.db.wrap_database_errors:
            raise driver_error()

    return execute


@contextmanager
def database_down() -> Iterator[None]:
    """While inside, no statement reaches the database."""
    originals = {name: getattr(CursorWrapper, name) for name in ("_execute", "_executemany")}
    try:
        for name, original in originals.items():
            setattr(CursorWrapper, name, _failing(original))
        yield
    finally:
        for name, original in originals.items():
            setattr(CursorWrapper, name, original)


@contextmanager
def database_goes_down_at(owner: object, name: str) -> Iterator[None]:
    """The database goes away the moment `owner.name` is called (and stays
    away until the block ends): what was written before stands or not as its
    transaction decides."""
    original = getattr(owner, name)
    with ExitStack() as outage:

        def going_down(*args, **kwargs):
            outage.enter_context(database_down())
            return original(*args, **kwargs)

        with mock.patch.object(owner, name, going_down):
            yield


@contextmanager
def commit_answer_lost_after(owner: object, name: str) -> Iterator[None]:
    """Once `owner.name` has been called, the next commit is done by the
    database but its answer never arrives (the connection breaks right
    after): the caller sees the outage, the data is in. Needs a test with
    real transactions (django_db(transaction=True))."""
    original_call, original_commit = getattr(owner, name), connection._commit
    armed: list[bool] = []

    def call(*args, **kwargs):
        armed.append(True)
        return original_call(*args, **kwargs)

    def commit():
        original_commit()
        if armed:
            armed.clear()
            with connection.wrap_database_errors:
                raise driver_error()

    with mock.patch.object(owner, name, call), mock.patch.object(connection, "_commit", commit):
        yield
