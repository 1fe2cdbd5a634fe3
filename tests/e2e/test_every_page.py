"""Every page of the URL matrix, opened in Chromium by a persona who may see
it: axe-core finds no WCAG 2.1 AA violation, and the page makes no console
error and no Content-Security-Policy violation.

The pages come from tests/test_url_matrix.py, so a new page is checked here
the day it gets its row there."""

import pytest

from tests.conftest import PERSONAS
from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.test_url_matrix import ROUTES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Not a page for people: the health check.
NOT_PAGES = {"healthz"}


def _pages() -> list:
    """(route name, case index, persona): the first case of each route that a
    persona opens with 200."""
    pages = []
    for name, cases in ROUTES.items():
        if name in NOT_PAGES:
            continue
        for index, case in enumerate(cases):
            if case.method != "get":
                continue
            persona = next((p for p in PERSONAS if case.expected(p) == 200), None)
            if persona is not None:
                pages.append(pytest.param(name, index, persona, id=f"{name}-{persona}"))
                break
    return pages


@pytest.mark.parametrize(("name", "index", "persona"), _pages())
def test_page_passes_axe_without_console_or_csp_errors(
    page, live_server, net, name, index, persona
):
    case = ROUTES[name][index]
    url = case.url(net)
    watched = Visit(page, live_server.url)
    if persona != "anonymous":
        log_in(page, live_server.url, getattr(net, persona))
    # Downloads (xlsx, PDF, CSV, JSON) are checked by their own tests; a browser
    # would only save them.
    head = page.request.get(live_server.url + url)
    assert head.status == 200, url
    if "text/html" not in head.headers.get("content-type", ""):
        return
    response = page.goto(live_server.url + url)
    assert response is not None and response.status == 200, url

    problems = watched.problems()  # before axe, which sets inline styles as it measures
    violations = axe_violations(page)

    assert violations == [], f"{url}\n{describe(violations)}"
    assert problems == [], url
