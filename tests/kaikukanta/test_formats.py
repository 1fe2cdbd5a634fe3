"""Dates and times as Finland reads them, in every language: day.month.year
and a 24-hour clock, on pages, in exports and PDFs, in offering labels."""

import datetime
import io
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from openpyxl import load_workbook

from stats import exports
from tests.factories import CardFactory, OfferingFactory
from usage.models import Redemption
from usage.services import record_redemption

pytestmark = pytest.mark.django_db

MOMENT = datetime.datetime(2027, 9, 6, 14, 9)
EARLY = datetime.datetime(2027, 9, 6, 2, 9)
US_OR_ISO = re.compile(r"\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4}|\b[ap]\.m\.")


@pytest.mark.parametrize(
    ("language", "date", "time", "early"),
    [
        ("en", "6.9.2027", "14:09", "02:09"),
        ("fi", "6.9.2027", "14.09", "2.09"),
        ("sv", "6.9.2027", "14.09", "2.09"),
    ],
)
def test_every_language_writes_day_month_year_and_a_24_hour_clock(language, date, time, early):
    with translation.override(language):
        assert date_format(MOMENT, "SHORT_DATE_FORMAT") == date
        assert time_format(MOMENT, "TIME_FORMAT") == time
        assert time_format(EARLY, "TIME_FORMAT") == early
        assert date_format(MOMENT, "SHORT_DATETIME_FORMAT") == f"{date} {time}"


@pytest.mark.parametrize("language", ["en", "sv", "fi"])
def test_offering_labels_on_the_offline_page_and_the_uses_page_are_in_the_readers_format(
    net, client_for, language
):
    day = timezone.localdate() + datetime.timedelta(days=1)
    OfferingFactory(site=net.venue_a, title="Hamlet", date=day, start_time=datetime.time(11))
    with translation.override(language):
        expected = f"Hamlet ({date_format(day, 'SHORT_DATE_FORMAT')} "
        expected += f"{time_format(datetime.time(11), 'TIME_FORMAT')})"
    headers = {"HTTP_ACCEPT_LANGUAGE": language}

    offline = client_for("cashier").get(reverse("usage:desk_offline"), **headers)
    uses = client_for("venue_contact").get(
        reverse("usage:uses", args=[net.venue_a.pk]), {"day": day.isoformat()}, **headers
    )

    data = offline.context["offline_data"]
    assert data["sites"][0]["offerings"][0]["label"] == expected
    assert data["day_labels"][day.isoformat()].endswith(f"{day.day}.{day.month}.{day.year}")
    assert expected in uses.content.decode()
    assert not US_OR_ISO.search(expected)


def test_the_uses_page_shows_english_dates_and_times_the_finnish_way(net, client_for):
    show = OfferingFactory(site=net.venue_a, title="Hamlet")
    record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
    )
    Redemption.objects.update(recorded_at=timezone.make_aware(EARLY))

    page = client_for("venue_contact").get(
        reverse("usage:uses", args=[net.venue_a.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )

    text = page.content.decode()
    assert "6.9.2027 02:09" in text
    assert not US_OR_ISO.search(re.sub(r'value="[^"]*"|href="[^"]*"', "", text))


def test_exports_write_dates_day_month_year(net):
    rows = [(MOMENT.date(), "Hamlet", "KK-1", 0, "desk", timezone.make_aware(MOMENT))]

    csv = "".join(exports.uses_csv(iter(rows)))
    workbook = load_workbook(io.BytesIO(exports.uses_xlsx(iter(rows), "Uses").read()))

    assert "6.9.2027;Hamlet;KK-1;0;" in csv and ";6.9.2027 14:09" in csv
    [row] = workbook.active.iter_rows(min_row=2, max_row=2)
    assert row[0].number_format == "d.m.yyyy"
    assert row[5].number_format == "d.m.yyyy hh:mm"


def test_the_report_pdf_says_when_it_was_made_in_the_readers_format(net):
    from stats import queries
    from stats.filters import Filters, Period

    period = Period.year(timezone.localdate().year)
    report = queries.site_report(net.venue_a, Filters(period=period), card_figures=False)
    with translation.override("en"):
        html = render_to_string("stats/report_pdf.html", {"report": report})
        made = date_format(timezone.localtime(report.generated_at), "SHORT_DATETIME_FORMAT")
    assert made in html
    assert not US_OR_ISO.search(html)
