"""Watching a browser page for console errors, page errors and violations of
the Content-Security-Policy (the app sends a strict one: no inline scripts or
styles)."""

from playwright.sync_api import Page

# Collects the CSP violations the page reports; added before any page script
# runs (through the DevTools protocol, so the policy does not block it).
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


class Visit:
    """A browser page watched for console errors, page errors and CSP violations."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url
        self.errors: list[str] = []
        page.add_init_script(CSP_LISTENER)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message) -> None:
        if message.type == "error":
            self.errors.append(f"console error: {message.text} ({message.location['url']})")

    def problems(self) -> list[str]:
        csp = self.page.evaluate("() => window.__cspViolations || []")
        return self.errors + [f"CSP violation: {violation}" for violation in csp]

    def root_font_size(self) -> str:
        return self.page.evaluate("() => getComputedStyle(document.documentElement).fontSize")

    def html_lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")
