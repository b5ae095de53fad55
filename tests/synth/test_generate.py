import random
from collections import defaultdict
from datetime import date
from typing import Any

import jaconv
import pytest
from django.core.management import CommandError, call_command
from django.db.models import F, Q, Sum
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tsunagu.accounts.models import User
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import fiscal_year
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.selectors import person_search
from tsunagu.places.models import Attendance, Place, Reservation, ScheduleRule, Session
from tsunagu.places.selectors import place_statistics
from tsunagu.places.services import _session_rows, sessions_ensure
from tsunagu.synth.generate import TOKYO, Plan, generate, share
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Municipality, Organization


def _plan(**changes: Any) -> Plan:
    values: dict[str, Any] = {
        "municipalities": 3,
        "persons": 120,
        "consultations": 600,
        "seed": 7,
        "progress": None,
    }
    return Plan(**{**values, **changes})


def _persons_of(municipality_id: int) -> list[tuple[Any, ...]]:
    return list(
        Person.objects.filter(municipality_id=municipality_id)
        .order_by("number")
        .values_list("number", "name", "name_kana", "birth_date", "gender")
    )


def _places_of(municipality_id: int) -> dict[str, list[tuple[Any, ...]]]:
    """The municipality's places, sessions, attendance and reservations by natural keys."""
    mine = {"municipality_id": municipality_id}
    return {
        "places": list(
            Place.objects.filter(**mine)
            .order_by("name")
            .values_list("name", "kind", "access", "capacity", "created_at", "sessions_until")
        ),
        "rules": list(
            ScheduleRule.objects.filter(**mine)
            .order_by("place__name", "starts_on")
            .values_list("place__name", "rrule", "start", "end", "starts_on")
        ),
        "sessions": list(
            Session.objects.filter(**mine)
            .order_by("place__name", "date", "start")
            .values_list("place__name", "date", "start", "status", "reason", "supporters_present")
        ),
        "attendance": list(
            Attendance.objects.filter(**mine)
            .order_by("session__place__name", "session__date", "person__number", "count")
            .values_list(
                "session__place__name", "session__date", "person__number", "count", "first_visit"
            )
        ),
        "reservations": list(
            Reservation.objects.filter(**mine)
            .order_by("session__place__name", "session__date", "person__number")
            .values_list("session__place__name", "session__date", "person__number", "created_at")
        ),
    }


@pytest.mark.django_db
def test_it_makes_what_was_asked_and_nothing_else() -> None:
    with scopes_disabled():
        result = generate(_plan())
        assert (result.persons, result.family_members, result.consultations) == (120, 24, 600)
        assert Municipality.objects.count() == 3
        assert Person.objects.count() == 120 and FamilyMember.objects.count() == 24
        assert Consultation.objects.count() == 600
        assert Case.objects.count() == result.cases > 0
        numbers = sorted(
            Person.objects.filter(municipality_id=result.municipality_ids[0]).values_list(
                "number", flat=True
            )
        )
        assert numbers == list(range(1, len(numbers) + 1))


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data() -> None:
    with scopes_disabled():
        first = generate(_plan(municipalities=1))
        second = generate(_plan(municipalities=1))
        other = generate(_plan(municipalities=1, seed=8))
        assert _persons_of(first.municipality_ids[0]) == _persons_of(second.municipality_ids[0])
        assert _persons_of(first.municipality_ids[0]) != _persons_of(other.municipality_ids[0])
        places = _places_of(first.municipality_ids[0])
        assert all(places.values()), {what: len(rows) for what, rows in places.items()}
        assert places == _places_of(second.municipality_ids[0])
        assert places != _places_of(other.municipality_ids[0])


@pytest.mark.django_db
def test_generated_persons_are_found_by_the_search_in_any_script() -> None:
    with scopes_disabled():
        result = generate(_plan(municipalities=2, persons=200, consultations=0))
        city = Municipality.objects.get(pk=result.municipality_ids[0])
        org = Organization.objects.create(municipality=city, name="協議会", kind="welfare_council")
        user = User.objects.create_user(username="synth-lead", password=None)
        lead = Membership.objects.create(
            municipality=city, user=user, role=Role.LEAD, organization=org
        )
        person = Person.objects.filter(municipality=city).exclude(name_kana="").first()
        assert person is not None
        half_width = jaconv.z2h(person.name_kana.split()[0], kana=True)
        found = list(person_search(viewer=lead, query=half_width))
        assert person in found
        assert all(p.municipality_id == city.pk for p in found)


@pytest.mark.django_db
def test_families_share_the_persons_surname_and_consultations_stay_in_range() -> None:
    with scopes_disabled():
        result = generate(_plan(municipalities=1, persons=100, family_members=50))
        for member in FamilyMember.objects.select_related("person").exclude(relation="spouse"):
            assert member.name.split()[0] == member.person.name.split()[0]
        years = {fiscal_year(c.occurred_at) for c in Consultation.objects.all()}
        assert years <= set(range(2015, 2025))
        for c in Consultation.objects.exclude(case=None).select_related("case"):
            assert c.case is not None
            assert c.case.person_id == c.person_id
        assert result.municipality_ids == [result.municipality_ids[0]]


def test_municipalities_are_shared_a_few_big_many_small() -> None:
    shares = share(10_000, 50, random.Random(1))
    assert sum(shares) == 10_000 and min(shares) > 0
    assert max(shares) > 10 * min(shares)


@pytest.mark.django_db
def test_the_command_refuses_production_settings(settings: SettingsWrapper) -> None:
    settings.TSUNAGU_PRODUCTION = True
    with pytest.raises(CommandError):
        call_command("synth", municipalities=1, persons=1, consultations=1)


