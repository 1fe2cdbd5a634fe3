"""The report pages' tables fit, or scroll where the reader sees it.

At 1280 px every table fits its box whole. At 375 px a table may be wider
than the screen, but then it scrolls inside a focusable, labelled region
(keyboard users reach it, screen readers name it), and the page itself never
scrolls sideways. In no case is a cell's content cut off, nor a table's CSV
link scrolled out of sight with it. Each page is checked in Finnish, Swedish
and English: the headers' lengths differ."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page

from stats.models import SummaryState
from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.stats.conftest import build_usage
from usage.models import Redemption

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A list of what is wrong with the page's tables ([] when nothing).
CLIPPED_TABLES = """(mayScroll) => {
  const problems = [];
  const name = (t) => (t.caption ? t.caption.textContent
      : t.closest('section')?.querySelector('h2')?.textContent || 'a table').trim();
  for (const table of document.querySelectorAll('table')) {
    if (table.offsetParent === null) { continue; }
    let box = table.parentElement;
    while (box !== document.body && getComputedStyle(box).overflowX === 'visible') {
      box = box.parentElement;
    }
    if (box !== document.body && box.scrollWidth > box.clientWidth + 1) {
      const region = box.getAttribute('role') === 'region' && box.tabIndex >= 0
        && (box.hasAttribute('aria-labelledby') || box.hasAttribute('aria-label'));
      if (!mayScroll) {
        problems.push(`${name(table)}: ${box.scrollWidth} px wide in a ${box.clientWidth} px box`);
      } else if (!region) {
        problems.push(`${name(table)}: cut off in a box that is not a focusable, named region`);
      }
    }
    for (const cell of table.querySelectorAll('th, td')) {
      if (cell.scrollWidth > cell.clientWidth + 1) {
        problems.push(`${name(table)}: the cell "${cell.textContent.trim()}" is cut off`);
      }
    }
  }
  // A table's CSV link stays in sight: not in the box that scrolls sideways.
  for (const link of document.querySelectorAll('section a[href*="table="]')) {
    const right = link.getBoundingClientRect().right;
    if (link.closest('[role="region"]') || right > window.innerWidth) {
      problems.push(`the link "${link.textContent.trim()}" scrolls with its table`);
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) {
    problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px`);
  }
  return problems;
}"""


@pytest.fixture
def figures(transactional_db, net):
    if not SummaryState.objects.exists() and not Redemption.objects.exists():
        SummaryState.objects.create()
    return build_usage(net)


def problems_on(new_context, live_server, user, url: str) -> list[str]:
    found = []
    for language in ("fi", "sv", "en"):
        for width in (1280, 375):
            context = new_context(viewport={"width": width, "height": 900})
            context.add_cookies(
                [{"name": "django_language", "value": language, "url": live_server.url}]
            )
            page: Page = context.new_page()
            if user is not None:
                log_in(page, live_server.url, user)
            response = page.goto(live_server.url + url)
            assert response.status == 200, url
            assert page.locator("table").count() > 0
            found += [
                f"{language} {width} px: {problem}"
                for problem in page.evaluate(CLIPPED_TABLES, width < 1000)
            ]
            context.close()
    return found


YEAR = "?period=year&year=2025"


def test_the_site_report_tables_fit(net, figures, new_context, live_server):
    url = reverse("admin:stats_site", args=[net.venue_a.pk]) + YEAR
    assert problems_on(new_context, live_server, net.venue_contact, url) == []


def test_the_area_report_tables_fit(net, figures, new_context, live_server):
    url = reverse("admin:stats_area", args=[net.area_a.pk]) + YEAR
    assert problems_on(new_context, live_server, net.coordinator, url) == []


def test_the_national_report_tables_fit(net, figures, new_context, live_server):
    url = reverse("admin:stats_national") + YEAR
    assert problems_on(new_context, live_server, net.national_admin, url) == []


def test_the_public_figures_fit(net, figures, new_context, live_server):
    # Areas are named as they are in the network: long, with a compound word.
    net.area_a.name = "Varsinais-Suomen hyvinvointialue"
    net.area_a.save()
    net.area_b.name = "Pohjois-Pohjanmaan hyvinvointialue"
    net.area_b.save()
    url = reverse("stats:public") + "?year=2025"
    assert problems_on(new_context, live_server, None, url) == []


def test_the_annual_report_form_and_the_reports_list_fit_and_pass_axe(
    net, figures, new_context, live_server
):
    """The coordinator's way to the annual report: the reports list links it,
    its form fits a phone and passes axe in every language."""
    found = []
    for url in (
        reverse("admin:stats_reports"),
        reverse("admin:stats_annual", args=[net.area_a.pk]),
    ):
        for language in ("fi", "sv", "en"):
            for width in (1280, 375):
                context = new_context(viewport={"width": width, "height": 900})
                context.add_cookies(
                    [{"name": "django_language", "value": language, "url": live_server.url}]
                )
                page = context.new_page()
                log_in(page, live_server.url, net.coordinator)
                assert page.goto(live_server.url + url).status == 200
                where = f"{url} {language} {width} px"
                found += [f"{where}: {p}" for p in page.evaluate(CLIPPED_TABLES, width < 1000)]
                violations = axe_violations(page)
                if violations:
                    found.append(f"{where}: {describe(violations)}")
                context.close()
    assert found == []
