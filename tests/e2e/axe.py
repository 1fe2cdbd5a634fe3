"""axe-core (vendored: axe.min.js, 4.14.1) run in the page under test.

The script is evaluated through the DevTools protocol rather than added as a
<script> tag, so the page's Content-Security-Policy (no inline scripts) stays
on while axe looks at it."""

from pathlib import Path

from playwright.sync_api import Page

AXE_SOURCE = (Path(__file__).parent / "axe.min.js").read_text()
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page: Page) -> list[dict]:
    """The WCAG 2.1 A/AA violations axe finds in the page as it is now."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
        ".violations",
        WCAG_21_AA,
    )


def describe(violations: list[dict]) -> str:
    """One line per problem and element, for an assertion message."""
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — {node['target']}: {node['failureSummary']}"
        for v in violations
        for node in v["nodes"]
    )
