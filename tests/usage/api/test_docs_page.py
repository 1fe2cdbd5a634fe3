"""The browsable API docs (/api/v1/docs/) render in Chromium from our own
static files under the strict Content-Security-Policy: no CSP violation, no
script error, no request to another origin."""

import os
import shutil
from urllib.parse import urlparse

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's Chromium is not installed"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def test_the_api_docs_render_without_csp_errors_or_other_origins(live_server):
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    problems, origins = [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        page.on("console", lambda m: m.type in ("error", "warning") and problems.append(m.text))
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.on("request", lambda r: origins.add(urlparse(r.url).netloc))
        page.goto(f"{live_server.url}/api/v1/docs/")
        page.wait_for_selector(".opblock", timeout=20000)
        operations = page.locator(".opblock").count()
        page.locator(".opblock-summary").first.click()  # open one operation
        page.wait_for_selector(".opblock-body", timeout=5000)
        browser.close()

    assert operations >= 6
    assert not problems, problems
    assert origins <= {urlparse(live_server.url).netloc, ""}, origins
