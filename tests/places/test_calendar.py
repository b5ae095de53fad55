"""The calendar of the municipality (week and month), today's schedule on the home page, and
one's own schedule as an iCalendar feed behind a secret URL that can be revoked."""

import re
from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.models import CalendarFeed, Place, Session
from tsunagu.programmes import services as programme_services

pytestmark = pytest.mark.django_db


def test_month_and_week_views_show_every_place_and_programme(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    make_place("FREQ=WEEKLY;BYDAY=WE", name="フリースペース", starts_on=date(2026, 4, 1))
    make_place(
        "FREQ=MONTHLY;BYDAY=2TU,4TH",
        name="定例相談会",
        kind="consultation",
        starts_on=date(2026, 4, 1),
    )
    with scopes_disabled():
        programme_services.programme_create(
            actor=None,
            municipality_id=personas.municipality.pk,
            name="ひきこもり講演会",
            kind="lecture",
            meetings=[programme_services.MeetingIn(date(2026, 5, 16), time(13, 30), time(15))],
        )
    client = personas.client("counselor")
    url = personas.url("places/calendar/")
    month = client.get(url + "?view=month&date=2026-05-01", HTTP_ACCEPT_LANGUAGE="ja").content
    text = month.decode()

    def day(d: str) -> str:
        match = re.search(rf'data-date="{d}">(.*?)</td>', text, re.S)
        assert match, d
        return match.group(1)

    # May 2026: Wednesdays 13, 20, 27 (5/6 is a 振替休日), 2nd Tuesday 12, 4th Thursday 28.
    assert "フリースペース" not in day("2026-05-06")  # 振替休日
    assert "振替休日" in day("2026-05-06")
    assert "フリースペース" in day("2026-05-13")
    assert "定例相談会" in day("2026-05-12") and "定例相談会" in day("2026-05-28")
    assert "ひきこもり講演会" in day("2026-05-16")
    week = client.get(
        url + "?view=week&date=2026-05-14", HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()
    dates = re.findall(r'data-date="([0-9-]+)"', week)
    assert dates == [f"2026-05-{d:02d}" for d in range(10, 17)]  # Sunday to Saturday
    assert "フリースペース" in week and "定例相談会" in week and "ひきこもり講演会" in week


def test_place_staff_see_only_their_places_and_the_week_of_one_place(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    staff = personas.members["place_staff"]
    mine = make_place("FREQ=DAILY", holidays="keep", name="すりーぴぃ", staff=[staff])
    make_place("FREQ=DAILY", holidays="keep", name="よらんDeやまき")
    client = personas.client("place_staff")
    page = client.get(personas.url("places/calendar/") + "?view=week").content.decode()
    assert "すりーぴぃ" in page and "よらんDeやまき" not in page
    one = client.get(personas.url("places/calendar/") + f"?view=week&place={mine.pk}")
    assert one.status_code == 200 and "すりーぴぃ" in one.content.decode()
    for role in ("partner", "committee", "professional"):
        assert personas.client(role).get(personas.url("places/calendar/")).status_code == 403
    assert personas.client("supporter").get(personas.url("places/calendar/")).status_code == 404
    outsider = personas.client("lead", outsider=True)
    assert (
        outsider.get(f"/m/{personas.outsider.code}/places/calendar/?place={mine.pk}").status_code
        == 404
    )


def test_todays_schedule_on_the_home_page(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    staff = personas.members["place_staff"]
    make_place("FREQ=DAILY", holidays="keep", name="毎日の居場所", staff=[staff])
    page = personas.client("place_staff").get(personas.url(""), HTTP_ACCEPT_LANGUAGE="ja")
    text = page.content.decode()
    assert "今日の予定" in text
    assert "毎日の居場所" in text
    committee = personas.client("committee").get(personas.url(""), HTTP_ACCEPT_LANGUAGE="ja")
    assert "今日の予定" not in committee.content.decode()


def test_own_feed_behind_a_secret_url_that_can_be_revoked(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    staff = personas.members["place_staff"]
    place = make_place("FREQ=DAILY", holidays="keep", name="すりーぴぃ", staff=[staff])
    make_place("FREQ=DAILY", holidays="keep", name="よそ")
    person = make_person("秘密 太郎")
    with scopes_disabled():
        services.sessions_ensure(place, timezone.localdate() + timedelta(days=3))
        session = Session.objects.filter(place=place, date__gte=timezone.localdate()).first()
        assert session is not None
        services.attendance_record(actor=None, session=session, person=person)
    client = personas.client("place_staff")
    made = client.post(personas.url("places/calendar/feed/"), {"action": "create"})
    found = re.search(r'value="(http[^"]+\.ics)"', made.content.decode())
    assert found is not None
    url = found.group(1)
    path = url.split("testserver", 1)[1]
    feed = Client().get(path)
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    body = feed.content.decode()
    assert "SUMMARY:すりーぴぃ" in body
    assert "よそ" not in body and "秘密" not in body
    with scopes_disabled():
        assert CalendarFeed.objects.get().token_digest not in url  # only a digest is kept
    # A new URL replaces the old one; revoking ends it.
    again = client.post(personas.url("places/calendar/feed/"), {"action": "create"})
    found = re.search(r'value="(http[^"]+\.ics)"', again.content.decode())
    assert found is not None
    newer = found.group(1)
    assert Client().get(path).status_code == 404
    newer_path = newer.split("testserver", 1)[1]
    assert Client().get(newer_path).status_code == 200
    client.post(personas.url("places/calendar/feed/"), {"action": "revoke"})
    assert Client().get(newer_path).status_code == 404
    assert Client().get("/feeds/" + "x" * 43 + ".ics").status_code == 404


def test_the_month_view_escapes_names_and_links_each_session(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    place = make_place(
        "FREQ=WEEKLY;BYDAY=WE", name="<b>居場所</b> & 茶話会", starts_on=date(2026, 4, 1)
    )
    with scopes_disabled():
        services.sessions_ensure(place, date(2026, 5, 31))
        session = Session.objects.get(place=place, date=date(2026, 5, 13))
        services.session_cancel(actor=None, session=session, reason="台風")
    text = (
        personas.client("counselor")
        .get(personas.url("places/calendar/") + "?view=month&date=2026-05-01")
        .content.decode()
    )
    assert "<b>居場所</b>" not in text
    assert "&lt;b&gt;居場所&lt;/b&gt; &amp; 茶話会" in text
    cell = re.search(r'data-date="2026-05-13">(.*?)</td>', text, re.S)
    assert cell is not None
    cancelled = cell.group(1)
    assert f'href="/m/{personas.municipality.code}/places/sessions/{session.pk}/"' in cancelled
    assert "text-decoration-line-through" in cancelled and "visually-hidden" in cancelled
