"""The database itself refuses rows that break the rules of the data, whatever code writes them."""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case, CaseAssignment, RiskFlag
from tsunagu.network.models import SupportMeeting, SupportMeetingMember
from tsunagu.people.models import Consent, Person


def _refused(queryset: QuerySet[Any], **values: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(**values)


@pytest.fixture
def case(personas: Personas) -> Case:
    return make_case(make_person(personas.municipality), primary=personas.members["counselor"])


def test_a_case_cannot_close_before_it_opened(personas: Personas, case: Case) -> None:
    with scope(municipality=personas.municipality):
        rows = Case.objects.filter(pk=case.pk)
        _refused(rows, stage="closed", closure_reason="employment", closed_on=date(2025, 3, 31))
        rows.update(stage="closed", closure_reason="employment", closed_on=date(2025, 4, 1))


def test_a_closed_case_has_a_date_and_a_reason_and_an_open_one_neither(
    personas: Personas, case: Case
) -> None:
    with scope(municipality=personas.municipality):
        rows = Case.objects.filter(pk=case.pk)
        _refused(rows, stage="closed", closure_reason="employment")
        _refused(rows, stage="closed", closed_on=date(2025, 5, 1))
        _refused(rows, closed_on=date(2025, 5, 1))


def test_the_close_service_names_the_date_instead_of_failing(
    personas: Personas, case: Case
) -> None:
    from django.core.exceptions import ValidationError

    with scope(municipality=personas.municipality), pytest.raises(ValidationError) as exc:
        case_services.case_close(
            actor=None, case=case, reason="employment", closed_on=date(2025, 3, 1)
        )
    assert "closed_on" in exc.value.message_dict


def test_a_case_has_one_primary_assignment(personas: Personas, case: Case) -> None:
    with scope(municipality=personas.municipality):
        other = CaseAssignment.objects.create(
            municipality=personas.municipality,
            case=case,
            membership=personas.members["lead"],
            is_primary=False,
        )
        _refused(CaseAssignment.objects.filter(pk=other.pk), is_primary=True)


def test_the_primary_can_move_to_an_already_assigned_member(personas: Personas, case: Case) -> None:
    counselor, lead = personas.members["counselor"], personas.members["lead"]
    with scope(municipality=personas.municipality):
        case_services.case_assign(actor=None, case=case, primary=counselor, others=[lead])
        case_services.case_assign(actor=None, case=case, primary=lead, others=[counselor])
        primaries = list(
            CaseAssignment.objects.filter(case=case, is_primary=True).values_list(
                "membership", flat=True
            )
        )
    assert primaries == [lead.pk]


def test_a_risk_cannot_be_cleared_before_it_was_raised(personas: Personas, case: Case) -> None:
    now = timezone.now()
    with scope(municipality=personas.municipality):
        flag = RiskFlag.objects.create(
            municipality=personas.municipality, case=case, kind="violence", raised_at=now
        )
        _refused(RiskFlag.objects.filter(pk=flag.pk), cleared_at=now - timedelta(minutes=1))


def test_a_consent_cannot_end_before_it_starts(personas: Personas) -> None:
    person = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        consent = Consent.objects.create(
            municipality=personas.municipality,
            person=person,
            valid_from=date(2025, 4, 1),
            form="written",
        )
        _refused(Consent.objects.filter(pk=consent.pk), valid_until=date(2025, 3, 31))


def test_a_withdrawal_month_is_between_1_and_12(personas: Personas) -> None:
    person = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        _refused(Person.objects.filter(pk=person.pk), withdrawal_since_month=13)
        _refused(Person.objects.filter(pk=person.pk), withdrawal_since_month=0)


def test_support_meeting_sharing_cannot_end_before_the_meeting(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        meeting = SupportMeeting.objects.create(
            municipality=personas.municipality,
            title="会議",
            legal_basis="swa_106_6",
            held_on=date(2025, 6, 1),
        )
        _refused(SupportMeeting.objects.filter(pk=meeting.pk), ends_on=date(2025, 5, 31))


def test_a_support_meeting_member_is_listed_once(personas: Personas) -> None:
    with scopes_disabled():
        meeting = SupportMeeting.objects.create(
            municipality=personas.municipality,
            title="会議",
            legal_basis="swa_106_6",
            held_on=date(2025, 6, 1),
        )
        fields = {
            "municipality": personas.municipality,
            "meeting": meeting,
            "membership": personas.members["partner"],
        }
        SupportMeetingMember.objects.create(**fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            SupportMeetingMember.objects.create(**fields)
