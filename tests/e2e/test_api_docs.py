"""The browsable API docs (/api/v1/docs/) in Chromium: served from our own
static files under the strict Content-Security-Policy (no CSP violation, no
script error, no request to another origin), and WCAG 2.1 AA by axe with every
operation opened."""

from urllib.parse import urlparse

import pytest

from tests.e2e.axe import axe_violations, describe
from tests.e2e.watch import Visit

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_render_accessibly_from_our_own_origin(page, live_server):
    watched = Visit(page, live_server.url)
    origins: set[str] = set()
    page.on("request", lambda request: origins.add(urlparse(request.url).netloc))

    page.goto(f"{live_server.url}/api/v1/docs/")
    page.wait_for_selector(".opblock", timeout=20000)
    operations = page.locator(".opblock-summary-control")
    for operation in operations.all():
        operation.click()
    page.wait_for_selector(".opblock-body")

    assert operations.count() >= 6
    # Vendors call the API with their own token (docs/api.md), not from this page.
    assert page.locator(".try-out__btn").count() == 0
    violations = axe_violations(page)
    assert violations == [], describe(violations)
    assert watched.problems() == []
    assert origins <= {urlparse(live_server.url).netloc, ""}, origins
