"""What a report is, whatever renders it: figures, tables and their chart,
named sheets. The page, the workbook, the CSV and the PDF all render a
`Report` (stats/queries.py builds them)."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from stats.charts import Chart
from stats.filters import Filters

TOP_OFFERINGS = 20

SHEETS = {
    "by_month": gettext_lazy("By month"),
    "by_sector": gettext_lazy("By sector"),
    "by_channel": gettext_lazy("By channel"),
    "top_offerings": gettext_lazy("Top offerings"),
    "by_age_band": gettext_lazy("By age band"),
    "by_gender": gettext_lazy("By gender"),
    "by_life_situation": gettext_lazy("By life situation"),
    "by_municipality": gettext_lazy("By municipality"),
    "by_site": gettext_lazy("By site"),
    "cards_by_distributor": gettext_lazy("Cards by distributor"),
    "by_area": gettext_lazy("By area"),
}


# ---------------------------------------------------------------------------
# The report object
# ---------------------------------------------------------------------------


@dataclass
class Column:
    key: str
    label: str
    kind: str = "int"  # text | int | date | month


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None
    chart: Chart | None = None
    note: str = ""
    # The pk behind each row where a row is a site or an area (pages link them).
    row_keys: list[Any] = field(default_factory=list)
    row_links: list[str | None] = field(default_factory=list)

    @property
    def sheet(self) -> str:
        """A short name for the table's sheet in a workbook (at most 31 characters)."""
        return str(SHEETS.get(self.key, self.title))

    def column(self, key: str) -> list[Any]:
        index = [c.key for c in self.columns].index(key)
        return [row[index] for row in self.rows]


@dataclass
class Figure:
    key: str
    label: str
    value: int


@dataclass
class Report:
    level: str  # site | area | national
    title: str
    place_name: str
    filters: Filters
    figures: list[Figure] = field(default_factory=list)
    card_figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    from_summary: bool = False
    generated_at: datetime.datetime = field(default_factory=timezone.now)

    def figure(self, key: str) -> int:
        for figure in [*self.figures, *self.card_figures]:
            if figure.key == key:
                return figure.value
        raise KeyError(key)

    def table(self, key: str) -> Table:
        for table in self.tables:
            if table.key == key:
                return table
        raise KeyError(key)

    @property
    def charts(self) -> list[Chart]:
        return [table.chart for table in self.tables if table.chart]
