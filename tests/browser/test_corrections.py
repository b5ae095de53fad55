"""In the browser: a counselor corrects a call, reads the correction history, a lead deletes it;
an anonymous call is linked to the person once they are named."""

import re
from datetime import datetime
from typing import Any

import pytest
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_quick_entry import log_in
from tests.conftest import Personas
from tsunagu.cases.services import case_open
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO
from tsunagu.people.services import person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_call(personas: Personas, **fields: Any) -> Consultation:
    member = personas.members["counselor"]
    values = {
        "actor": member,
        "municipality": personas.municipality,
        "occurred_at": datetime(2026, 4, 2, 14, 30, tzinfo=TOKYO),
        "channel": "phone",
        "consulter": "family",
        "staff": member,
        "summary": "母から電話",
        **fields,
    }
    with scope(municipality=personas.municipality):
        return consultation_record(**values)


def test_a_counselor_corrects_a_call_and_a_lead_deletes_it(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    call = a_call(personas)
    log_in(page, live_server, personas.members["counselor"])
    page.goto(f"{live_server.url}/m/232297/consultations/{call.pk}/")
    page.locator("#consultation-correct").click()
    page.locator("#id_channel").select_option("walk_in")
    page.locator("#id_summary").fill("母が来所")
    page.locator("#correction-save").click()
    # Refused without a reason, with what was typed still there.
    assert page.locator("#id_summary").input_value() == "母が来所"
    page.locator("#id_reason").fill("来所を電話と誤って記録")
    page.locator("#correction-save").click()
    page.wait_for_url(re.compile(rf"/consultations/{call.pk}/$"))
    assert page.locator("[data-channel]").inner_text() == "来所"
    history = page.locator("#corrections")
    assert "来所を電話と誤って記録" in history.inner_text()
    assert history.locator("[data-field=summary] [data-before]").inner_text() == "母から電話"
    assert history.locator("[data-field=summary] [data-after]").inner_text() == "母が来所"
    # A counselor does not delete.
    assert page.locator("#consultation-delete").count() == 0

    page.context.clear_cookies()
    log_in(page, live_server, personas.members["lead"])
    page.goto(f"{live_server.url}/m/232297/consultations/{call.pk}/")
    page.locator("#consultation-delete").click()
    page.locator("#id_reason").fill("重複して入力")
    page.locator("#deletion-confirm").click()
    page.locator("#consultation-tombstone").wait_for()
    assert "重複して入力" in page.locator("#consultation-tombstone").inner_text()
    page.goto(f"{live_server.url}/m/232297/consultations/")
    assert page.locator(f"#consultation-{call.pk}").count() == 0
    page.goto(f"{live_server.url}/m/232297/statistics/?fiscal_year=2026")
    walk_in = page.locator("#stats-channel tbody tr").nth(1).locator("td").first
    assert walk_in.inner_text().strip() == "0"


def test_three_anonymous_calls_are_linked_once_the_person_is_named(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    calls = [a_call(personas, consulter="anonymous", summary=f"{n}回目") for n in (1, 2, 3)]
    with scope(municipality=personas.municipality):
        person = person_create(
            actor=None, municipality=personas.municipality, name="山田 太郎", name_kana="ヤマダ"
        )
        case = case_open(
            actor=None,
            person=person,
            opened_on=datetime(2026, 4, 3).date(),
            referral_source="family",
            primary=personas.members["counselor"],
        )
    log_in(page, live_server, personas.members["counselor"])
    for call in calls:
        page.goto(f"{live_server.url}/m/232297/consultations/{call.pk}/")
        page.locator("#consultation-link").click()
        page.locator("#id_person_query").fill("やまだ")
        page.locator(f"#person-{person.pk}").check()
        page.locator(f"#id_case option[value='{case.pk}']").wait_for(state="attached")
        page.locator("#id_case").select_option(str(case.pk))
        page.locator("#link-save").click()
        page.wait_for_url(re.compile(rf"/consultations/{call.pk}/$"))
        assert "No." in page.locator("#consultation-" + str(call.pk)).inner_text()
    with scope(municipality=personas.municipality):
        linked = set(Consultation.objects.filter(case=case).values_list("pk", flat=True))
    assert linked == {c.pk for c in calls}
