"""Formatting of report cells for the page and the PDF."""

import datetime
from itertools import zip_longest

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def cell(value, kind: str = "int"):
    """A cell as the reader's language writes it: grouped digits, short dates."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, int) and not isinstance(value, bool):
        return formats.number_format(value, force_grouping=True)
    return value


@register.filter
def linked_rows(table):
    """(row, link or None) pairs of a table."""
    return list(zip_longest(table.rows, table.row_links[: len(table.rows)]))


@register.filter
def numeric(kind: str) -> bool:
    return kind == "int"


@register.filter
def typed(row, table):
    """(value, column kind) pairs of a row."""
    return list(zip(row, [column.kind for column in table.columns], strict=False))
