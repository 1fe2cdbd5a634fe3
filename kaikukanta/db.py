"""Hand-written SQL on the hot path of recording (usage.services).

The ORM costs about half a millisecond of CPU to build and compile even a
simple query (a broker token by its prefix: 0.56 ms of CPU through a
queryset, 0.07 ms as its SQL; docs/performance.md). The few statements that
every recording sends are therefore written once, from the models' metadata:
`select_list()` writes the columns of several joined models and `instances()`
reads a row of them back into model instances, as the ORM's `select_related`
would, with the ORM's converters applied.
"""

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def select_list(*models_and_aliases: tuple[type[Model], str]) -> str:
    """The concrete columns of each (model, table alias), in order: the SELECT
    list that `instances()` reads back."""
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
    made = []
    start = 0
    for model in models:
        names, converters = _loading(model, connection.vendor)
        values = list(row[start : start + len(names)])
        for position, column, functions in converters:
            if values[position] is not None:
                for function in functions:
                    values[position] = function(values[position], column, connection)
        made.append(model.from_db(connection.alias, names, values))
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
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {select_list((model, 't'))} FROM {quote(model._meta.db_table)} t "
            f"WHERE t.{quote(column)} = %s",
            [value],
        )
        row = cursor.fetchone()
    return None if row is None else instances(row, model)[0]
