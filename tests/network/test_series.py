"""Meeting series: the calendar rules of places make the meetings (weekly to quarterly)."""

from datetime import date, time, timedelta

from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.core import schedules
from tsunagu.network import selectors, services
from tsunagu.network.models import Meeting, MeetingAttendance, MeetingSeries, Notification
from tsunagu.network.notifications import daily_sweep
from tsunagu.tenancy.models import Organization

NINE, TEN = time(9, 0), time(10, 0)


def make_series(
    personas: Personas,
    rrule: str,
    starts_on: date,
    *,
    today: date,
    title: str = "打ち合わせ",
    kind: str = "huddle",
) -> MeetingSeries:
    with scope(municipality=personas.municipality):
        return services.series_create(
            actor=personas.members["lead"],
            kind=kind,
            title=title,
            rrule=rrule,
            start=NINE,
            end=TEN,
            starts_on=starts_on,
            today=today,
        )


def held(
    series: MeetingSeries, first: date = date(1900, 1, 1), last: date = date(2999, 1, 1)
) -> list[date]:
    with scopes_disabled():
        rows = Meeting.objects.filter(series=series, held_on__range=(first, last))
        return [m.held_on for m in rows.order_by("held_on")]


def test_a_weekly_huddle_is_held_every_monday_but_the_holiday(personas: Personas) -> None:
    # Mondays of January–February 2027; 1/11 is 成人の日 (the second Monday of January).
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=MO", date(2027, 1, 1), today=date(2027, 1, 1))
    assert held(series, last=date(2027, 2, 28)) == [
        date(2027, 1, 4),
        date(2027, 1, 18),
        date(2027, 1, 25),
        date(2027, 2, 1),
        date(2027, 2, 8),
        date(2027, 2, 15),
        date(2027, 2, 22),
    ]


def test_the_committee_meets_every_other_month_on_the_third_wednesday(personas: Personas) -> None:
    series = make_series(
        personas,
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=3WE",
        date(2026, 4, 1),
        today=date(2027, 3, 1),
        title="ひきこもり支援等検討委員会",
        kind="committee",
    )
    assert held(series, last=date(2027, 3, 31)) == [
        date(2026, 4, 15),
        date(2026, 6, 17),
        date(2026, 8, 19),
        date(2026, 10, 21),
        date(2026, 12, 16),
        date(2027, 2, 17),
    ]
    with translation.override("ja"):
        assert schedules.describe_rule(series.rrule) == "隔月第3水曜"
        assert series.describe().startswith("隔月第3水曜 09:00")


def test_a_quarterly_case_conference_skips_the_monday_holidays(personas: Personas) -> None:
    # The second Monday of October is スポーツの日 and of January 成人の日: no meeting then.
    series = make_series(
        personas,
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=2MO",
        date(2026, 7, 1),
        today=date(2026, 7, 1),
        title="事例検討会",
        kind="case_conference",
    )
    assert held(series, last=date(2027, 6, 30)) == [date(2026, 7, 13)]
    with scope(municipality=personas.municipality):
        services.series_ensure(series, date(2027, 6, 30))
    assert held(series) == [date(2026, 7, 13), date(2027, 4, 12)]


def test_the_japanese_practice_form_says_every_other_month_and_the_last_sunday() -> None:
    assert schedules.to_rrule(schedules.Practice("monthly", nths=((3, 2),), interval=2)) == (
        "FREQ=MONTHLY;INTERVAL=2;BYDAY=3WE"
    )
    assert schedules.to_practice("FREQ=MONTHLY;INTERVAL=3;BYDAY=2MO") == schedules.Practice(
        "monthly", nths=((2, 0),), interval=3
    )
    with translation.override("ja"):
        assert schedules.describe_rule("FREQ=MONTHLY;BYDAY=-1SU") == "毎月最終日曜"
        assert schedules.describe_rule("FREQ=MONTHLY;INTERVAL=3;BYDAY=2MO") == "3か月ごと第2月曜"


def test_changing_the_rule_changes_only_meetings_from_today_on(personas: Personas) -> None:
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=MO", date(2026, 9, 1), today=date(2026, 9, 1))
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        prepared = Meeting.objects.get(series=series, held_on=date(2026, 10, 19))
        prepared.agenda = "来年度の計画"
        prepared.save()
        services.series_update(
            actor=lead,
            series=series,
            kind="huddle",
            title="朝の打ち合わせ",
            rrule="FREQ=WEEKLY;BYDAY=TH",
            start=time(8, 30),
            end=time(9, 0),
            starts_on=series.starts_on,
            today=date(2026, 10, 1),
        )
        past = list(Meeting.objects.filter(series=series, held_on__lt=date(2026, 10, 1)))
        future = list(
            Meeting.objects.filter(
                series=series, held_on__gte=date(2026, 10, 1), cancelled=False
            ).order_by("held_on")
        )
        prepared.refresh_from_db()
    # September stays as held: Mondays, the old title and time (9/21 was 敬老の日).
    assert sorted(m.held_on for m in past) == [
        date(2026, 9, 7),
        date(2026, 9, 14),
        date(2026, 9, 28),
    ]
    assert {(m.title, m.start) for m in past} == {("打ち合わせ", NINE)}
    # From today, Thursdays with the new title and time.
    assert future and all(m.held_on.weekday() == 3 for m in future)
    assert {(m.title, m.start) for m in future} == {("朝の打ち合わせ", time(8, 30))}
    assert future[0].held_on == date(2026, 10, 1)
    # The Monday someone prepared is not silently removed: it is cancelled with the reason.
    assert prepared.cancelled and prepared.change_reason
    assert prepared.agenda == "来年度の計画"


