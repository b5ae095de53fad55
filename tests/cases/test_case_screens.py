import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases import services
from tsunagu.cases.models import Case, CaseAssignment, PlanItem, RiskFlag
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.services import consent_record

NEVER_PERSONS = ["admin", "place_staff", "committee"]


def _item_and_flag(personas: Personas, case: Case) -> tuple[PlanItem, RiskFlag]:
    with scope(municipality=personas.municipality):
        item = services.plan_item_add(actor=None, case=case, what="面談")
        flag = services.risk_raise(actor=None, case=case, kind="violence")
    return item, flag


def _posts(case: Case, item: PlanItem, flag: RiskFlag) -> list[tuple[str, dict[str, str]]]:
    """Every write of the case screens, with a valid body."""
    return [
        (f"cases/{case.pk}/stage/", {"stage-to_stage": "individual", "stage-reason": "面談開始"}),
        (f"cases/{case.pk}/plan/", {"plan-what": "家族面談"}),
        (f"cases/{case.pk}/plan/{item.pk}/review/", {f"review-{item.pk}-note": "継続"}),
        (f"cases/{case.pk}/risks/", {"risk-kind": "self_neglect"}),
        (f"cases/{case.pk}/risks/{flag.pk}/clear/", {f"clear-{flag.pk}-note": "落ち着いた"}),
        (
            f"cases/{case.pk}/close/",
            {"close-reason": "employment", "close-closed_on": "2026-03-31"},
        ),
        (f"cases/{case.pk}/edit/", {"goal": "働きたい", "referral_source": "family"}),
        (f"cases/{case.pk}/assign/", {"primary": "1"}),
        ("cases/new/", {"new_person": "on", "opened_on": "2026-04-01", "referral_source": "self"}),
    ]


def _gets(case: Case) -> list[str]:
    return [
        "cases/",
        "cases/?stage=all&mine=1&risk=1",
        f"cases/{case.pk}/",
        f"cases/{case.pk}/?kind=stage",
        f"cases/{case.pk}/edit/",
        f"cases/{case.pk}/assign/",
        "cases/new/",
    ]


def _counts() -> tuple[int, int, int, int]:
    with scopes_disabled():
        return (
            Case.objects.count(),
            PlanItem.objects.count(),
            RiskFlag.objects.filter(cleared_at__isnull=True).count(),
            Person.objects.count(),
        )


@pytest.mark.parametrize("role", NEVER_PERSONS)
def test_roles_without_person_data_are_refused_on_every_case_screen(
    personas: Personas, case: Case, role: str
) -> None:
    item, flag = _item_and_flag(personas, case)
    client = personas.client(role)
    before = _counts()
    for page in _gets(case):
        assert client.get(personas.url(page)).status_code == 403, page
    for page, data in _posts(case, item, flag):
        assert client.post(personas.url(page), data).status_code == 403, page
    assert _counts() == before


@pytest.mark.parametrize("role", ["professional", "partner"])
def test_viewing_roles_may_not_change_a_case(personas: Personas, case: Case, role: str) -> None:
    item, flag = _item_and_flag(personas, case)
    client = personas.client(role)
    assert client.get(personas.url("cases/")).status_code == 200
    before = _counts()
    for page, data in _posts(case, item, flag):
        # A role that may not change cases is refused as such (403).
        assert client.post(personas.url(page), data).status_code == 403, page
    assert _counts() == before


@pytest.mark.parametrize("role", ["lead", "counselor", "professional", "partner"])
def test_another_municipalitys_cases_answer_404_on_every_screen(
    personas: Personas, role: str
) -> None:
    foreign = make_case(
        make_person(personas.outsider, name="三好"), primary=personas.outsiders["lead"]
    )
    item, flag = _item_and_flag_outside(personas, foreign)
    client = personas.client(role)
    for page in _gets(foreign):
        assert client.get(personas.url(page, outsider=True)).status_code == 404, page
    for page, data in _posts(foreign, item, flag):
        assert client.post(personas.url(page, outsider=True), data).status_code == 404, page
    # The foreign id under our own code is simply not there.
    assert client.get(personas.url(f"cases/{foreign.pk}/")).status_code == 404


def _item_and_flag_outside(personas: Personas, case: Case) -> tuple[PlanItem, RiskFlag]:
    with scope(municipality=personas.outsider):
        item = services.plan_item_add(actor=None, case=case, what="面談")
        flag = services.risk_raise(actor=None, case=case, kind="violence")
    return item, flag


