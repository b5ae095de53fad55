"""A counselor records a phone call with the keyboard only, and sees it counted."""

import re

import pytest
from django.urls import NoReverseMatch, reverse
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, totp_code
from tsunagu.consultations.models import Consultation
from tsunagu.people.services import person_create
from tsunagu.tenancy.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server: LiveServer, member: Membership) -> None:
    secret = enrol_totp(member.user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(member.user.username)
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/232297/")


def test_a_counselor_records_a_call_with_the_keyboard_and_sees_it_counted(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    with scope(municipality=personas.municipality):
        person = person_create(
            actor=None, municipality=personas.municipality, name="山田 太郎", name_kana="ヤマダ"
        )
    log_in(page, live_server, personas.members["counselor"])

    page.keyboard.press("Alt+n")
    page.wait_for_url(re.compile(r"/m/232297/consultations/new/$"))
    assert page.evaluate("document.activeElement.id") == "id_channel"
    assert page.locator("#id_channel").input_value() == "phone"

    page.keyboard.press("Tab")  # who consulted: the family
    page.keyboard.press("ArrowDown")
    assert page.locator("#id_consulter").input_value() == "family"
    page.locator("#relation-field").wait_for(state="visible")
    page.keyboard.press("Tab")  # relation: mother
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")  # person: search, then Enter picks the match
    page.keyboard.type("やまだ")
    page.locator(f"#person-{person.pk}").wait_for()
    page.keyboard.press("Enter")
    assert page.locator(f"#person-{person.pk}").is_checked()
    page.keyboard.press("Tab")  # the case select is disabled: no case yet
    assert page.evaluate("document.activeElement.id") == "id_main_concern"
    page.keyboard.press("ArrowDown")  # 主訴: 家族関係
    page.locator("#id_minutes").focus()
    page.keyboard.type("15")
    page.keyboard.press("Tab")
    page.keyboard.type("母から電話。")
    page.keyboard.press("Enter")  # the summary is multi-line: Enter is a new line
    page.keyboard.type("本人は在宅。")
    assert page.locator("#saved-consultation").count() == 0
    page.keyboard.press("Control+Enter")

    page.locator("#saved-consultation").wait_for()
    # Ready for the next call: a blank form with the cursor at the first field.
    assert page.evaluate("document.activeElement.id") == "id_channel"
    assert page.locator("#id_summary").input_value() == ""
    with scope(municipality=personas.municipality):
        saved = Consultation.objects.get()
    assert (saved.channel, saved.consulter, saved.consulter_relation) == (
        "phone",
        "family",
        "mother",
    )
    assert saved.person_id == person.pk
    assert saved.minutes == 15
    assert saved.summary == "母から電話。\n本人は在宅。"
    assert saved.main_concern == "family"

    page.goto(f"{live_server.url}/m/232297/consultations/")
    assert page.locator(f"#consultation-{saved.pk}").get_attribute("data-channel") == "phone"

    try:
        statistics = reverse("staff:statistics", kwargs={"code": "232297"})
    except NoReverseMatch:
        return
    page.goto(f"{live_server.url}{statistics}")
    # The first row of the channel table is 電話 (phone); its first count is 延べ件数.
    phone = page.locator("#stats-channel tbody tr").first.locator("td").first
    assert phone.inner_text().strip() == "1"


def test_a_refused_quick_entry_keeps_what_was_typed(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    log_in(page, live_server, personas.members["counselor"])
    page.goto(f"{live_server.url}/m/232297/consultations/new/")
    page.locator("#id_minutes").fill("-5")
    page.locator("#id_summary").fill("消えてはいけない内容")
    page.locator("#id_summary").press("Control+Enter")
    page.locator("#quick-entry-errors").wait_for()
    assert page.evaluate("document.activeElement.id") == "quick-entry-errors"
    assert page.locator("#id_summary").input_value() == "消えてはいけない内容"
    assert page.locator("#id_minutes").get_attribute("aria-describedby") == "id_minutes_errors"


def test_alt_n_on_a_case_page_records_a_call_for_that_case(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    from datetime import date

    from tsunagu.cases.services import case_open

    with scope(municipality=personas.municipality):
        person = person_create(
            actor=None, municipality=personas.municipality, name="山田 太郎", name_kana="ヤマダ"
        )
        case = case_open(
            actor=None,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=personas.members["counselor"],
        )
    log_in(page, live_server, personas.members["counselor"])
    page.goto(f"{live_server.url}/m/232297/cases/{case.pk}/")
    assert page.locator("#case-record-consultation").inner_text() == "この件の相談を記録"
    page.keyboard.press("Alt+n")
    page.wait_for_url(re.compile(rf"/consultations/new/\?case={case.pk}$"))
    assert page.locator(f"#person-{person.pk}").is_checked()
    assert page.locator("#id_case").input_value() == str(case.pk)
    page.locator("#id_minutes").fill("10")
    page.keyboard.press("Enter")  # Enter in a single-line field saves
    page.locator("#saved-consultation").wait_for()
    with scope(municipality=personas.municipality):
        saved = Consultation.objects.get()
    assert (saved.person_id, saved.case_id, saved.minutes) == (person.pk, case.pk, 10)


def test_the_save_button_is_in_reach_on_a_phone(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    log_in(page, live_server, personas.members["counselor"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/m/232297/consultations/new/")
    page.locator("#id_summary").fill("電話")
    save = page.locator("#quick-entry-save")
    box = save.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 844  # visible without scrolling
    save.click()
    page.locator("#saved-consultation").wait_for()