@pytest.mark.django_db
@pytest.mark.parametrize("years", [0, -1, 31])
def test_the_command_refuses_a_span_of_years_it_cannot_fill_and_writes_nothing(
    years: int,
) -> None:
    with pytest.raises(CommandError, match="--fiscal-years must be from 1 to 30"):
        call_command("synth", municipalities=1, persons=5, consultations=5, fiscal_years=years)
    with scopes_disabled():
        assert not Person.objects.exists() and not Municipality.objects.exists()


@pytest.mark.django_db
def test_places_sessions_and_attendance_stay_in_their_municipality() -> None:
    with scopes_disabled():
        result = generate(_plan(municipalities=2, persons=800, consultations=0, fiscal_years=3))
        ids = result.municipality_ids
        # Nothing of the template municipality is left.
        for model in (Place, ScheduleRule, Session, Attendance, Reservation):
            assert not model.objects.exclude(municipality_id__in=ids).exists()
        assert (
            Place.objects.count(),
            Session.objects.count(),
            Attendance.objects.count(),
            Reservation.objects.count(),
        ) == (result.places, result.sessions, result.attendance, result.reservations)
        for city in ids:
            kinds = set(Place.objects.filter(municipality_id=city).values_list("kind", "access"))
            assert {("person", "free"), ("consultation", "reservation")} <= kinds
            assert Attendance.objects.filter(municipality_id=city, person__isnull=False).exists()
            assert Reservation.objects.filter(municipality_id=city).exists()
        assert not ScheduleRule.objects.exclude(municipality=F("place__municipality")).exists()
        assert not Session.objects.exclude(municipality=F("place__municipality")).exists()
        assert not Session.objects.exclude(municipality=F("rule__municipality")).exists()
        for model in (Attendance, Reservation):
            rows = model.objects.all()
            assert not rows.exclude(municipality=F("session__municipality")).exists()
            assert (
                not rows.filter(person__isnull=False)
                .exclude(municipality=F("person__municipality"))
                .exists()
            )
        # Named persons at a place have a case there, opened before they came.
        named = Attendance.objects.filter(person__isnull=False)
        cases = dict(Case.objects.values_list("person_id", "opened_on"))
        for person_id, on in named.values_list("person_id", "session__date"):
            assert cases[person_id] <= on
        assert not Attendance.objects.filter(session__status="cancelled").exists()
        assert not Reservation.objects.filter(session__status="cancelled").exists()


@pytest.mark.django_db
def test_sessions_are_those_the_places_app_materializes_with_first_visits_marked() -> None:
    with scopes_disabled():
        generate(_plan(municipalities=1, persons=400, consultations=0, fiscal_years=2))
        for place in Place.objects.all():
            assert place.sessions_until == date(2017, 3, 31)
            rules = list(place.rules.all())
            expected = {
                (row[2], row[3])
                for row in _session_rows(place, rules, date(2015, 4, 1), date(2017, 3, 31))
            }
            made = set(Session.objects.filter(place=place).values_list("rule_id", "origin_date"))
            assert made == expected and made
            # The app's rolling window carries on from where synth stopped, adding no duplicate.
            sessions_ensure(place, date(2017, 4, 30))
            later = Session.objects.filter(place=place).exclude(
                Q(rule_id__in=[r.pk for r in rules]) & Q(origin_date__lte=date(2017, 3, 31))
            )
            assert all(s.date > date(2017, 3, 31) for s in later)
        # A person's first visit to a place is marked once, on their earliest session there.
        visits: dict[tuple[int, int], list[tuple[date, bool]]] = defaultdict(list)
        for place_id, person_id, on, first in Attendance.objects.filter(
            person__isnull=False
        ).values_list("session__place_id", "person_id", "session__date", "first_visit"):
            visits[(place_id, person_id)].append((on, first))
        assert visits
        for seen in visits.values():
            seen.sort()
            assert [first for _on, first in seen] == [True] + [False] * (len(seen) - 1)


@pytest.mark.django_db
def test_a_drop_in_sees_a_handful_to_a_dozen_and_the_statistics_count_them() -> None:
    with scopes_disabled():
        result = generate(_plan(municipalities=1, persons=2000, consultations=0))
        city = result.municipality_ids[0]
        drop_in = Place.objects.get(municipality_id=city, kind="person")
        held = Session.objects.filter(place=drop_in, status="scheduled")
        assert held.filter(date__week_day=1).count() == 0  # never on Sundays
        per_session = [
            n or 0 for n in held.annotate(n=Sum("attendance__count")).values_list("n", flat=True)
        ]
        assert 3 <= sum(per_session) / len(per_session) <= 12
        assert max(per_session) <= 20
        # Every place rested during the 2020 state of emergency.
        emergency = Session.objects.filter(
            municipality_id=city, date__range=(date(2020, 4, 7), date(2020, 5, 25))
        )
        assert emergency.exists()
        assert not emergency.exclude(status="cancelled").exists()
        start, end = date(2019, 4, 1), date(2020, 3, 31)
        figures = {f.name: f for f in place_statistics(municipality_id=city, start=start, end=end)}
        in_year = Attendance.objects.filter(
            session__place=drop_in, session__date__range=(start, end)
        )
        assert figures[drop_in.name].visits == in_year.aggregate(n=Sum("count"))["n"] > 0
        people = set(in_year.exclude(person=None).values_list("person_id", flat=True))
        assert figures[drop_in.name].people == len(people) > 0
        assert figures["専門職相談日"].visits > 0
        assert drop_in.sessions_until == date(2025, 3, 31)
        assert date(2015, 4, 1) <= drop_in.created_at.astimezone(TOKYO).date()
