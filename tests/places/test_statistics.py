"""Statistics of places and programmes by place and month, exact for the center and protected
for the committee, as a page, CSV and XLSX."""

import io
from collections.abc import Callable
from datetime import date, time

import openpyxl
import pytest
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.exporting import export
from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.models import Place, Session
from tsunagu.programmes import services as programme_services

pytestmark = pytest.mark.django_db
FY = "?fiscal_year=2026"


def session_on(place: Place, day: date) -> Session:
    with scopes_disabled():
        services.sessions_ensure(place, date(2026, 12, 31))
        return Session.objects.get(place=place, date=day)


@pytest.fixture
def history(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> tuple[Place, Place]:
    """Eight people come to すりーぴぃ in April; two of them move on to the antenna shop in
    June; 3 anonymous visitors at the shop; a course with one of two participants completing."""
    sleepy = make_place(
        "FREQ=WEEKLY;BYDAY=WE", name="すりーぴぃ", starts_on=date(2026, 4, 1), access="free"
    )
    shop = make_place("FREQ=WEEKLY;BYDAY=FR", name="よらんDeやまき", starts_on=date(2026, 4, 1))
    people = [make_person(f"来所 {i}") for i in range(8)]
    with scopes_disabled():
        for person in people:
            services.attendance_record(
                actor=None, session=session_on(sleepy, date(2026, 4, 8)), person=person
            )
        for person in people[:2]:
            services.attendance_record(
                actor=None, session=session_on(shop, date(2026, 6, 5)), person=person
            )
        services.attendance_record(
            actor=None, session=session_on(shop, date(2026, 6, 5)), anonymous=3
        )
        course = programme_services.programme_create(
            actor=None,
            municipality_id=personas.municipality.pk,
            name="家族心理教育 基礎編",
            kind="family_education",
            meetings=[programme_services.MeetingIn(date(2026, 7, 1), time(13), time(15))],
            min_sessions_to_complete=1,
        )
        done = programme_services.enrolment_create(
            actor=None, programme=course, name="家族 一", enrolled_on=date(2026, 6, 1)
        )
        programme_services.enrolment_create(
            actor=None, programme=course, name="家族 二", enrolled_on=date(2026, 6, 1)
        )
        programme_services.programme_attendance_record(
            actor=None, enrolment=done, meeting=course.meetings.get()
        )
    return sleepy, shop


def test_exact_figures_for_the_center(personas: Personas, history: tuple[Place, Place]) -> None:
    from tsunagu.places.statistics import place_statistics_for

    with scopes_disabled():
        stats = place_statistics_for(
            personas.members["lead"], start=date(2026, 4, 1), end=date(2027, 3, 31)
        )
    by_name = {r.name: r for r in stats.places}
    sleepy, shop = by_name["すりーぴぃ"], by_name["よらんDeやまき"]
    assert (sleepy.visits, sleepy.people, sleepy.new_people) == (8, 8, 8)
    assert (shop.visits, shop.people, shop.new_people) == (5, 2, 2)
    assert sleepy.months[0][1:] == (8, 8, 8)  # April
    assert shop.months[2][1:] == (5, 2, 2)  # June
    assert [(m.from_place, m.to_place, m.people) for m in stats.movements] == [
        ("すりーぴぃ", "よらんDeやまき", 2)
    ]
    (course,) = stats.programmes
    assert (course.enrolled, course.completed) == (2, 1)
    assert stats.visits_total == 13


def test_csv_and_xlsx(personas: Personas, history: tuple[Place, Place]) -> None:
    client = personas.client("counselor")
    csv = export(client, personas.url("places/statistics.csv") + FY, **{"Accept-Language": "ja"})
    assert csv.status_code == 200
    text = csv.content.decode("utf-8-sig")
    assert "すりーぴぃ,2026-04,4,8,8,8" in text.replace("\r\n", "\n")
    assert "すりーぴぃ,よらんDeやまき,2" in text
    xlsx = export(client, personas.url("places/statistics.xlsx") + FY)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None
    rows = [tuple(c for c in row) for row in sheet.iter_rows(values_only=True)]
    assert ("家族心理教育 基礎編", "家族心理教育 (Family psychoeducation)", 2, 1) in rows or any(
        r[0] == "家族心理教育 基礎編" and r[2:4] == (2, 1) for r in rows
    )


def test_committee_gets_small_cells_withheld(
    personas: Personas, history: tuple[Place, Place]
) -> None:
    client = personas.client("committee")
    page = client.get(personas.url("places/statistics/") + FY, HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    text = page.content.decode()
    assert "―" in text
    assert "来所" not in text  # never a name
    csv = export(client, personas.url("places/statistics.csv") + FY).content.decode("utf-8-sig")
    lines = csv.replace("\r\n", "\n").split("\n")
    # 8 visits and 8 people at すりーぴぃ are shown; the 2 who moved on are withheld.
    assert "すりーぴぃ,よらんDeやまき," in lines
    assert any(line.startswith("すりーぴぃ,") and ",8," in line for line in lines)
    assert not any(line.startswith("よらんDeやまき,") and ",2," in line for line in lines)
    # Outside the center, only a whole fiscal year.
    short = client.post(personas.url("places/statistics.csv") + "?from=2026-04-01&to=2026-06-30")
    assert short.status_code == 400
    token = personas.token("committee")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    body = api.get(f"/api/v1/m/{personas.municipality.code}/stats/places{FY}").json()
    shop = next(p for p in body["places"] if p["name"] == "よらんDeやまき")
    assert shop["people"] is None and shop["new_people"] is None
    sleepy = next(p for p in body["places"] if p["name"] == "すりーぴぃ")
    assert sleepy["people"] == 8
    refused = api.get(
        f"/api/v1/m/{personas.municipality.code}/stats/places?from=2026-04-01&to=2026-05-01"
    )
    assert refused.status_code == 422
    assert "fiscal_year" in refused.content.decode()


def test_roles(personas: Personas) -> None:
    for role in ("place_staff", "partner", "professional"):
        assert personas.client(role).get(personas.url("places/statistics/")).status_code == 403
    assert personas.client("supporter").get(personas.url("places/statistics/")).status_code == 404
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(f"/m/{personas.outsider.code}/places/statistics/").status_code == 200
