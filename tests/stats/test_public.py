"""Public national figures: small cells suppressed, with complementary
suppression so that no total gives a hidden cell away; page, JSON and CSV agree."""

import csv
import io
import json
import random

import pytest
from django.urls import reverse

from stats import public, queries
from stats.filters import Filters, Period
from stats.public import suppress


def relations_hold(cells, relations, hidden):
    """No (parts, total) relation has exactly one hidden member."""
    return all(sum(1 for k in [*parts, total] if k in hidden) != 1 for parts, total in relations)


def test_cells_under_five_are_hidden_and_zeros_shown():
    cells = {"a": 0, "b": 4, "c": 5, "d": 1}
    assert suppress(cells, []) == {"b", "d"}


def test_a_row_with_one_hidden_cell_hides_the_next_smallest():
    # 25 − 10 − 12 would reveal a = 3: b (the next smallest) is hidden too.
    cells = {"a": 3, "b": 10, "c": 12, "total": 25}
    hidden = suppress(cells, [(["a", "b", "c"], "total")])
    assert hidden == {"a", "b"}


def test_a_zero_is_never_the_complementary_cell():
    # Hiding the zero would still leave a = total − c.
    cells = {"a": 3, "b": 0, "c": 20, "total": 23}
    assert suppress(cells, [(["a", "b", "c"], "total")]) == {"a", "c"}


def test_a_complementary_cell_can_need_one_in_its_column():
    # Two areas × two sectors with row and column totals.
    #            culture  sports  total
    # area 1         3      40     43
    # area 2        50      60    110
    # national      53     100    153
    cells = {
        (1, "c"): 3, (1, "s"): 40, (1, "t"): 43,
        (2, "c"): 50, (2, "s"): 60, (2, "t"): 110,
        ("n", "c"): 53, ("n", "s"): 100, ("n", "t"): 153,
    }  # fmt: skip
    relations = [
        ([(1, "c"), (1, "s")], (1, "t")),
        ([(2, "c"), (2, "s")], (2, "t")),
        ([("n", "c"), ("n", "s")], ("n", "t")),
        ([(1, "c"), (2, "c")], ("n", "c")),
        ([(1, "s"), (2, "s")], ("n", "s")),
        ([(1, "t"), (2, "t")], ("n", "t")),
    ]
    hidden = suppress(cells, relations)
    assert (1, "c") in hidden  # primary
    assert (1, "s") in hidden  # its row: 43 − 40 would give 3
    assert (2, "c") in hidden  # its column: 53 − 50 would give 3
    assert (2, "s") in hidden  # and then row 2 and column "s" need a second one
    assert relations_hold(cells, relations, hidden)
    # The totals stay visible: every sum still has two unknowns.
    assert not {(1, "t"), (2, "t"), ("n", "c"), ("n", "s"), ("n", "t")} & hidden


def test_random_tables_never_leave_one_hidden_cell_in_a_sum():
    rng = random.Random(2025)
    for _ in range(200):
        rows, cols = rng.randint(1, 6), rng.randint(1, 5)
        cells = {}
        for r in range(rows):
            for c in range(cols):
                cells[(r, c)] = rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 40, 300])
        for r in range(rows):
            cells[(r, "t")] = sum(cells[(r, c)] for c in range(cols))
        for c in [*range(cols), "t"]:
            cells[("n", c)] = sum(cells[(r, c)] for r in range(rows))
        relations = [([(r, c) for c in range(cols)], (r, "t")) for r in [*range(rows), "n"]]
        relations += [([(r, c) for r in range(rows)], ("n", c)) for c in [*range(cols), "t"]]
        hidden = suppress(cells, relations)
        assert all(not 0 < v < 5 or k in hidden for k, v in cells.items())
        assert relations_hold(cells, relations, hidden)


def _all_relations(figures):
    """The sums a reader can form from the published area table."""
    rows = [*figures.areas, figures.national]
    relations = []
    for i, _row in enumerate(rows):
        for group in ("holders", "children"):
            relations.append(([(i, f"{group}_{s}") for s in public.SECTORS], (i, f"{group}_total")))
    for key, _label in figures.columns:
        if key != "municipalities":
            relations.append(([(i, key) for i in range(len(rows) - 1)], (len(rows) - 1, key)))
    hidden = {(i, k) for i, row in enumerate(rows) for k, v in row.values.items() if v is None}
    return relations, hidden


