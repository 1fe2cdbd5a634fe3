"""Formatting of report cells and tables for the page and the PDF.

A table is rendered in Python (format_html, so every value is escaped): a
national report has thousands of cells, and a template node per cell would
cost more than computing the figures."""

import datetime

from django import template
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


def _cells(values, kinds, link=None) -> SafeString:
    parts = []
    for index, (value, kind) in enumerate(zip(values, kinds, strict=False)):
        if index == 0:
            content = format_html('<a href="{}">{}</a>', link, value) if link else value
            parts.append(format_html('<th scope="row">{}</th>', content))
        elif kind == "int":
            parts.append(format_html('<td class="num">{}</td>', cell(value, kind)))
        else:
            parts.append(format_html("<td>{}</td>", cell(value, kind)))
    return mark_safe("".join(parts))


@register.simple_tag
def stats_table(table, query: str = "", caption: bool = True) -> SafeString:
    """A report table: caption, header, rows, total. The caption names the
    table for screen readers (the section's heading shows the title)."""
    kinds = [column.kind for column in table.columns]
    head = format_html_join(
        "",
        '<th scope="col"{}>{}</th>',
        ((mark_safe(' class="num"') if c.kind == "int" else "", c.label) for c in table.columns),
    )
    suffix = f"?{query}" if query else ""
    links = list(table.row_links) + [None] * (len(table.rows) - len(table.row_links))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (_cells(row, kinds, link + suffix if link else None),)
            for row, link in zip(table.rows, links, strict=False)
        ),
    )
    if not table.rows:
        body = format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.columns), _("No uses in this period.")
        )
    foot = (
        format_html("<tfoot><tr>{}</tr></tfoot>", _cells(table.total, kinds))
        if table.total and table.rows
        else ""
    )
    caption_html = format_html("<caption>{}</caption>", table.title) if caption else ""
    return format_html(
        '<table class="stats-table">{}<thead><tr>{}</tr></thead><tbody>{}</tbody>{}</table>',
        caption_html,
        head,
        body,
        foot,
    )


@register.simple_tag
def annual_table(table, suppressed: str) -> SafeString:
    """A table of the annual report (stats.annual): a hidden figure (None) is
    written as `suppressed`, as on the public pages."""

    def cells(row) -> SafeString:
        parts = []
        for index, (value, numeric) in enumerate(zip(row, table.numeric, strict=False)):
            if index == 0:
                parts.append(format_html('<th scope="row">{}</th>', value))
            elif numeric:
                text = suppressed if value is None else cell(value)
                parts.append(format_html('<td class="num">{}</td>', text))
            elif index == len(row) - 1:
                parts.append(format_html('<td class="num change">{}</td>', value))
            else:
                parts.append(format_html("<td>{}</td>", value))
        return mark_safe("".join(parts))

    head = format_html_join(
        "",
        '<th scope="col"{}>{}</th>',
        (
            (mark_safe(' class="num"') if numeric or index == len(table.columns) - 1 else "", label)
            for index, (label, numeric) in enumerate(zip(table.columns, table.numeric, strict=True))
        ),
    )
    body = format_html_join("", "<tr>{}</tr>", ((cells(row),) for row in table.rows))
    if not table.rows:
        body = format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(table.columns), _("No uses in this period.")
        )
    foot = format_html("<tfoot><tr>{}</tr></tfoot>", cells(table.total)) if table.total else ""
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody>{}</table>", head, body, foot
    )
