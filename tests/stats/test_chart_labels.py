"""The month chart's labels read right in each language. Django's three-letter
"M" cuts the Finnish names: November (marraskuu) came out as "Mar", which a
Finnish reader takes for maaliskuu (March)."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LABELS = {
    # language: (March, May, November) as the chart's axis writes them
    "fi": ("maalis 2025", "touko 2025", "marras 2025"),
    "sv": ("mars 2025", "maj 2025", "nov 2025"),
    "en": ("March 2025", "May 2025", "Nov. 2025"),
}


def axis_labels(html: str) -> list[str]:
    """The texts of the first chart (by month)'s SVG (its title, axes and legend too)."""
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" class="stats-chart"')
    svg = html[start : html.index("</svg>", start)]
    return re.findall(r"<text [^>]*>([^<]*)</text>", svg)


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_the_month_chart_names_each_month_unambiguously(net, usage, client_for, language):
    client = client_for("venue_contact")
    client.cookies["django_language"] = language
    page = client.get(reverse("admin:stats_site", args=[net.venue_a.pk]) + "?period=year&year=2025")
    labels = axis_labels(page.content.decode())

    march, may, november = LABELS[language]
    assert [march, may, november] == [label for label in labels if label in LABELS[language]]
    assert len([label for label in labels if label.endswith(" 2025")]) == 12
    if language == "fi":
        assert "Mar 2025" not in labels and "Maa 2025" not in labels
