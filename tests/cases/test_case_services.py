from collections.abc import Iterator
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.cases import services
from tsunagu.cases.models import Case, CaseAssignment, StageTransition


@pytest.fixture
def in_scope(personas: Personas) -> Iterator[None]:
    with scope(municipality=personas.municipality):
        yield


def _history(case: Case) -> list[tuple[str, str, str]]:
    return [
        (t.from_stage, t.to_stage, t.reason)
        for t in StageTransition.objects.filter(case=case).order_by("at", "pk")
    ]


def test_opening_a_case_records_the_first_stage_and_the_primary(
    personas: Personas, case: Case, in_scope: None
) -> None:
    assert case.stage == "encounter"
    assert _history(case)[0][:2] == ("", "encounter")
    primary = CaseAssignment.objects.get(case=case, is_primary=True)
    assert primary.membership == personas.members["counselor"]


def test_each_stage_change_is_kept_with_its_reason(
    personas: Personas, case: Case, in_scope: None
) -> None:
    actor = personas.members["counselor"]
    services.case_change_stage(actor=actor, case=case, to_stage="individual", reason="面談開始")
    services.case_change_stage(actor=actor, case=case, to_stage="group", reason="居場所へ")
    assert _history(case)[1:] == [
        ("encounter", "individual", "面談開始"),
        ("individual", "group", "居場所へ"),
    ]
    assert case.stage == "group"


def test_a_stage_change_to_the_same_or_the_closed_stage_is_refused(
    personas: Personas, case: Case, in_scope: None
) -> None:
    actor = personas.members["counselor"]
    with pytest.raises(ValidationError):
        services.case_change_stage(actor=actor, case=case, to_stage="encounter", reason="x")
    with pytest.raises(ValidationError):
        services.case_change_stage(actor=actor, case=case, to_stage="closed", reason="x")


def test_close_and_reopen_keep_the_history(personas: Personas, case: Case, in_scope: None) -> None:
    actor = personas.members["counselor"]
    services.case_close(actor=actor, case=case, reason="employment", closed_on=date(2026, 3, 31))
    assert (case.stage, case.closed_on, case.closure_reason) == (
        "closed",
        date(2026, 3, 31),
        "employment",
    )
    with pytest.raises(ValidationError):
        services.case_change_stage(actor=actor, case=case, to_stage="group", reason="x")
    services.case_reopen(actor=actor, case=case, reason="再相談", stage="individual")
    assert (case.stage, case.closed_on, case.closure_reason) == ("individual", None, "")
    assert [h[:2] for h in _history(case)[1:]] == [
        ("encounter", "closed"),
        ("closed", "individual"),
    ]


def test_closing_needs_a_known_reason(personas: Personas, case: Case, in_scope: None) -> None:
    with pytest.raises(ValidationError):
        services.case_close(actor=None, case=case, reason="bored", closed_on=date(2026, 1, 1))


def test_a_risk_is_open_until_cleared_once(personas: Personas, case: Case, in_scope: None) -> None:
    flag = services.risk_raise(actor=None, case=case, kind="suicidal_ideation", detail="発言")
    assert flag.cleared_at is None
    services.risk_clear(actor=personas.members["lead"], flag=flag, note="受診につながった")
    assert flag.cleared_at is not None and flag.cleared_by == personas.members["lead"]
    with pytest.raises(ValidationError):
        services.risk_clear(actor=None, flag=flag, note="again")


def test_a_plan_review_moves_the_review_date_and_can_finish_the_item(
    personas: Personas, case: Case, in_scope: None
) -> None:
    item = services.plan_item_add(
        actor=None, case=case, what="週1回の面談", review_on=date(2026, 1, 1)
    )
    services.plan_item_review(actor=None, item=item, note="継続", next_review_on=date(2026, 2, 1))
    assert item.review_on == date(2026, 2, 1) and item.done_on is None
    services.plan_item_review(actor=None, item=item, note="達成", done=True)
    assert item.done_on is not None


def test_case_update_changes_goal_sharing_and_family(
    personas: Personas, case: Case, in_scope: None
) -> None:
    from tsunagu.people.services import family_member_create

    mother = family_member_create(actor=None, person=case.person, relation="mother")
    services.case_update(
        actor=None, case=case, goal="働きたい", is_shared=False, family_members=[mother]
    )
    case.refresh_from_db()
    assert case.goal == "働きたい" and not case.is_shared
    assert list(case.family_members.all()) == [mother]
    stranger = family_member_create(
        actor=None, person=make_person(personas.municipality), relation="father"
    )
    with pytest.raises(ValueError):
        services.case_update(actor=None, case=case, family_members=[stranger])


def test_reassigning_replaces_the_staff_with_one_primary(
    personas: Personas, case: Case, in_scope: None
) -> None:
    lead, counselor = personas.members["lead"], personas.members["counselor"]
    services.case_assign(actor=lead, case=case, primary=lead, others=[counselor])
    assignments = {
        a.membership.role: a.is_primary for a in CaseAssignment.objects.filter(case=case)
    }
    assert assignments == {"lead": True, "counselor": False}


def test_staff_of_another_municipality_cannot_be_assigned(
    personas: Personas, case: Case, in_scope: None
) -> None:
    with pytest.raises(ValueError):
        services.case_assign(
            actor=None, case=case, primary=personas.outsiders["counselor"], others=[]
        )
