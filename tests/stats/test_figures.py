"""Report figures against values computed by hand from the data set in
conftest.py, once from the summary and once from the raw uses."""

import datetime

from stats import queries
from stats.filters import Filters, Period

YEAR = Period.year(2025)


def rows(table):
    """{first cell: the rest} of a table's rows."""
    return {row[0]: row[1:] for row in table.rows}


def test_site_year_figures_exclude_voids_and_count_children(net, source):
    report = queries.site_report(net.venue_a, Filters(YEAR), card_figures=False)
    assert report.figure("uses") == 8  # 1,2,3,4,5,7,8,12 (6 voided, 14 in 2024)
    assert report.figure("children") == 9  # 2+1+1+5
    assert report.figure("tickets") == 17
    assert report.figure("cards") == 6  # C1, C2, C3, C4, CC, C5
    assert report.figure("other") == 1  # C3 from area B
    assert report.from_summary is (source == "summary")


def test_site_year_by_month(net, source):
    table = queries.site_report(net.venue_a, Filters(YEAR), card_figures=False).table("by_month")
    assert len(table.rows) == 12
    by_month = [row[1:] for row in table.rows]
    assert by_month[0] == [0, 0, 0, 0]  # January
    assert by_month[1] == [1, 0, 1, 0]  # February: C5
    assert by_month[2] == [5, 8, 13, 1]  # March: uses 1, 2, 3, 4, 8
    assert by_month[4] == [2, 1, 3, 0]  # May: 5 and 7 (6 voided)
    assert table.total[1:] == [8, 9, 17, 1]


def test_site_year_by_sector_channel_and_offering(net, usage, source):
    report = queries.site_report(net.venue_a, Filters(YEAR), card_figures=False)
    sectors = rows(report.table("by_sector"))
    assert sectors["culture"] == [4, 8, 12]
    assert sectors["education"] == [1, 0, 1]
    assert sectors["sports"] == [3, 1, 4]
    assert sectors["science"] == [0, 0, 0]
    assert "no offering (plain admission)" not in sectors
    channels = rows(report.table("by_channel"))
    assert channels["at the desk"] == [5, 7, 12]
    assert channels["ticket broker API"] == [1, 1, 2]
    assert channels["Excel import"] == [1, 0, 1]
    assert channels["paper form"] == [1, 1, 2]
    assert channels["offline sync"] == [0, 0, 0]
    top = report.table("top_offerings").rows
    assert [row[0] for row in top] == ["Kesäyön unelma", "Uinti", usage.offerings.o2.title]
    assert top[0][2] == datetime.date(2025, 3, 10)
    assert top[0][-3:] == [4, 8, 12]


def test_holder_figures_only_for_those_who_see_card_figures(net, source):
    venue = queries.site_report(net.venue_a, Filters(YEAR), card_figures=False)
    assert not any(t.key.startswith("by_age") for t in venue.tables)
    report = queries.site_report(net.venue_a, Filters(YEAR), card_figures=True)
    ages = rows(report.table("by_age_band"))
    assert ages["16–17"] == [2, 3, 5]  # C1 turns 16 in 2025
    assert ages["18–29"] == [1, 0, 1]
    assert ages["30–44"] == [2, 0, 2]
    assert ages["45–64"] == [0, 0, 0]
    assert ages["65 or over"] == [2, 1, 3]  # C3 (75) and C5 (65)
    assert ages["community card"] == [1, 5, 6]
    genders = rows(report.table("by_gender"))
    assert genders["woman"] == [2, 3, 5]
    assert genders["man"] == [2, 0, 2]
    assert genders["other"] == [1, 0, 1]
    assert genders["does not want to tell"] == [1, 0, 1]
    assert genders["not recorded"] == [2, 6, 8]
    lives = rows(report.table("by_life_situation"))
    assert lives["retired"] == [2, 1, 3]
    assert lives["student"] == [2, 3, 5]
    assert lives["not recorded"] == [1, 5, 6]


def test_area_report(net, source):
    report = queries.area_report(net.area_a, Filters(YEAR))
    assert report.figure("uses") == 10
    assert report.figure("children") == 9
    assert report.figure("cards") == 6  # C1 at two sites counts once
    assert report.figure("other") == 1
    assert report.figure("registered") == 4  # C1, C2, C4, CC (C5 in 2024)
    assert report.figure("renewed") == 1  # C5
    assert report.figure("used_once") == 5  # area A's cards used anywhere
    sites = rows(report.table("by_site"))
    assert sites["Venue A"] == ["Town A", 8, 9, 17, 1, 6]
    assert sites["Venue A2"] == ["Town A", 2, 0, 2, 0, 2]
    assert "Venue B" not in sites
    sectors = rows(report.table("by_sector"))
    assert sectors["science"] == [1, 0, 1]
    assert sectors["no offering (plain admission)"] == [1, 0, 1]
    distributors = rows(report.table("cards_by_distributor"))
    assert distributors["Distributor A"] == ["Town A", 4, 1, 5]
    assert rows(report.table("by_municipality"))["Town A"] == [10, 9, 19]


def test_national_report_sets_areas_side_by_side(net, source):
    report = queries.national_report(Filters(YEAR))
    assert report.figure("uses") == 12
    assert report.figure("children") == 10
    assert report.figure("cards") == 6
    assert report.figure("other") == 2  # C3 at Venue A, C2 at Venue B
    assert report.figure("registered") == 5
    assert report.figure("used_once") == 6
    areas = rows(report.table("by_area"))
    # uses, children, tickets, other, distinct, registered, renewed, used once, municipalities
    assert areas["Area A"] == [10, 9, 19, 1, 6, 4, 1, 5, 1]
    assert areas["Area B"] == [2, 1, 3, 1, 2, 1, 0, 1, 1]


def test_filters_change_the_figures(net, source):
    va = net.venue_a

    def uses(**kwargs):
        filters = Filters(kwargs.pop("period", YEAR), **kwargs)
        return queries.site_report(va, filters, card_figures=True).figure("uses")

    assert uses(period=Period.month(2025, 3)) == 5
    assert uses(period=Period.quarter(2025, 2)) == 2  # May
    assert uses(period=Period.year(2024)) == 1
    assert uses(period=Period("custom", datetime.date(2024, 12, 1), datetime.date(2025, 2, 1))) == 2
    assert uses(sector="culture") == 4
    assert uses(kind="admission") == 3
    assert uses(channel="desk") == 5
    area = queries.area_report(net.area_a, Filters(YEAR, site=net.venue_a2))
    assert area.figure("uses") == 2
    assert area.figure("cards") == 2


def test_filtered_holder_and_distinct_figures(net, source):
    report = queries.site_report(net.venue_a, Filters(YEAR, sector="culture"), card_figures=True)
    assert report.figure("cards") == 4  # C1, C2, C3, CC at O1
    assert rows(report.table("by_age_band"))["community card"] == [1, 5, 6]
    report = queries.site_report(
        net.venue_a, Filters(Period.month(2025, 3), channel="desk"), card_figures=True
    )
    assert report.figure("uses") == 3  # 1, 2, 8
    assert report.figure("cards") == 3
