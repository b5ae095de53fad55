"""Sessions made from rules, edits that spare the past, reservations and attendance."""

from collections.abc import Callable, Iterator
from datetime import date, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scopes_disabled

from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.models import Place, Session

pytestmark = pytest.mark.django_db


def dates(place: Place, first: date, last: date) -> list[date]:
    with scopes_disabled():
        return [
            s.date
            for s in Session.objects.filter(place=place, date__range=(first, last)).exclude(
                status="cancelled"
            )
        ]


@pytest.fixture(autouse=True)
def _no_scopes() -> Iterator[None]:
    with scopes_disabled():
        yield


def test_sessions_are_made_for_the_rules_period_and_skip_holidays(
    make_place: Callable[..., Place],
) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=TU", starts_on=date(2026, 9, 1))
    services.sessions_ensure(place, date(2026, 9, 30))
    # 2026-09-22 is a 国民の休日.
    assert dates(place, date(2026, 8, 1), date(2026, 9, 30)) == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
        date(2026, 9, 29),
    ]
    services.sessions_ensure(place, date(2026, 9, 30))
    assert Session.objects.filter(place=place).count() == 4


def test_editing_a_rule_changes_sessions_from_today_and_never_past_ones(
    make_place: Callable[..., Place],
) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=WE", starts_on=date(2026, 1, 1))
    services.sessions_ensure(place, date(2026, 3, 31))
    past = Session.objects.get(place=place, date=date(2026, 2, 4))
    services.place_update(
        actor=None,
        place=place,
        rules=[services.RuleIn("FREQ=WEEKLY;BYDAY=FR", time(13), time(16), "skip")],
        today=date(2026, 3, 1),
    )
    past.refresh_from_db()
    assert (past.date, past.start, past.status) == (date(2026, 2, 4), time(10), "scheduled")
    assert dates(place, date(2026, 2, 1), date(2026, 2, 28)) == [
        date(2026, 2, 4),
        date(2026, 2, 18),
        date(2026, 2, 25),
    ]  # 2/11 建国記念の日 skipped
    march = Session.objects.filter(place=place, date__month=3, date__year=2026)
    assert {s.date.weekday() for s in march} == {4}
    assert {s.start for s in march} == {time(13)}


