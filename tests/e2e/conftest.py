"""Browser tests: pytest-playwright driving Debian's Chromium (no downloaded
browser), against pytest-django's live_server.

They never skip: without /usr/bin/chromium every one of them fails and says
how to install it (scripts/test does)."""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + ORM in the test
import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"The browser tests need Debian's Chromium at {CHROMIUM}: "
            "apt-get install chromium (scripts/test installs it).",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """Reduced motion: Bootstrap then skips its colour transitions, so axe never
    measures a button halfway through one (a flaky contrast failure under load)."""
    return {**browser_context_args, "reduced_motion": "reduce"}
