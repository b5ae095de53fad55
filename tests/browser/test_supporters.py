"""A supporter logs an activity on a phone; a lead runs matching, reads the reasons, approves
one proposal and overrides another with a reason."""

import re
from datetime import date, time
from typing import Any

import pytest
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases.models import Case
from tsunagu.supporters import services
from tsunagu.supporters.models import ActivityLog, Dispatch, DispatchRequest, Supporter
from tsunagu.supporters.services import WeeklySlot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MONDAY = [WeeklySlot(0, time(9), time(12))]


def supporter(personas: Personas, name: str, **kw: Any) -> Supporter:
    return services.supporter_save(
        actor=personas.members["lead"],
        name=name,
        background=kw.pop("background", "volunteer"),
        areas=["北部"],
        availability=MONDAY,
        status="active",
        pledged_on=date(2026, 4, 1),
        **kw,
    )


def ask(personas: Personas, case: Case, **wants: Any) -> DispatchRequest:
    return services.dispatch_request_create(
        actor=personas.members["lead"],
        case=case,
        purpose="訪問",
        area="北部",
        when=[WeeklySlot(0, time(10), time(11))],
        wants=wants,
    )


def test_a_supporter_logs_an_activity_on_a_phone(
    live_server: LiveServer, personas: Personas, page: Page, settings: SettingsWrapper
) -> None:
    with scope(municipality=personas.municipality):
        peer = supporter(personas, "佐藤 ピア", membership=personas.members["supporter"])
        case = make_case(
            make_person(personas.municipality, name="本人"), primary=personas.members["lead"]
        )
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"],
            request=ask(personas, case),
            supporter=peer,
            briefing="月曜10時、玄関先で",
        )
    page.set_viewport_size({"width": 390, "height": 844})
    supporter_member = personas.members["supporter"]
    log_in_as_demo(page, live_server, settings, supporter_member, lands_on="supporters/mine/")
    assert page.get_by_text("月曜10時、玄関先で").is_visible()
    page.get_by_role("link", name="活動を記録").click()
    page.locator("#id_start").fill("10:00")
    page.locator("#id_end").fill("11:00")
    page.locator("#id_what_happened").fill("将棋を一局指した")
    save = page.get_by_role("button", name="保存")
    box = save.bounding_box()
    assert box is not None and box["width"] > 300  # a thumb-sized button across the phone
    save.click()
    page.wait_for_url(re.compile(r"/supporters/mine/$"))
    assert page.get_by_text("活動 1 件").is_visible()
    with scope(municipality=personas.municipality):
        assert ActivityLog.objects.get().dispatch == dispatch


def test_a_lead_approves_one_proposal_and_overrides_another(
    live_server: LiveServer, personas: Personas, page: Page, settings: SettingsWrapper
) -> None:
    with scope(municipality=personas.municipality):
        shogi = supporter(personas, "将棋 好き", skills=["将棋"])
        others = [supporter(personas, "ほか 一人"), supporter(personas, "ほか 二人")]
        person = make_person(personas.municipality, name="本人")
        case = make_case(person, primary=personas.members["lead"])
        first = ask(personas, case, skills=["将棋"])
        second = ask(personas, case)
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    page.goto(f"{live_server.url}/m/232297/supporters/matching/")
    first_card = page.locator("section", has=page.locator(f"#request-{first.pk}"))
    assert "趣味が一致: 将棋" in first_card.inner_text()
    first_card.get_by_role("button", name="承認").click()
    page.wait_for_url(re.compile(r"/supporters/matching/$"))
    second_card = page.locator("section", has=page.locator(f"#request-{second.pk}"))
    proposed = int(second_card.locator("input[name=proposed]").get_attribute("value") or 0)
    chosen = next(s for s in others if s.pk != proposed)
    second_card.locator("select").select_option(str(chosen.pk))
    second_card.get_by_label("別のサポーターを選ぶ理由").fill("本人と面識あり")
    second_card.get_by_role("button", name="承認").click()
    page.wait_for_url(re.compile(r"/supporters/matching/$"))
    assert page.get_by_text(f"{chosen.name} さんの派遣を決定").is_visible()
    with scope(municipality=personas.municipality):
        assert Dispatch.objects.get(request=first).supporter == shogi
        overridden = Dispatch.objects.get(request=second)
        assert overridden.supporter == chosen
        assert overridden.proposed_supporter_id == proposed
        assert overridden.override_reason == "本人と面識あり"