def test_public_figures_of_the_data_set(usage, source):
    figures = public.public_figures(2025)
    assert figures.year == 2025
    assert 2025 in figures.years and 2024 in figures.years
    rows = {row.label: row.values for row in figures.areas}
    a, b, n = rows["Area A"], rows["Area B"], figures.national.values
    # 2025 (conftest): Area A's holders 4 culture, 1 education, 1 science, 3 sports,
    # 1 plain admission (total 10); Area B's 2 culture. Every sector cell is 1–4.
    assert all(a[f"holders_{s}"] is None for s in public.SECTORS)
    assert b["holders_culture"] is None and b["holders_sports"] == 0  # zeros are shown
    # Area B's total 2 is hidden; then 12 − 10 would give it away: Area A's 10 goes too.
    assert b["holders_total"] is None and a["holders_total"] is None
    assert n["holders_total"] == 12  # two unknowns under it
    # Children: culture 8 + 1 = 9, sports 1. Sports (1) is hidden; 10 − 9 would
    # give it away, so the national culture cell (9) is hidden too.
    assert n["children_sports"] is None and n["children_culture"] is None
    assert n["children_total"] == 10
    assert n["holders_culture"] == 6  # the row already has four hidden cells
    # Cards: Area A registered 4, B 1 (both hidden); used: A 5, B 1 → A's 5 hidden too.
    assert a["cards_registered"] is None and b["cards_registered"] is None
    assert a["cards_used"] is None and b["cards_used"] is None
    assert n["cards_used"] == 6 and n["cards_registered"] == 5
    assert a["municipalities"] == 1 and n["municipalities"] == 2  # never hidden
    national = queries.national_report(Filters(Period.year(2025)))
    assert n["holders_total"] == national.figure("uses")
    assert n["children_total"] == national.figure("children")
    assert n["cards_used"] == national.figure("used_once")
    relations, hidden = _all_relations(figures)
    assert relations_hold({}, relations, hidden)
    for row in [*figures.areas, figures.national, *figures.yearly]:
        assert not any(v is not None and 0 < v < 5 for k, v in row.values.items()
                       if k != "municipalities")  # fmt: skip
    # The yearly table shows the same national cells as the year's area table.
    year_row = next(row for row in figures.yearly if row.year == 2025)
    assert year_row.values == figures.national.values


def test_the_page_the_json_and_the_csv_agree(client, usage):
    client.cookies["django_language"] = "en"
    data = json.loads(client.get(reverse("stats:public_json") + "?year=2025").content)
    assert data["year"] == 2025
    assert data["suppression"]["threshold"] == 5
    areas = {row["area"]: row for row in data["areas"]}
    assert areas["Area A"]["holders_total"] is None
    assert areas["Area A"]["municipalities"] == 1
    assert data["national"]["holders_total"] == 12

    text = client.get(reverse("stats:public_csv") + "?year=2025").content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = lines[lines.index(["Areas in 2025"]) + 1]
    keys = ["area"] + [c["key"] for c in data["columns"]]
    assert len(header) == len(keys)
    by_area = {}
    for line in lines[lines.index(["Areas in 2025"]) + 2 :]:
        if not line:
            break
        by_area[line[0]] = dict(zip(keys, line, strict=True))
    for name, row in areas.items():
        for key, _label in [(c["key"], c["label"]) for c in data["columns"]]:
            expected = ".." if row[key] is None else str(row[key])
            assert by_area[name][key] == expected, (name, key)

    page = client.get(reverse("stats:public") + "?year=2025")
    assert page.status_code == 200
    html = page.content.decode()
    assert "style=" not in html
    assert "Small figures are not shown" in html
    assert html.count("<abbr") == sum(
        1 for row in [*data["areas"], data["national"], *data["yearly"]]
        for v in row.values() if v is None
    )  # fmt: skip


@pytest.mark.parametrize("year", ["", "1999", "abc"])
def test_an_unknown_year_shows_the_latest(client, usage, year):
    data = json.loads(client.get(reverse("stats:public_json") + f"?year={year}").content)
    assert data["year"] == data["years"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "cashier", "coordinator"])
def test_every_page_footer_and_the_login_page_link_the_public_figures(client_for, persona):
    public_url = reverse("stats:public")
    page = reverse("login") if persona == "anonymous" else reverse("no_access")
    content = client_for(persona).get(page).content.decode()
    footer = content[content.index('<footer class="site-footer') :]
    assert f'href="{public_url}"' in footer
    if persona == "anonymous":
        main = content[content.index("<main") : content.index("</main>")]
        assert f'href="{public_url}"' in main
