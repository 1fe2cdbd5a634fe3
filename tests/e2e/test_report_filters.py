"""The report filter form in a browser: only the fields of the chosen period
are shown and sent (stats/report-filters.js)."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PERIOD_FIELDS = ["year", "quarter", "month", "start", "end"]


def fields_in_use(page) -> list[str]:
    """The period fields shown and enabled."""
    form = page.locator("form.stats-filters")
    return [
        name
        for name in PERIOD_FIELDS
        if form.locator(f"[name={name}]").is_visible()
        and form.locator(f"[name={name}]").is_enabled()
    ]


def test_only_the_fields_of_the_chosen_period_are_shown_and_sent(page, live_server, net):
    watched = Visit(page, live_server.url)
    log_in(page, live_server.url, net.venue_contact)
    page.goto(live_server.url + reverse("admin:stats_site", args=[net.venue_a.pk]))
    period = page.locator("form.stats-filters select[name=period]")

    assert period.input_value() == "year"
    assert fields_in_use(page) == ["year"]
    period.select_option("quarter")
    assert fields_in_use(page) == ["year", "quarter"]
    period.select_option("month")
    assert fields_in_use(page) == ["year", "month"]
    period.select_option("custom")
    assert fields_in_use(page) == ["start", "end"]
    violations = axe_violations(page)
    assert violations == [], describe(violations)

    # Back to a year: the month and the range filled in on the way are not sent.
    page.locator("form.stats-filters [name=start]").fill("2026-01-01")
    period.select_option("month")
    page.locator("form.stats-filters select[name=month]").select_option("3")
    period.select_option("year")
    page.locator("form.stats-filters [name=year]").fill("2025")
    with page.expect_navigation():
        page.locator("form.stats-filters button[type=submit]").click()

    sent = parse_qs(urlsplit(page.url).query, keep_blank_values=True)
    assert sent["period"] == ["year"] and sent["year"] == ["2025"]
    assert not {"quarter", "month", "start", "end"} & sent.keys()
    expect(page.locator(".stats-lead")).to_contain_text("2025")
    assert fields_in_use(page) == ["year"]
    assert watched.problems() == []


def test_without_javascript_every_field_shows_and_the_form_still_works(browser, live_server, net):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server.url, net.venue_contact)
    page.goto(live_server.url + reverse("admin:stats_site", args=[net.venue_a.pk]))

    assert fields_in_use(page) == PERIOD_FIELDS
    page.locator("form.stats-filters [name=year]").fill("2025")
    page.locator("form.stats-filters button[type=submit]").click()
    page.wait_for_url("**year=2025**")

    # Every field was sent; the server read the year alone.
    assert "quarter=" in page.url
    expect(page.locator(".stats-lead")).to_contain_text("2025")
    expect(page.locator(".errornote")).to_have_count(0)
    context.close()
