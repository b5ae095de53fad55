"""From the supporter course to the registry, and supporter meetings and follow-up trainings
(programmes of the kinds held for supporters)."""

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.programmes import services as programmes
from tsunagu.programmes.models import Programme
from tsunagu.supporters import services
from tsunagu.supporters.models import MeetingAttendance, Supporter


def url(personas: Personas, path: str) -> str:
    return personas.url(f"supporters/{path}")


@pytest.fixture
def course(personas: Personas) -> dict[str, Any]:
    """総社市-style 5-session course in short: two sessions, both needed to complete."""
    lead = personas.members["lead"]
    today = date.today()
    with scope(municipality=personas.municipality):
        programme = programmes.programme_create(
            actor=lead,
            municipality_id=personas.municipality.pk,
            name="サポーター養成講座",
            kind="supporter_course",
            min_sessions_to_complete=2,
            meetings=[
                programmes.MeetingIn(today - timedelta(days=14), time(14), time(16)),
                programmes.MeetingIn(today - timedelta(days=7), time(14), time(16)),
            ],
        )
        meetings = list(programme.meetings.all())
        done = programmes.enrolment_create(actor=lead, programme=programme, name="市民 花子")
        halfway = programmes.enrolment_create(actor=lead, programme=programme, name="途中 次郎")
        for meeting in meetings:
            programmes.programme_attendance_record(actor=lead, enrolment=done, meeting=meeting)
        programmes.programme_attendance_record(actor=lead, enrolment=halfway, meeting=meetings[0])
    return {"programme": programme, "done": done, "halfway": halfway}


def test_a_course_graduate_is_offered_for_the_registry_prefilled(
    personas: Personas, course: dict[str, Any]
) -> None:
    lead = personas.client("lead")
    listing = lead.get(url(personas, "")).content.decode()
    assert "市民 花子" in listing and f"?course={course['done'].pk}" in listing
    assert "途中 次郎" not in listing  # one session of two: not completed
    form = lead.get(url(personas, f"new/?course={course['done'].pk}")).content.decode()
    assert 'value="市民 花子"' in form
    assert "サポーター養成講座" in form  # the training history it brings
    response = lead.post(
        url(personas, "new/"),
        {
            "course": course["done"].pk,
            "name": "市民 花子",
            "background": "resident",
            "gender": "female",
            "areas": "北部",
            "max_active": 1,
            "status": "paused",
            "day2_start": "10:00",
            "day2_end": "12:00",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        registered = Supporter.objects.get(name="市民 花子")
        assert registered.course_id == course["done"].pk
    # Registered: no longer offered; the record shows where the training came from.
    assert "?course=" not in lead.get(url(personas, "")).content.decode()
    page = lead.get(url(personas, f"{registered.pk}/edit/")).content.decode()
    assert 'id="training-history"' in page and "サポーター養成講座" in page


def test_only_a_completed_course_of_this_municipality_registers(
    personas: Personas, course: dict[str, Any]
) -> None:
    lead = personas.client("lead")
    assert lead.get(url(personas, f"new/?course={course['halfway'].pk}")).status_code == 404
    for junk in ("x", "٣", "9" * 30):
        assert lead.get(url(personas, f"new/?course={junk}")).status_code == 404
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(url(personas, f"new/?course={course['done'].pk}")).status_code == 404
    with scope(municipality=personas.municipality), pytest.raises(ValidationError) as refused:
        services.supporter_save(
            actor=personas.members["lead"],
            name="途中 次郎",
            background="resident",
            areas=["北部"],
            availability=[],
            course=course["halfway"],
        )
    assert "course" in refused.value.message_dict


def test_the_lead_adds_a_meeting_and_the_supporter_sees_it_coming(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
    lead = personas.client("lead")
    coming = date.today() + timedelta(days=10)
    response = lead.post(
        url(personas, "meetings/"),
        {
            "kind": "supporter_meeting",
            "name": "定例ミーティング",
            "day": coming.isoformat(),
            "start": "18:00",
            "end": "19:30",
            "title": "事例の振り返り",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        programme = Programme.objects.get(name="定例ミーティング")
        assert programme.kind == "supporter_meeting"
        # A lecture for the public is not the supporters' business.
        programmes.programme_create(
            actor=personas.members["lead"],
            municipality_id=personas.municipality.pk,
            name="市民講演会",
            kind="lecture",
            meetings=[programmes.MeetingIn(coming, time(13), time(15))],
        )
    mine = personas.client("supporter").get(url(personas, "mine/")).content.decode()
    assert "定例ミーティング" in mine and "事例の振り返り" in mine
    assert "市民講演会" not in mine


def test_a_meeting_ending_before_it_starts_is_refused(personas: Personas) -> None:
    response = personas.client("lead").post(
        url(personas, "meetings/"),
        {
            "kind": "supporter_training",
            "name": "フォローアップ研修",
            "day": date.today().isoformat(),
            "start": "15:00",
            "end": "14:00",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    with scope(municipality=personas.municipality):
        assert not Programme.objects.filter(name="フォローアップ研修").exists()


def test_the_lead_records_who_came_and_it_joins_the_training_history(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
    with scope(municipality=personas.municipality):
        meeting = services.supporter_meeting_add(
            actor=personas.members["lead"],
            kind="supporter_training",
            name="フォローアップ研修",
            day=date.today() - timedelta(days=1),
            start=time(10),
            end=time(12),
        )
    lead = personas.client("lead")
    attendance = url(personas, f"meetings/{meeting.pk}/attendance/")
    assert lead.post(attendance, {"present": [supporters["peer"].pk]}).status_code == 302
    with scope(municipality=personas.municipality):
        assert list(MeetingAttendance.objects.values_list("supporter_id", flat=True)) == [
            supporters["peer"].pk
        ]
    page = lead.get(url(personas, f"{supporters['peer'].pk}/edit/")).content.decode()
    assert "フォローアップ研修" in page
    # Saving again with nobody ticked removes them.
    lead.post(attendance, {})
    with scope(municipality=personas.municipality):
        assert not MeetingAttendance.objects.exists()


def test_meetings_are_the_leads_and_404_to_others_outside(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
    with scope(municipality=personas.municipality):
        meeting = services.supporter_meeting_add(
            actor=personas.members["lead"],
            kind="supporter_meeting",
            name="定例ミーティング",
            day=date.today(),
            start=time(18),
            end=time(19),
        )
    attendance = url(personas, f"meetings/{meeting.pk}/attendance/")
    assert personas.client("counselor").get(url(personas, "meetings/")).status_code == 403
    assert personas.client("supporter").get(url(personas, "meetings/")).status_code == 404
    assert personas.client("supporter").post(attendance, {}).status_code == 404
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(url(personas, "meetings/")).status_code == 404
    assert outsider.post(attendance, {}).status_code == 404
    # A programme session that is not a supporters' meeting is not found here.
    with scope(municipality=personas.municipality):
        lecture = programmes.programme_create(
            actor=personas.members["lead"],
            municipality_id=personas.municipality.pk,
            name="市民講演会",
            kind="lecture",
            meetings=[programmes.MeetingIn(date.today(), time(13), time(15))],
        )
        other = lecture.meetings.get()
    lead = personas.client("lead")
    assert lead.post(url(personas, f"meetings/{other.pk}/attendance/"), {}).status_code == 404
