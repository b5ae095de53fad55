"""The public pages on a phone: axe-core finds nothing on any of them; a family member signs up
for the next 家族のつどい and sends an inquiry with the keyboard only; the lead sees it in the
inbox and opens a new case from it."""

import re

import pytest
from django.core.cache import cache
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas
from tests.public.conftest import PublicWorld, public_world  # noqa: F401 (fixture)
from tests.public.test_signup import sign_up
from tsunagu.cases.models import Case
from tsunagu.programmes.models import Enrolment
from tsunagu.public.models import WebInquiry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa", "wcag21aa"]}))
    .violations.map(v => v.id + " (" + v.impact + "): " +
        v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))"""


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element is focused, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


@pytest.fixture
def phone(page: Page) -> Page:
    cache.clear()  # rendered pages of an earlier test's world (the cache is no model: not flushed)
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_public_pages_have_no_accessibility_violation(
    live_server: LiveServer,
    personas: Personas,
    public_world: PublicWorld,  # noqa: F811
    phone: Page,
    settings: SettingsWrapper,
) -> None:
    settings.TSUNAGU_PUBLIC_FORM_MIN_SECONDS = 0
    code = personas.municipality.code
    problems: list[str] = []

    def check(url: str, label: str) -> None:
        if url:
            phone.goto(url)
        phone.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
        problems.extend(f"{label}: {v}" for v in phone.evaluate(AXE))
        # Nothing wider than the phone's screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, label

    for path in ("", "inquiry", "statistics", f"events/{public_world.lecture.pk}"):
        check(f"{live_server.url}/p/{code}/{path}", f"/{path}")
    # The pages after a form: the receipt, the sign-up with its cancel link, the cancel page.
    phone.goto(f"{live_server.url}/p/{code}/inquiry")
    phone.locator("#id_writer_1").check()
    phone.locator("#id_text").fill("相談したいです。")
    phone.locator("#id_reply_by_0").check()
    phone.locator("button[type=submit]").click()
    phone.wait_for_selector("#receipt")
    check("", "/inquiry sent")
    phone.goto(f"{live_server.url}/p/{code}/events/{public_world.lecture.pk}")
    phone.locator("#id_name").fill("一")
    phone.locator("#id_contact").fill("090-1111-2222")
    phone.locator("button[type=submit]").click()
    phone.wait_for_selector("#receipt")
    check("", "/events signed up")
    cancel = phone.locator("a[href*='/events/cancel/']").get_attribute("href")
    assert cancel is not None
    check(cancel, "/events/cancel")
    # Full: the waiting list is offered, and joining it gives a number.
    sign_up(personas, public_world.lecture, name="二")
    check(f"{live_server.url}/p/{code}/events/{public_world.lecture.pk}", "/events full")
    phone.locator("#id_name").fill("三")
    phone.locator("#id_contact").fill("san@example.jp")
    phone.locator("button[type=submit]").click()
    phone.wait_for_selector("#waiting-number")
    check("", "/events waiting list")
    # The inquiry form refused: errors are labelled and still no violation.
    phone.goto(f"{live_server.url}/p/{code}/inquiry")
    phone.locator("button[type=submit]").click()
    phone.wait_for_selector("[data-error-for=text]")
    check("", "/inquiry refused")
    assert problems == [], "\n".join(problems)


def test_a_family_member_signs_up_and_writes_with_the_keyboard_only(
    live_server: LiveServer,
    personas: Personas,
    public_world: PublicWorld,  # noqa: F811
    phone: Page,
    settings: SettingsWrapper,
) -> None:
    settings.TSUNAGU_PUBLIC_FORM_MIN_SECONDS = 0
    settings.TSUNAGU_DEMO_MODE = True
    code = personas.municipality.code
    phone.goto(f"{live_server.url}/p/{code}/")
    tab_to(phone, f'a[href="/p/{code}/events/{public_world.lecture.pk}"]')
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"**/events/{public_world.lecture.pk}")
    tab_to(phone, "#id_name")
    phone.keyboard.type("つどい 参加")
    phone.keyboard.press("Tab")
    phone.keyboard.type("090-1234-5678")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#receipt")
    with scope(municipality=personas.municipality):
        assert Enrolment.objects.get(programme=public_world.lecture).name == "つどい 参加"

    phone.goto(f"{live_server.url}/p/{code}/inquiry")
    tab_to(phone, "input[name=writer]")
    phone.keyboard.press("ArrowDown")  # 本人 → 家族
    tab_to(phone, "#id_text")
    phone.keyboard.type("夜分にすみません。息子のことで相談したいです。")
    tab_to(phone, "input[name=reply_by]")
    phone.keyboard.press("Space")  # 返事は不要
    tab_to(phone, "button[type=submit]")
    phone.keyboard.press("Enter")
    phone.wait_for_selector("#receipt")
    receipt = phone.locator("#receipt").inner_text()
    with scope(municipality=personas.municipality):
        inquiry = WebInquiry.objects.get()
        assert inquiry.receipt == receipt
        assert inquiry.writer == "family"

    # The lead sees it in the inbox and opens a new case from it in one step.
    phone.set_viewport_size({"width": 1280, "height": 900})
    log_in_as_demo(phone, live_server, settings, personas.members["lead"])
    assert "未対応のWeb問い合わせが 1 件" in phone.content()
    phone.get_by_role("link", name=re.compile("未対応のWeb問い合わせ")).click()
    phone.wait_for_url(f"**/m/{code}/inquiries/")
    assert receipt in phone.content()
    phone.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
    assert phone.evaluate(AXE) == []  # the inbox with its new-case form
    phone.get_by_role("button", name=f"{receipt} から新しいケースを開始").click()
    phone.wait_for_url(re.compile(r".*/cases/\d+/$"))
    with scope(municipality=personas.municipality):
        case = Case.objects.get()
        inquiry.refresh_from_db()
        assert inquiry.consultation.case_id == case.pk
    assert phone.url.endswith(f"/m/{code}/cases/{case.pk}/")
