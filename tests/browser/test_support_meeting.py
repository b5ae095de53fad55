"""支援会議 in the browser: the lead lists a case and a member with the searchable pickers;
the member sees the case only after acknowledging the duty of secrecy."""

import re
from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_quick_entry import log_in
from tests.conftest import Personas
from tsunagu.cases.services import case_open
from tsunagu.network import services as meeting_services
from tsunagu.people.services import person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_sees_a_listed_case_only_after_acknowledging_secrecy(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    m = personas.municipality
    partner = personas.members["partner"]
    with scope(municipality=m):
        person = person_create(actor=None, municipality=m, name="架空 一郎")
        other = person_create(actor=None, municipality=m, name="別の 人")
        case = case_open(
            actor=None,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=personas.members["counselor"],
        )
        case_open(
            actor=None,
            person=other,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=personas.members["counselor"],
        )
        meeting = meeting_services.support_meeting_create(
            actor=personas.members["lead"],
            title="第1回支援会議",
            legal_basis="swa_106_6",
            held_on=timezone.localdate(),
        )
    meeting_url = f"{live_server.url}/m/232297/meetings/{meeting.pk}/"
    case_url = f"{live_server.url}/m/232297/cases/{case.pk}/"

    log_in(page, live_server, personas.members["lead"])
    page.goto(meeting_url)
    page.locator("#id_cases_filter").fill("架空")
    case_box = page.locator(f"#id_cases input[value='{case.pk}']")
    assert case_box.is_visible()
    assert page.locator("#id_cases [data-filter-item]:visible").count() == 1
    case_box.check()
    page.locator("#id_members_filter").fill(partner.user.username)
    page.locator(f"#id_members input[value='{partner.pk}']").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(meeting_url)
    assert page.locator(f"#id_cases input[value='{case.pk}']").is_checked()
    assert page.locator(f"#id_members input[value='{partner.pk}']").is_checked()

    page.context.clear_cookies()
    log_in(page, live_server, partner)
    response = page.goto(case_url)
    assert response is not None
    assert response.status == 404
    page.goto(meeting_url)
    page.get_by_role("button", name=re.compile("守秘義務")).click()
    page.wait_for_url(re.compile(r"/meetings/"))
    response = page.goto(case_url)
    assert response is not None
    assert response.status == 200
    assert "架空 一郎" in page.locator("#case-header").inner_text()