def test_a_booked_session_is_cancelled_not_deleted_when_the_rule_changes(
    make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    place = make_place(
        "FREQ=WEEKLY;BYDAY=WE", access="reservation", capacity=3, starts_on=date(2026, 1, 1)
    )
    services.sessions_ensure(place, date(2026, 3, 31))
    booked = Session.objects.get(place=place, date=date(2026, 3, 11))
    services.reservation_create(actor=None, session=booked, person=make_person())
    services.place_update(actor=None, place=place, rules=[], today=date(2026, 3, 1))
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert booked.reason
    assert dates(place, date(2026, 3, 1), date(2026, 3, 31)) == []


def test_closed_dates_remove_future_sessions(make_place: Callable[..., Place]) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=WE", starts_on=date(2026, 1, 1))
    services.sessions_ensure(place, date(2026, 3, 31))
    services.place_update(
        actor=None,
        place=place,
        closed_dates=[date(2026, 1, 7), date(2026, 3, 18)],
        today=date(2026, 3, 1),
    )
    got = dates(place, date(2026, 1, 1), date(2026, 3, 31))
    assert date(2026, 1, 7) in got  # past: untouched
    assert date(2026, 3, 18) not in got
    assert date(2026, 3, 25) in got


def test_cancel_and_move_need_a_reason(make_place: Callable[..., Place]) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=WE", starts_on=date(2026, 1, 1))
    services.sessions_ensure(place, date(2026, 1, 31))
    session = Session.objects.filter(place=place).first()
    assert session is not None
    with pytest.raises(ValidationError):
        services.session_cancel(actor=None, session=session, reason=" ")
    services.session_move(
        actor=None,
        session=session,
        date=date(2026, 1, 8),
        start=time(13),
        end=time(15),
        reason="会場の都合",
    )
    session.refresh_from_db()
    assert (session.date, session.origin_date, session.reason) == (
        date(2026, 1, 8),
        date(2026, 1, 7),
        "会場の都合",
    )
    # Making sessions again does not bring the moved one back on its old day.
    services.sessions_roll(today=date(2026, 1, 1), days=60)
    assert Session.objects.filter(place=place, date=date(2026, 1, 7)).count() == 0


def test_the_last_seat_then_full_then_the_waiting_list_moves_up(
    make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    place = make_place("FREQ=DAILY", access="reservation", capacity=1, holidays="keep")
    services.sessions_ensure(place, date.today() + timedelta(days=3))
    session = Session.objects.filter(place=place).first()
    assert session is not None
    first, second = make_person("一"), make_person("二")
    services.reservation_create(actor=None, session=session, person=first)
    with pytest.raises(services.Full):
        services.reservation_create(actor=None, session=session, person=second)
    waiting = services.reservation_create(actor=None, session=session, person=second, wait=True)
    assert waiting.status == "waiting"
    seat = session.reservations.get(person=first)
    promoted = services.reservation_cancel(actor=None, reservation=seat)
    assert promoted is not None and promoted.person == second
    assert promoted.status == "reserved"


def test_a_free_place_takes_no_reservations(
    make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    place = make_place("FREQ=DAILY", holidays="keep")
    services.sessions_ensure(place, date.today() + timedelta(days=3))
    session = Session.objects.filter(place=place).first()
    assert session is not None
    with pytest.raises(services.NotBookable):
        services.reservation_create(actor=None, session=session, person=make_person())


def test_first_visit_is_flagged_once_per_place(
    make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=WE", holidays="keep", starts_on=date(2026, 1, 1))
    services.sessions_ensure(place, date(2026, 1, 31))
    one, two = Session.objects.filter(place=place)[:2]
    person = make_person()
    assert services.attendance_record(actor=None, session=one, person=person).first_visit
    assert not services.attendance_record(actor=None, session=two, person=person).first_visit
    again = services.attendance_record(actor=None, session=one, person=person)
    assert one.attendance.filter(person=person).count() == 1 and again.first_visit
    services.attendance_record(actor=None, session=one, anonymous=3)
    assert sum(a.count for a in one.attendance.all()) == 4


def test_many_places_at_once_get_each_its_own_calendar_and_nothing_twice(
    make_place: Callable[..., Place],
) -> None:
    """The rolling window makes many places' sessions in one go: each place gets exactly what
    it gets alone (holidays, 12/29–1/3 and closed dates left out), and a second run adds
    nothing, also for a place whose sessions were already made part of the way."""
    tuesdays = make_place("FREQ=WEEKLY;BYDAY=TU", starts_on=date(2026, 9, 1))
    second_thursday = make_place(
        "FREQ=MONTHLY;BYDAY=2TH", starts_on=date(2026, 9, 1), closed_dates=[date(2026, 11, 12)]
    )
    daily = make_place("FREQ=DAILY", starts_on=date(2026, 12, 27))
    services.sessions_ensure(tuesdays, date(2026, 9, 10))
    services.sessions_ensure_many([tuesdays, second_thursday, daily], date(2027, 1, 5))
    assert dates(tuesdays, date(2026, 9, 1), date(2026, 9, 30)) == [
        date(2026, 9, 1),
        date(2026, 9, 8),
        date(2026, 9, 15),
        date(2026, 9, 29),  # 9/22 is a 国民の休日
    ]
    assert dates(second_thursday, date(2026, 9, 1), date(2027, 1, 5)) == [
        date(2026, 9, 10),
        date(2026, 10, 8),
        date(2026, 12, 10),  # 11/12 is closed
    ]
    assert dates(daily, date(2026, 12, 1), date(2027, 1, 5)) == [
        date(2026, 12, 27),
        date(2026, 12, 28),
        date(2027, 1, 4),
        date(2027, 1, 5),
    ]
    before = Session.objects.count()
    services.sessions_ensure_many([tuesdays, second_thursday, daily], date(2027, 1, 5))
    services.sessions_roll(today=date(2026, 11, 6), days=60)
    assert Session.objects.count() == before