def test_a_cancelled_or_moved_meeting_stays_so_when_the_window_rolls(personas: Personas) -> None:
    today = date(2026, 4, 1)
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=WE", today, today=today)
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        first, second = Meeting.objects.filter(series=series).order_by("held_on")[:2]
        services.meeting_cancel(actor=lead, meeting=first, reason="講師の都合")
        services.meeting_move(
            actor=lead,
            meeting=second,
            date=date(2026, 4, 9),
            start=time(13, 0),
            end=time(14, 0),
            reason="会場の都合",
        )
        services.series_roll(today=today + timedelta(days=200))
        rows: dict[date, Meeting] = {}
        for m in Meeting.objects.filter(series=series):
            assert m.origin_date is not None  # every meeting of a series has its rule's day
            rows[m.origin_date] = m
    assert rows[date(2026, 4, 1)].cancelled
    assert rows[date(2026, 4, 1)].change_reason == "講師の都合"
    assert rows[date(2026, 4, 8)].held_on == date(2026, 4, 9)
    assert max(rows) > today + timedelta(days=190)  # the window moved on


def test_open_action_items_come_back_on_the_next_meeting_of_the_series(personas: Personas) -> None:
    today = date(2026, 5, 1)
    series = make_series(
        personas, "FREQ=MONTHLY;BYDAY=2TU", today, today=today, title="運営会議", kind="operations"
    )
    with scope(municipality=personas.municipality):
        may, june, july = Meeting.objects.filter(series=series).order_by("held_on")[:3]
        item = services.action_item_add(
            actor=personas.members["lead"],
            meeting=may,
            what="会場を予約する",
            owner=personas.members["counselor"],
            due_on=june.held_on,
        )
        assert list(selectors.carried_action_items(june)) == [item]
        assert list(selectors.carried_action_items(july)) == [item]
        services.action_item_done(actor=personas.members["counselor"], item=item)
        assert list(selectors.carried_action_items(july)) == []


def test_a_lead_makes_a_series_on_the_screen_and_the_rule_is_said_back(personas: Personas) -> None:
    lead = personas.client("lead")
    today = timezone.localdate()
    form = {
        "title": "定例会議",
        "kind": "regular",
        "starts_on": today.isoformat(),
        "rule-pattern": "monthly",
        "rule-nth1": "-1",
        "rule-day1": "4",
        "rule-start": "14:00",
        "rule-end": "16:00",
        "rule-holidays": "skip",
    }
    response = lead.post(personas.url("meetings/series/"), {**form, "rule-day1": ""})
    assert response.status_code == 200  # the week without its day: said next to the day
    assert response.context["rule"].errors.get("day1")
    with scopes_disabled():
        assert not MeetingSeries.objects.exists()
    response = lead.post(personas.url("meetings/series/"), form)
    assert response.status_code == 302
    with scopes_disabled():
        series = MeetingSeries.objects.get()
        assert series.rrule == "FREQ=MONTHLY;BYDAY=-1FR"
        meetings = list(Meeting.objects.filter(series=series))
    assert meetings and all(m.held_on.weekday() == 4 for m in meetings)
    page = lead.get(response["Location"]).content.decode()
    assert "毎月最終金曜 14:00" in page
    detail = lead.get(personas.url(f"meetings/network/{meetings[0].pk}/")).content.decode()
    assert 'id="meeting-series"' in detail and "毎月最終金曜" in detail


