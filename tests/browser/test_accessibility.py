"""axe-core (vendored, served by Tsunagu itself) finds no serious accessibility problem."""

import pytest
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "lead": [
        "",
        "persons/",
        "persons/{person}/",
        "cases/",
        "cases/{case}/",
        "consultations/",
        "consultations/new/",
        "statistics/",
        "meetings/",
        "audit/",
        "audit/persons/{person}/access/",
        "audit/cases/{case}/history/",
        "accounts/lockouts/",
        "meetings/network/",
        "meetings/series/",
    ],
    "admin": [
        "admin/organizations/",
        "admin/members/",
        "statistics/groups/",
        "consultations/import/",
        "meetings/mail-server/",
    ],
    "committee": ["", "statistics/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_have_no_serious_accessibility_violations(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
    role: str,
) -> None:
    log_in_as_demo(page, live_server, settings, personas.members[role])
    problems = []
    for path in PAGES[role]:
        page.goto(f"{live_server.url}/m/232297/{path.format(**casework)}")
        page.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]}))
                .violations.filter(v => ["serious", "critical"].includes(v.impact))
                .map(v => v.id + ": " +
                     v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))"""
        )
        problems += [f"/{path}: {v}" for v in violations]
    assert problems == [], "\n".join(problems)
