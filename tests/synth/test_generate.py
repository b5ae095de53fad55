import random
from typing import Any

import jaconv
import pytest
from django.core.management import CommandError, call_command
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tsunagu.accounts.models import User
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import fiscal_year
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.selectors import person_search
from tsunagu.synth.generate import Plan, generate, share
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