def test_a_counselor_not_assigned_to_an_unshared_case_gets_404_everywhere(
    personas: Personas, private_case: Case
) -> None:
    item, flag = _item_and_flag(personas, private_case)
    client = personas.client("counselor")
    for page in _gets(private_case)[2:5]:
        assert client.get(personas.url(page)).status_code == 404, page
    before = _counts()
    for page, data in _posts(private_case, item, flag)[:7]:
        assert client.post(personas.url(page), data).status_code == 404, page
    assert _counts() == before
    assert "秘匿" not in client.get(personas.url("cases/?stage=all")).content.decode()
    assert personas.client("lead").get(personas.url(f"cases/{private_case.pk}/")).status_code == 200


def test_only_a_lead_assigns_staff(personas: Personas, case: Case) -> None:
    assert (
        personas.client("counselor").get(personas.url(f"cases/{case.pk}/assign/")).status_code
        == 403
    )
    lead, counselor = personas.members["lead"], personas.members["counselor"]
    response = personas.client("lead").post(
        personas.url(f"cases/{case.pk}/assign/"),
        {"primary": lead.pk, "others": [counselor.pk]},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        assigned = {a.membership_id: a.is_primary for a in CaseAssignment.objects.filter(case=case)}
    assert assigned == {lead.pk: True, counselor.pk: False}
    # A visiting professional is no assignee: they see a case by a consultation-day booking.
    refused = personas.client("lead").post(
        personas.url(f"cases/{case.pk}/assign/"),
        {"primary": lead.pk, "others": [personas.members["professional"].pk]},
    )
    assert refused.status_code == 200 and 'id="id_others_errors"' in refused.content.decode()


def test_a_partner_sees_only_cases_of_persons_who_consented(personas: Personas, case: Case) -> None:
    other = make_case(
        make_person(personas.municipality, name="佐藤"), primary=personas.members["counselor"]
    )
    partner = personas.members["partner"]
    assert partner.organization is not None
    with scope(municipality=personas.municipality):
        consent_record(
            actor=None,
            person=case.person,
            organizations=[partner.organization],
            purposes="就労支援",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            form="written",
        )
    client = personas.client("partner")
    assert client.get(personas.url(f"cases/{case.pk}/")).status_code == 200
    assert client.get(personas.url(f"cases/{other.pk}/")).status_code == 404
    page = client.get(personas.url("cases/")).content.decode()
    assert "山田太郎" in page and "佐藤" not in page


def test_the_list_filters_by_stage_mine_and_open_risk(personas: Personas, case: Case) -> None:
    lead = personas.members["lead"]
    other = make_case(make_person(personas.municipality, name="佐藤"), primary=lead)
    with scope(municipality=personas.municipality):
        services.case_change_stage(actor=lead, case=other, to_stage="group", reason="x")
        services.risk_raise(actor=lead, case=case, kind="violence")
    client = personas.client("lead")

    def shown(query: str) -> set[str]:
        page = client.get(personas.url("cases/") + query).content.decode()
        return {name for name in ("山田太郎", "佐藤") if name in page}

    assert shown("") == {"山田太郎", "佐藤"}
    assert shown("?stage=group") == {"佐藤"}
    assert shown("?mine=1") == {"佐藤"}
    assert shown("?risk=1") == {"山田太郎"}


def test_closed_cases_leave_the_default_list(personas: Personas, case: Case) -> None:
    with scope(municipality=personas.municipality):
        services.case_close(actor=None, case=case, reason="wish", closed_on=date(2026, 1, 5))
    client = personas.client("counselor")
    assert "山田太郎" not in client.get(personas.url("cases/")).content.decode()
    assert "山田太郎" in client.get(personas.url("cases/?stage=closed")).content.decode()


def test_the_case_list_takes_the_same_number_of_queries_for_5_or_30_cases(
    personas: Personas,
) -> None:
    counselor, lead = personas.members["counselor"], personas.members["lead"]
    client = personas.client("counselor")
    client.get(personas.url("cases/"))
    counts = []
    for total in (5, 30):
        while _counts()[0] < total:
            case = make_case(
                make_person(personas.municipality, name="山田"), primary=counselor, others=[lead]
            )
            with scope(municipality=personas.municipality):
                services.risk_raise(actor=None, case=case, kind="violence")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(personas.url("cases/?stage=all")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_case_page_takes_the_same_number_of_queries_however_long_its_history(
    personas: Personas, case: Case
) -> None:
    client = personas.client("counselor")
    client.get(personas.url(f"cases/{case.pk}/"))
    counts = []
    for extra in (1, 10):
        with scope(municipality=personas.municipality):
            for _ in range(extra):
                services.plan_item_add(actor=None, case=case, what="x")
                services.risk_raise(actor=None, case=case, kind="violence")
            make_consultation(personas.municipality, person=case.person, case=case)
        with CaptureQueriesContext(connection) as queries:
            client.get(personas.url(f"cases/{case.pk}/"))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_list_and_case_page_are_written_to_the_access_log(personas: Personas, case: Case) -> None:
    client = personas.client("counselor")
    client.get(personas.url("cases/"))
    client.get(personas.url(f"cases/{case.pk}/"))
    with scopes_disabled():
        listed, viewed = list(AccessLogEntry.objects.order_by("seq"))[-2:]
    assert listed.action == "list"
    # Each row names its person: both are recorded.
    assert listed.objects_seen == [
        {"type": "case", "id": case.pk, "basis": "assignment"},
        {"type": "person", "id": case.person_id, "basis": "assignment"},
    ]
    assert viewed.action == "view"
    assert {"type": "case", "id": case.pk, "basis": "assignment"} in viewed.objects_seen
    assert {"type": "person", "id": case.person_id, "basis": "assignment"} in viewed.objects_seen


def test_a_counselor_opens_a_case_for_a_known_person(personas: Personas) -> None:
    person = make_person(personas.municipality, name="佐藤")
    response = personas.client("counselor").post(
        personas.url(f"cases/new/?person={person.pk}"),
        {"opened_on": "2026-04-01", "referral_source": "welfare_volunteer", "goal": "話したい"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        case = Case.objects.get()
        primary = case.assignments.get(is_primary=True).membership
    assert case.person == person and case.referral_source == "welfare_volunteer"
    assert primary == personas.members["counselor"]
    assert response["Location"] == personas.url(f"cases/{case.pk}/")


def test_a_case_is_opened_for_a_family_before_the_person_is_met(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("cases/new/"),
        {
            "new_person": "on",
            "family_relation": "mother",
            "family_name": "山田花子",
            "family_phone": "0562-00-0000",
            "opened_on": "2026-04-01",
            "referral_source": "family",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        case = Case.objects.get()
        mother = FamilyMember.objects.get()
        assert list(case.family_members.all()) == [mother]
    assert case.person.name == "" and mother.consults_on_behalf
    page = personas.client("counselor").get(response["Location"]).content.decode()
    assert "山田花子" in page


def test_opening_a_case_needs_a_person_number_or_an_unknown_person(personas: Personas) -> None:
    make_person(personas.municipality, name="佐藤")
    client = personas.client("counselor")
    data = {"opened_on": "2026-04-01", "referral_source": "family", "goal": "話したい"}
    response = client.post(personas.url("cases/new/"), data)
    assert response.status_code == 200 and "話したい" in response.content.decode()
    response = client.post(personas.url("cases/new/"), {**data, "person_number": "99"})
    assert response.status_code == 200
    response = client.post(personas.url("cases/new/"), {**data, "person_number": "1"})
    assert response.status_code == 302
    assert _counts()[0] == 1


def test_the_case_page_shows_the_header_and_the_step_bar(personas: Personas, case: Case) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        services.case_change_stage(actor=lead, case=case, to_stage="group", reason="居場所へ")
        services.risk_raise(actor=lead, case=case, kind="suicidal_ideation")
    page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert f"No.{case.person.number}" in page and "沓掛" in page
    assert 'aria-current="step" data-stage="group"' in page
    assert page.count('aria-current="step"') == 1
    assert 'data-username="toyoake-counselor"' in page
    assert 'id="open-risks"' in page and 'data-risk="suicidal_ideation"' in page
    assert "外に出たい" in page


def test_an_unnamed_person_shows_as_unidentified(personas: Personas, case: Case) -> None:
    unnamed = make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    client = personas.client("counselor")
    assert (
        'id="person-unidentified"'
        in client.get(personas.url(f"cases/{unnamed.pk}/")).content.decode()
    )
    assert (
        'id="person-unidentified"'
        not in client.get(personas.url(f"cases/{case.pk}/")).content.decode()
    )


def test_the_timeline_holds_everything_newest_first_and_filters_by_kind(
    personas: Personas, case: Case
) -> None:
    counselor = personas.members["counselor"]
    uncased = make_consultation(
        personas.municipality, person=case.person, staff=counselor, summary="家族から電話"
    )
    cased = make_consultation(
        personas.municipality, person=case.person, case=case, summary="面談した"
    )
    stranger = make_consultation(
        personas.municipality, person=make_person(personas.municipality), summary="他人の話"
    )
    with scope(municipality=personas.municipality):
        item = services.plan_item_add(actor=None, case=case, what="週1回面談")
        services.plan_item_review(actor=None, item=item, note="継続する")
        flag = services.risk_raise(actor=None, case=case, kind="violence")
        services.risk_clear(actor=None, flag=flag, note="解消")
    client = personas.client("counselor")
    page = client.get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert "家族から電話" in page and "面談した" in page and "他人の話" not in page
    assert "継続する" in page and "解消" in page
    kinds = [chunk.split('"')[0] for chunk in page.split('data-kind="')[1:]]
    assert set(kinds) == {"consultation", "stage", "review", "risk"}
    assert kinds[:2] == ["risk", "risk"]  # cleared after raised; both after the consultations
    only_stages = client.get(personas.url(f"cases/{case.pk}/?kind=stage")).content.decode()
    assert "家族から電話" not in only_stages and 'data-kind="stage"' in only_stages
    assert uncased.pk and cased.pk and stranger.pk


def test_a_counselor_moves_a_case_through_its_actions(personas: Personas, case: Case) -> None:
    client = personas.client("counselor")
    url = personas.url(f"cases/{case.pk}/")

    def post(path: str, data: dict[str, str]) -> None:
        response = client.post(url + path, data)
        assert response.status_code == 302, response.content.decode()[:500]

    post("stage/", {"stage-to_stage": "individual", "stage-reason": "面談開始"})
    post("plan/", {"plan-what": "家族面談", "plan-review_on": "2026-05-01"})
    with scope(municipality=personas.municipality):
        item = PlanItem.objects.get()
    post(
        f"plan/{item.pk}/review/",
        {f"review-{item.pk}-note": "達成", f"review-{item.pk}-done": "on"},
    )
    post("risks/", {"risk-kind": "family_crisis", "risk-detail": "父の入院"})
    with scope(municipality=personas.municipality):
        flag = RiskFlag.objects.get()
    post(f"risks/{flag.pk}/clear/", {f"clear-{flag.pk}-note": "落ち着いた"})
    post("close/", {"close-reason": "schooling", "close-closed_on": "2026-06-30"})
    case.refresh_from_db()
    assert (case.stage, case.closure_reason) == ("closed", "schooling")
    post("reopen/", {"reopen-stage": "individual", "reopen-reason": "再相談"})
    case.refresh_from_db()
    item.refresh_from_db()
    flag.refresh_from_db()
    assert case.stage == "individual" and item.done_on and flag.cleared_at


def test_a_refused_action_shows_the_page_again_with_what_was_typed(
    personas: Personas, case: Case
) -> None:
    response = personas.client("counselor").post(
        personas.url(f"cases/{case.pk}/stage/"),
        {"stage-to_stage": "encounter", "stage-reason": "同じ段階の理由"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "同じ段階の理由" in page and "invalid-feedback" in page
    case.refresh_from_db()
    assert case.stage == "encounter"


def test_the_action_urls_refuse_get(personas: Personas, case: Case) -> None:
    assert (
        personas.client("counselor").get(personas.url(f"cases/{case.pk}/stage/")).status_code == 405
    )


def test_a_counselor_edits_the_goal_and_family_but_not_the_sharing(
    personas: Personas, case: Case
) -> None:
    from tsunagu.people.services import family_member_create

    with scope(municipality=personas.municipality):
        mother = family_member_create(
            actor=None, person=case.person, relation="mother", name="花子"
        )
    response = personas.client("counselor").post(
        personas.url(f"cases/{case.pk}/edit/"),
        {"goal": "働きたい", "referral_source": "school", "family_members": [mother.pk]},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.goal == "働きたい" and case.referral_source == "school" and case.is_shared
    with scope(municipality=personas.municipality):
        assert list(case.family_members.all()) == [mother]
    personas.client("lead").post(
        personas.url(f"cases/{case.pk}/edit/"), {"goal": "働きたい", "referral_source": "school"}
    )
    case.refresh_from_db()
    assert not case.is_shared


def _steps(page: str) -> dict[str, str]:
    return dict(re.findall(r'data-stage="(\w+)" data-state="(\w+)"', page))


def test_a_closed_case_shows_the_stage_it_ended_in_not_every_stage_done(
    personas: Personas, case: Case
) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        services.case_change_stage(actor=lead, case=case, to_stage="individual", reason="面談へ")
        services.case_close(actor=lead, case=case, reason="moved_away", closed_on=date(2026, 5, 1))
    page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert _steps(page) == {
        "encounter": "done",
        "individual": "ended",
        "group": "todo",
        "trial": "todo",
        "participation": "todo",
    }
    assert "この段階で終結" in page and page.count('aria-current="step"') == 1


def test_a_case_closed_at_its_first_stage_reached_nothing_further(
    personas: Personas, case: Case
) -> None:
    with scope(municipality=personas.municipality):
        services.case_close(
            actor=personas.members["lead"],
            case=case,
            reason="moved_away",
            closed_on=date(2026, 5, 1),
        )
    page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/")).content.decode()
    steps = _steps(page)
    assert steps["encounter"] == "ended"
    assert all(state == "todo" for code, state in steps.items() if code != "encounter")


def test_the_case_list_labels_the_primary_assignee_in_words(personas: Personas, case: Case) -> None:
    page = personas.client("counselor").get(personas.url("cases/")).content.decode()
    assert "data-primary>主担当</span>" in page
    assert "</span>*" not in page  # no bare asterisk left to explain
