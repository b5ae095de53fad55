"""On a phone (390×844) no main screen scrolls sideways, and lists read as cards."""

import pytest
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = [
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
]


def _log_in(
    page: Page, live_server: LiveServer, settings: SettingsWrapper, personas: Personas
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in_as_demo(page, live_server, settings, personas.members["lead"])


def test_no_main_screen_scrolls_sideways_on_a_phone(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    _log_in(page, live_server, settings, personas)
    wide = []
    for path in PAGES:
        page.goto(f"{live_server.url}/m/232297/{path.format(**casework)}")
        page.wait_for_load_state("load")
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            wide.append(f"/{path}: {overflow}px too wide")
    assert wide == [], "\n".join(wide)


def test_the_case_list_reads_as_cards_with_their_headings(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    _log_in(page, live_server, settings, personas)
    page.goto(f"{live_server.url}/m/232297/cases/")
    row = page.locator("main table.table-cards tbody tr").first
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    cell = row.locator("td[data-label]").first
    label = cell.get_attribute("data-label")
    assert label and cell.evaluate("c => getComputedStyle(c, '::before').content") == f'"{label}"'
    header = page.locator("main table.table-cards thead").first
    assert header.evaluate("h => h.getBoundingClientRect().width") <= 1
