from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope

from tsunagu.cases.policy import case_basis, seen_cases, visible_cases, visible_persons
from tsunagu.cases.services import case_open
from tsunagu.network import services
from tsunagu.network.models import SupportMeeting, SupportMeetingMember
from tsunagu.people.services import person_create
from tsunagu.tenancy.codes import Role


@pytest.fixture
def case(personas):
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
def meeting(personas, case):
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


def test_a_partner_sees_the_case_only_after_acknowledging_secrecy(personas, case, meeting):
    partner = personas.members["partner"]
    with scope(municipality=personas.municipality):
        assert not visible_cases(partner).filter(pk=case.pk).exists()
        services.support_meeting_acknowledge(actor=partner, meeting=meeting)
        assert visible_cases(partner).filter(pk=case.pk).exists()
        assert visible_persons(partner).filter(pk=case.person_id).exists()
        assert case_basis(partner, case) == f"meeting:{meeting.pk}"
        assert seen_cases(partner, [case])[0].basis == f"meeting:{meeting.pk}"


def test_sharing_ends_with_the_meeting(personas, case, meeting):
    partner = personas.members["partner"]
    with scope(municipality=personas.municipality):
        services.support_meeting_acknowledge(actor=partner, meeting=meeting)
        SupportMeeting.objects.filter(pk=meeting.pk).update(
            ends_on=timezone.localdate() - timedelta(days=1)
        )
        assert not visible_cases(partner).filter(pk=case.pk).exists()


def test_an_uninvited_member_does_not_see_the_case(personas, case, meeting):
    with scope(municipality=personas.municipality):
        assert not visible_cases(personas.members["professional"]).filter(pk=case.pk).exists()


def test_the_lead_creates_a_meeting_and_lists_cases_and_members(personas, case):
    client = personas.client("lead")
    response = client.post(
        personas.url("meetings/"),
        {"title": "定例 支援会議", "legal_basis": "ssa_9", "held_on": "2026-11-20"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        meeting = SupportMeeting.objects.get(title="定例 支援会議")
    partner = personas.members["partner"]
    response = client.post(
        personas.url(f"meetings/{meeting.pk}/"), {"cases": [case.pk], "members": [partner.pk]}
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        assert list(meeting.cases.all()) == [case]
        assert SupportMeetingMember.objects.get(meeting=meeting).membership == partner


def test_an_invited_partner_acknowledges_through_the_page(personas, case, meeting):
    client = personas.client("partner")
    page = client.get(personas.url(f"meetings/{meeting.pk}/"))
    assert page.status_code == 200
    assert f"meetings/{meeting.pk}/acknowledge/" in page.content.decode()
    assert client.post(personas.url(f"meetings/{meeting.pk}/acknowledge/")).status_code == 302
    with scope(municipality=personas.municipality):
        seat = SupportMeetingMember.objects.get(meeting=meeting)
    assert seat.acknowledged_at is not None


def test_an_uninvited_member_gets_404_for_the_meeting(personas, meeting):
    client = personas.client("professional")
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 404
    assert client.post(personas.url(f"meetings/{meeting.pk}/acknowledge/")).status_code == 404


@pytest.mark.parametrize("role", [Role.COMMITTEE, Role.PLACE_STAFF, Role.SUPPORTER, Role.ADMIN])
def test_roles_without_person_access_get_403(personas, meeting, role):
    client = personas.client(role)
    assert client.get(personas.url("meetings/")).status_code == 403
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 403


def test_only_the_lead_changes_a_meeting(personas, case, meeting):
    response = personas.client("partner").post(
        personas.url(f"meetings/{meeting.pk}/"), {"cases": [], "members": []}
    )
    assert response.status_code == 403
    with scope(municipality=personas.municipality):
        assert meeting.cases.count() == 1


def test_another_municipality_gets_404(personas, meeting):
    client = personas.client("lead", outsider=True)
    assert client.get(personas.url(f"meetings/{meeting.pk}/", outsider=True)).status_code == 404
    assert client.get(personas.url(f"meetings/{meeting.pk}/")).status_code == 404


def test_a_counselor_sees_an_unshared_case_on_the_meetings_basis(personas, case, meeting):
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        services.support_meeting_invite(
            actor=personas.members["lead"], meeting=meeting, members=[counselor]
        )
        services.support_meeting_acknowledge(actor=counselor, meeting=meeting)
        assert visible_cases(counselor).filter(pk=case.pk).exists()
        assert case_basis(counselor, case) == f"meeting:{meeting.pk}"
