"""Hand-written SQL on the hot path of recording: usage.services (the locks,
the earlier uses, the use with its audit entry and cells), the API's token,
site and card (usage.brokers, kaikukanta.access), the rate limiter, and what
every signed-in desk request reads (its session, kaikukanta.sessions; its
person, venues.models.UserManager.get; its recording site; the second
factor's question).

The ORM costs about half a millisecond of CPU to build and compile even a
simple query (a broker token by its prefix: 0.56 ms of CPU through a
queryset, 0.07 ms as its SQL; docs/performance.md). The few statements that
every recording sends are therefore written once, from the models' metadata:
`select_list()` writes the columns of several joined models and `instances()`
reads a row of them back into model instances, as the ORM's `select_related`
would, with the ORM's converters applied.

They run on `prepared_cursor()`: on PostgreSQL it binds the values on the
server, so that psycopg prepares a statement once it has run five times on a
connection (`prepare_threshold`, kaikukanta/settings.py) and PostgreSQL no
longer parses and plans it on every request, which was about half of the
database's CPU time for a recording. Django's own cursors bind on the client
(the values inlined in new text each time) and are never prepared.
"""

import datetime
import functools
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model


def prepared_cursor():
    """A cursor for a statement that requests repeat with other values: on
    PostgreSQL one that binds them on the server (and so is prepared once the
    statement repeats); elsewhere the connection's ordinary cursor. Use it as
    `connection.cursor()` is used; write every value as a `%s` parameter and
    keep the text the same from one call to the next, since a statement is
    prepared by its text. The statements are logged and counted as any other
    (`CaptureQueriesContext`, `django_assert_num_queries`), their errors are
    Django's."""
    # One look-up of the connection (each `connection.x` is one: a few µs).
    conn = connections[DEFAULT_DB_ALIAS]
    if conn.vendor != "postgresql":
        return conn.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor

    # What `connection.cursor()` does, with a server-binding psycopg cursor in
    # place of the connection's client-binding one.
    conn.close_if_health_check_failed()
    conn.ensure_connection()
    with conn.wrap_database_errors:
        cursor = ServerBindingCursor(conn.connection)
    conn.validate_thread_sharing()
    if conn.queries_logged:
        return _logged_cursor()(cursor, conn)
    return conn.make_cursor(cursor)


@functools.cache
def _logged_cursor() -> type:
    """Django's debug cursor (DEBUG, `CaptureQueriesContext`, the
    `django.db.backends` log), logging a server-bound statement as Django
    does where every statement is: its text with the values written in
    (`compose_sql`). Django reads the text from the psycopg cursor instead,
    where psycopg leaves None once it runs the statement prepared: from the
    sixth time on, the log read None (and bench/reports.py, which replays what
    it captures, failed). A test holds the log to the text."""
    from django.db.backends.postgresql.base import CursorDebugWrapper
    from psycopg import DataError

    class LoggedCursor(CursorDebugWrapper):
        def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
            if use_last_executed_query and not many:
                try:
                    sql = self.db.ops.compose_sql(sql, params)
                except DataError:  # a value psycopg cannot write: what Django logs then
                    sql = None
                use_last_executed_query = False
            return super().debug_sql(sql, params, use_last_executed_query, many)

    return LoggedCursor


def select_list(*models_and_aliases: tuple[type[Model], str]) -> str:
    """The concrete columns of each (model, table alias), in order: the SELECT
    list that `instances()` reads back."""
    return _select_list(connection.vendor, models_and_aliases)


@functools.cache
def _select_list(vendor: str, models_and_aliases: tuple[tuple[type[Model], str], ...]) -> str:
    quote = connection.ops.quote_name
    return ", ".join(
        f"{alias}.{quote(field.column)}"
        for model, alias in models_and_aliases
        for field in model._meta.concrete_fields
    )


def instances(row: Sequence, *models: type[Model]) -> list[Model]:
    """One instance of each model from a row of `select_list()`'s columns
    (loaded from the database: saving one updates its row), its values
    converted as the ORM converts them (SQLite's datetimes made aware, its
    booleans, JSON)."""
    conn = connections[DEFAULT_DB_ALIAS]
    made = []
    start = 0
    for model in models:
        names, converters = _loading(model, conn.vendor)
        values = list(row[start : start + len(names)])
        for position, column, functions in converters:
            if values[position] is not None:
                for function in functions:
                    values[position] = function(values[position], column, conn)
        made.append(model.from_db(conn.alias, names, values))
        start += len(names)
    return made


@functools.cache
def _loading(model: type[Model], vendor: str) -> tuple[list[str], list[tuple]]:
    """A model's attribute names and, for the columns that have them, the
    ORM's converters (the backend's and the field's), worked out once per
    process. (They are the first connection's bound methods; they read only
    the settings, which every connection of a process shares.)"""
    names, converters = [], []
    for position, field in enumerate(model._meta.concrete_fields):
        names.append(field.attname)
        column = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if functions:
            converters.append((position, column, functions))
    return names, converters


def by_unique(model: type[Model], field_name: str, value) -> Model | None:
    """The row whose unique `field_name` is `value`, or None: what
    `model.objects.filter(**{field_name: value}).first()` answers, as SQL
    written without a queryset."""
    quote = connection.ops.quote_name
    column = model._meta.get_field(field_name).column
    found = fetch_one(
        f"SELECT {select_list((model, 't'))} FROM {quote(model._meta.db_table)} t "
        f"WHERE t.{quote(column)} = %s",
        [value],
        model,
    )
    return None if found is None else found[0]


def fetch_one(sql: str, params: Sequence, *models: type[Model]) -> list[Model] | None:
    """Run a SELECT of `select_list()`'s columns of `models` (in that order)
    on a prepared cursor: the instances of its first row, or None."""
    with prepared_cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else instances(row, *models)


def array_literal(values: Iterable) -> str:
    """The text of a PostgreSQL array of plain values (int, str, date, None),
    to send as a `%s::type[]` parameter. psycopg's list dumper looks up a
    dumper for each list and element and tests each element's text for
    quoting: for the 19 short arrays of a recording's summary cells, 280 µs
    of CPU on a development machine against 65 µs for these strings, and an
    API recording's instructions 8.72 M -> 7.84 M (docs/performance.md).
    This writes them directly: every string quoted (an empty one, or one
    with a comma or a brace, stays one element), its backslashes and double
    quotes escaped, as PostgreSQL reads them."""
    return "{" + ",".join([_array_element(value) for value in values]) + "}"


def _array_element(value) -> str:
    write = _ARRAY_ELEMENT.get(type(value))
    if write is not None:
        return write(value)
    # A model's choice (a str or int enum) as its plain value. A bool or a
    # datetime is not written as an int or a date: no cell holds one.
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    raise TypeError(f"Not an array element of the summary: {value!r}")


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


_ARRAY_ELEMENT = {
    int: str,
    str: _quoted,
    datetime.date: datetime.date.isoformat,
    type(None): lambda _none: "NULL",
}