def test_cancelling_one_meeting_on_the_screen_needs_a_reason(personas: Personas) -> None:
    today = timezone.localdate()
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", today, today=today)
    with scopes_disabled():
        meeting = Meeting.objects.filter(series=series).order_by("held_on").first()
    assert meeting is not None
    url = personas.url(f"meetings/network/{meeting.pk}/change/")
    lead = personas.client("lead")
    response = lead.post(url, {"action": "cancel", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors.get("reason")
    response = lead.post(url, {"action": "cancel", "reason": "台風のため"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.cancelled and meeting.change_reason == "台風のため"
    page = lead.get(response["Location"]).content.decode()
    assert 'id="meeting-cancelled"' in page and "台風のため" in page
    # Nobody but the lead changes meetings; another municipality does not find it.
    assert personas.client("counselor").post(url, {"action": "cancel"}).status_code == 403
    outsider = personas.client("lead", outsider=True)
    elsewhere = personas.url(f"meetings/network/{meeting.pk}/change/", outsider=True)
    assert outsider.get(elsewhere).status_code == 404


def test_a_lead_changes_a_series_on_the_screen_and_a_bad_time_is_said_at_the_field(
    personas: Personas,
) -> None:
    today = timezone.localdate()
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=MO", today, today=today)
    url = personas.url(f"meetings/series/{series.pk}/")
    lead = personas.client("lead")
    form = lead.get(url).context["rule"]
    assert form.initial["pattern"] == "weekly" and form.initial["days"] == ["0"]
    data = {
        "title": "打ち合わせ",
        "kind": "huddle",
        "starts_on": today.isoformat(),
        "rule-pattern": "bimonthly",
        "rule-nth1": "3",
        "rule-day1": "2",
        "rule-start": "14:00",
        "rule-end": "13:00",
        "rule-holidays": "skip",
    }
    response = lead.post(url, data)
    assert response.status_code == 200 and response.context["rule"].errors.get("end")
    response = lead.post(url, {**data, "rule-end": "16:00"})
    assert response.status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=MONTHLY;INTERVAL=2;BYDAY=3WE"
    with scopes_disabled():
        ahead = Meeting.objects.filter(series=series, cancelled=False)
        assert ahead and {m.held_on.weekday() for m in ahead} == {2}
    assert "隔月第3水曜 14:00" in lead.get(url).content.decode()
    assert personas.client("counselor").get(url).status_code == 403
    assert (
        personas.client("lead", outsider=True)
        .get(personas.url(f"meetings/series/{series.pk}/", outsider=True))
        .status_code
        == 404
    )


def test_members_are_told_of_tomorrows_series_meeting_unless_it_is_cancelled(
    personas: Personas,
) -> None:
    committee = personas.members["committee"]
    organization = committee.organization
    assert organization is not None
    today = date(2026, 4, 7)  # a Tuesday
    with scope(municipality=personas.municipality):
        body = services.meeting_body_save(
            actor=personas.members["lead"],
            name="連絡会議",
            kind="regular",
            organizations=[organization],
        )
        series = services.series_create(
            actor=personas.members["lead"],
            kind="regular",
            title="連絡会議",
            rrule="FREQ=WEEKLY;BYDAY=WE",
            start=NINE,
            end=TEN,
            starts_on=today,
            body=body,
            today=today,
        )
        services.meeting_cancel(
            actor=personas.members["lead"],
            meeting=Meeting.objects.get(series=series, held_on=date(2026, 4, 8)),
            reason="会場の都合",
        )
    with scopes_disabled():
        daily_sweep(today=today)
        told = Notification.objects.filter(recipient=committee, kind="meeting_tomorrow")
        assert not told.exists()
        daily_sweep(today=today + timedelta(days=7))
        [notice] = told
        next_one = Meeting.objects.get(series=series, held_on=date(2026, 4, 15))
    assert notice.link.endswith(f"/meetings/network/{next_one.pk}/")


def test_a_series_title_is_stored_encrypted_and_read_back(personas: Personas) -> None:
    from tests.security.test_encryption import raw_column

    title = "佐藤さん支援の定例ケース会議"
    series = make_series(
        personas, "FREQ=WEEKLY;BYDAY=MO", date(2027, 1, 1), today=date(2027, 1, 1), title=title
    )
    assert title not in str(raw_column("network_meetingseries", "title", series.pk))
    with scopes_disabled():
        assert MeetingSeries.objects.get(pk=series.pk).title == title
        # Its meetings carry the title, encrypted the same way.
        meeting = Meeting.objects.filter(series=series).first()
    assert meeting is not None and meeting.title == title
    assert title not in str(raw_column("network_meeting", "title", meeting.pk))


def test_a_meeting_with_action_items_or_attendance_is_cancelled_not_removed_by_a_new_rule(
    personas: Personas,
) -> None:
    series = make_series(personas, "FREQ=WEEKLY;BYDAY=MO", date(2026, 9, 1), today=date(2026, 9, 1))
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        with_item, with_attendance, untouched = Meeting.objects.filter(
            series=series, held_on__gte=date(2026, 10, 5)
        ).order_by("held_on")[:3]
        services.action_item_add(
            actor=lead,
            meeting=with_item,
            what="会場を予約する",
            owner=lead,
            due_on=with_item.held_on,
        )
        MeetingAttendance.objects.create(
            municipality=personas.municipality,
            meeting=with_attendance,
            organization=Organization.objects.get(municipality=personas.municipality),
        )
        services.series_update(
            actor=lead,
            series=series,
            kind="huddle",
            title="打ち合わせ",
            rrule="FREQ=WEEKLY;BYDAY=TH",
            start=NINE,
            end=TEN,
            starts_on=series.starts_on,
            today=date(2026, 10, 1),
        )
        kept = {m.pk: m.cancelled for m in Meeting.objects.filter(series=series)}
    assert kept.get(with_item.pk) is True
    assert kept.get(with_attendance.pk) is True
    assert untouched.pk not in kept
