"""A case of 豊明市 with a row of every kind its history covers, and one of 三好市."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases import services as cases
from tsunagu.cases.models import Case, PlanItem, RiskFlag
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.people.models import Person
from tsunagu.people.services import person_create

TOKYO = ZoneInfo("Asia/Tokyo")
GOAL = "朝に散歩できるようになりたい"
RISK_DETAIL = "夜間に家族と口論が続いている"


def at(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def second_factor_passed(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about audit screens, not MFA: treat the personas as past their check."""
    monkeypatch.setattr(
        "tsunagu.accounts.middleware.is_mfa_exempt", lambda user: True, raising=False
    )


@dataclass
class Casework:
    person: Person
    case: Case
    plan_item: PlanItem
    flag: RiskFlag
    consultation: Consultation
    other_case: Case
    foreign_case: Case
    foreign_person: Person


@pytest.fixture
def casework(personas: Personas) -> Casework:
    lead = personas.members["lead"]
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        person = person_create(actor=lead, municipality=personas.municipality, name="架空 花子")
        case = cases.case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=counselor,
            goal=GOAL,
        )
        cases.case_change_stage(actor=lead, case=case, to_stage="individual", reason="面談が続く")
        item = cases.plan_item_add(actor=lead, case=case, what="週1回の訪問")
        cases.plan_item_review(actor=lead, item=item, note="順調", next_review_on=date(2026, 6, 1))
        flag = cases.risk_raise(actor=lead, case=case, kind="family_crisis", detail=RISK_DETAIL)
        consultation = consultation_record(
            actor=counselor,
            municipality=personas.municipality,
            occurred_at=at(2026, 4, 2),
            channel="phone",
            consulter="family",
            consulter_relation="mother",
            summary="母から電話",
            case=case,
        )
        other_person = person_create(actor=lead, municipality=personas.municipality)
        other_case = cases.case_open(
            actor=lead, person=other_person, opened_on=date(2026, 4, 1), referral_source="self"
        )
    with scope(municipality=personas.outsider):
        foreign_person = person_create(actor=None, municipality=personas.outsider)
        foreign_case = cases.case_open(
            actor=None, person=foreign_person, opened_on=date(2026, 4, 1), referral_source="self"
        )
    return Casework(
        person, case, item, flag, consultation, other_case, foreign_case, foreign_person
    )
