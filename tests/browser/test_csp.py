"""No main screen breaks the Content-Security-Policy: the browser reports no violation, neither
as a console message nor as a `securitypolicyviolation` event, while the page loads and settles."""

import pytest
from django.core.cache import cache
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_PAGES = [
    "",
    "persons/",
    "persons/{person}/",
    "cases/",
    "cases/{case}/",
    "consultations/new/",
    "consultations/new/?case={case}",
    "statistics/",
    "places/calendar/",
    "audit/",
]

# Collects violation events in the page itself, before any of its own scripts run.
LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") +
    " at " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


def _use_quick_entry(page: Page) -> None:
    """Find the person, pick them (their cases load), type a 和暦 date and save a refused form."""
    search = page.locator("[data-person-search]")
    search.fill("架空")
    page.locator("#person-results input[name=person][value]:not([value=''])").first.wait_for()
    search.press("ArrowDown")
    page.wait_for_load_state("networkidle")
    page.locator("#id_next_action_on").fill("R7.4.1")
    page.locator(".date-input-button").first.click()  # the calendar picker
    page.keyboard.press("Escape")
    page.locator("#id_minutes").fill("5000")
    page.locator("#quick-entry-save").click()
    page.locator("#quick-entry-errors").wait_for()
    page.wait_for_load_state("networkidle")


def test_no_screen_violates_the_content_security_policy(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    cache.clear()  # a public page cached by an earlier test would not be rendered again
    messages: list[str] = []
    page.on(
        "console",
        lambda m: messages.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.add_init_script(LISTEN)
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    urls = [f"/m/232297/{path.format(**casework)}" for path in STAFF_PAGES]
    urls.append("/p/232297/")
    problems = []
    for url in urls:
        messages.clear()
        response = page.goto(f"{live_server.url}{url}")
        assert response is not None
        assert response.status == 200, f"{url}: {response.status}"
        page.wait_for_load_state("networkidle")
        if url.endswith("consultations/new/"):
            _use_quick_entry(page)
        if url == "/m/232297/":
            page.locator("#user-menu").click()  # Bootstrap's dropdown
            page.locator("#user-menu + .dropdown-menu").wait_for()
        events = page.evaluate("() => window.__cspViolations")
        problems += [f"{url}: {text}" for text in [*messages, *events]]
    assert problems == [], "\n".join(problems)
