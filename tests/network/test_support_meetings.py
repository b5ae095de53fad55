from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases.models import Case
from tsunagu.cases.services import case_open
from tsunagu.network import services
from tsunagu.network.models import SupportMeeting, SupportMeetingMember
from tsunagu.people.models import Person
from tsunagu.people.services import person_create
from tsunagu.policy import bases_of, visible
from tsunagu.tenancy.codes import Role


@pytest.fixture
def case(personas: Personas) -> Case:
    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="架空 太郎")
        return case_open(
            actor=personas.members["lead"],
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=personas.members["lead"],
            is_shared=False,
        )


@pytest.fixture
def meeting(personas: Personas, case: Case) -> SupportMeeting:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        meeting = services.support_meeting_create(
            actor=lead,
            title="第3回 支援会議",
            legal_basis="swa_106_6",
            held_on=timezone.localdate() - timedelta(days=1),
        )
        services.support_meeting_set_cases(actor=lead, meeting=meeting, cases=[case])
        services.support_meeting_invite(
            actor=lead, meeting=meeting, members=[personas.members["partner"]]
        )
    return meeting


def test_a_partner_sees_the_case_only_after_acknowledging_secrecy(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    partner = personas.members["partner"]
    with scope(municipality=personas.municipality):
        assert not visible(partner, Case).filter(pk=case.pk).exists()
        services.support_meeting_acknowledge(actor=partner, meeting=meeting)
        assert visible(partner, Case).filter(pk=case.pk).exists()
        assert visible(partner, Person).filter(pk=case.person_id).exists()
        assert bases_of(partner, Case, [case.pk])[case.pk] == f"meeting:{meeting.pk}"


def test_sharing_ends_with_the_meeting(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    partner = personas.members["partner"]
    with scope(municipality=personas.municipality):
        services.support_meeting_acknowledge(actor=partner, meeting=meeting)
        SupportMeeting.objects.filter(pk=meeting.pk).update(
            ends_on=timezone.localdate() - timedelta(days=1)
        )
        assert not visible(partner, Case).filter(pk=case.pk).exists()


def test_an_uninvited_member_does_not_see_the_case(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    with scope(municipality=personas.municipality):
        assert not visible(personas.members["professional"], Case).filter(pk=case.pk).exists()


def test_the_lead_creates_a_meeting_and_lists_cases_and_members(
    personas: Personas, case: Case
) -> None:
    client = personas.client("lead")
    response = client.post(
        personas.url("meetings/"),
        {"title": "定例 支援会議", "legal_basis": "ssa_9", "held_on": "2026-11-20"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        meeting = SupportMeeting.objects.get()  # the title is encrypted: read, not filtered on
    assert meeting.title == "定例 支援会議"
    partner = personas.members["partner"]
    response = client.post(
        personas.url(f"meetings/{meeting.pk}/"), {"cases": [case.pk], "members": [partner.pk]}
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        assert list(meeting.cases.all()) == [case]
        assert SupportMeetingMember.objects.get(meeting=meeting).membership == partner


def test_an_invited_partner_acknowledges_through_the_page(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    client = personas.client("partner")
    page = client.get(personas.url(f"meetings/{meeting.pk}/"))
    assert page.status_code == 200
    assert f"meetings/{meeting.pk}/acknowledge/" in page.content.decode()
    assert client.post(personas.url(f"meetings/{meeting.pk}/acknowledge/")).status_code == 302
    with scope(municipality=personas.municipality):
        seat = SupportMeetingMember.objects.get(meeting=meeting)
    assert seat.acknowledged_at is not None


def test_an_uninvited_member_gets_404_for_the_meeting(
    personas: Personas, meeting: SupportMeeting
) -> None:
    client = personas.client("professional")
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 404
    assert client.post(personas.url(f"meetings/{meeting.pk}/acknowledge/")).status_code == 404


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.PLACE_STAFF, Role.ADMIN])
def test_roles_without_person_access_get_403(
    personas: Personas, meeting: SupportMeeting, role: Role
) -> None:
    client = personas.client(role)
    expected = 404 if role == Role.SUPPORTER else 403  # a supporter meets only 404 (contract)
    assert client.get(personas.url("meetings/")).status_code == expected
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == expected


def test_a_supporter_confined_to_their_dispatches_gets_404(
    personas: Personas, meeting: SupportMeeting
) -> None:
    client = personas.client(Role.SUPPORTER)
    assert client.get(personas.url("meetings/")).status_code == 404
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 404


def test_only_the_lead_changes_a_meeting(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    response = personas.client("partner").post(
        personas.url(f"meetings/{meeting.pk}/"), {"cases": [], "members": []}
    )
    assert response.status_code == 403
    with scope(municipality=personas.municipality):
        assert meeting.cases.count() == 1


def test_another_municipality_gets_404(personas: Personas, meeting: SupportMeeting) -> None:
    client = personas.client("lead", outsider=True)
    assert client.get(personas.url(f"meetings/{meeting.pk}/", outsider=True)).status_code == 404
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 404


def test_a_counselor_sees_an_unshared_case_on_the_meetings_basis(
    personas: Personas, case: Case, meeting: SupportMeeting
) -> None:
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        services.support_meeting_invite(
            actor=personas.members["lead"], meeting=meeting, members=[counselor]
        )
        services.support_meeting_acknowledge(actor=counselor, meeting=meeting)
        assert visible(counselor, Case).filter(pk=case.pk).exists()
        assert bases_of(counselor, Case, [case.pk])[case.pk] == f"meeting:{meeting.pk}"
