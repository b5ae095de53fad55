"""The design system as a user meets it: the keyboard focus is always visible, names in tables
stay whole, and the case page's step bar and timeline are drawn by the stylesheet."""

import pytest
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The focused element's outline as the user sees it: style, width in px and colour.
FOCUS_RING = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  return [e.tagName + (e.id ? "#" + e.id : "") + " " + (e.textContent || "").trim().slice(0, 20),
          s.outlineStyle, parseFloat(s.outlineWidth)];
}"""


@pytest.mark.parametrize("path", ["cases/{case}/", "consultations/new/"])
def test_the_keyboard_focus_is_always_visible(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
    path: str,
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    page.goto(f"{live_server.url}/m/232297/{path.format(**casework)}")
    page.locator("body").focus()
    hidden = []
    for _ in range(30):
        page.keyboard.press("Tab")
        what, style, width = page.evaluate(FOCUS_RING)
        if what.startswith("BODY"):  # past the last field: focus left the page
            break
        if style == "none" or width < 2:
            hidden.append(f"{what}: outline {style} {width}px")
    assert hidden == []


def test_names_and_dates_in_a_table_stay_on_one_line(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    page.goto(f"{live_server.url}/m/232297/cases/")
    person = page.locator("#case-table tbody tr td").nth(1)
    assert "架空 三郎" in person.inner_text()
    # One line box: the name is neither broken inside a word nor at its space.
    lines = person.evaluate(
        """td => { const r = document.createRange(); r.selectNodeContents(td);
                   return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }"""
    )
    assert lines == 1
    assert person.evaluate("td => getComputedStyle(td).wordBreak") == "keep-all"


def test_the_step_bar_and_timeline_are_styled_components(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    casework: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    page.goto(f"{live_server.url}/m/232297/cases/{casework['case']}/")
    current = page.locator(".stage-step[data-state=current]")
    todo = page.locator(".stage-step[data-state=todo]").first
    style = "e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]"
    assert current.evaluate(style) == ["rgb(29, 78, 107)", "rgb(255, 255, 255)"]  # 藍 / white
    assert todo.evaluate("e => getComputedStyle(e).borderStyle") == "dashed"
    # Each timeline entry hangs on a rail with a dot coloured by its kind (a risk: red).
    risk = page.locator("#timeline > li[data-kind=risk]").first
    dot = risk.evaluate("e => getComputedStyle(e, '::before').backgroundColor")
    assert dot == "rgb(165, 29, 45)"
    flags = page.locator("#open-risks")
    assert flags.evaluate("e => getComputedStyle(e).borderLeftWidth") == "6px"
