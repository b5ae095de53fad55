from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.cases import services
from tsunagu.cases.models import Case, RiskFlag


def _raise(personas: Personas, case: Case, kind: str = "suicidal_ideation") -> RiskFlag:
    with scope(municipality=personas.municipality):
        return services.risk_raise(actor=None, case=case, kind=kind)


def _page(personas: Personas, role: str) -> str:
    response = personas.client(role).get(personas.url())
    assert response.status_code == 200
    return response.content.decode()


def test_an_open_risk_puts_the_case_on_every_assigned_members_home_page(personas: Personas) -> None:
    counselor, lead = personas.members["counselor"], personas.members["lead"]
    case = make_case(
        make_person(personas.municipality, name="山田"), primary=counselor, others=[lead]
    )
    _raise(personas, case)
    for role in ("counselor", "lead"):
        page = _page(personas, role)
        assert f'data-case="{case.pk}" data-risk="suicidal_ideation"' in page, role
        assert "list-group-item-danger" in page


def test_a_counselor_sees_no_risk_of_a_shared_case_it_is_not_assigned_to(
    personas: Personas,
) -> None:
    case = make_case(
        make_person(personas.municipality, name="山田"), primary=personas.members["lead"]
    )
    _raise(personas, case)
    assert f'data-case="{case.pk}"' not in _page(personas, "counselor")
    assert f'data-case="{case.pk}"' in _page(personas, "lead")


def test_a_cleared_risk_leaves_the_home_page(personas: Personas) -> None:
    case = make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    flag = _raise(personas, case)
    with scope(municipality=personas.municipality):
        services.risk_clear(actor=None, flag=flag, note="落ち着いた")
    assert f'data-case="{case.pk}"' not in _page(personas, "counselor")


def test_follow_ups_due_today_and_overdue_show_for_their_staff(personas: Personas) -> None:
    counselor = personas.members["counselor"]
    today = timezone.localdate()
    person = make_person(personas.municipality, name="山田")
    make_case(person, primary=counselor)
    overdue = make_consultation(
        personas.municipality,
        person=person,
        staff=counselor,
        next_action_on=today - timedelta(days=2),
        occurred_at=timezone.now() - timedelta(days=9),
    )
    other = make_person(personas.municipality, name="佐藤")
    due = make_consultation(
        personas.municipality, person=other, staff=counselor, next_action_on=today
    )
    later = make_consultation(
        personas.municipality,
        person=make_person(personas.municipality),
        staff=counselor,
        next_action_on=today + timedelta(days=1),
    )
    someone_elses = make_consultation(
        personas.municipality,
        person=make_person(personas.municipality),
        staff=personas.members["lead"],
        next_action_on=today,
    )
    page = _page(personas, "counselor")
    assert f'data-consultation="{overdue.pk}"' in page and f'data-consultation="{due.pk}"' in page
    assert f'data-consultation="{later.pk}"' not in page
    assert f'data-consultation="{someone_elses.pk}"' not in page
    assert f'data-consultation="{someone_elses.pk}"' in _page(personas, "lead")


def test_a_later_consultation_about_the_person_settles_the_follow_up(personas: Personas) -> None:
    counselor = personas.members["counselor"]
    person = make_person(personas.municipality)
    today = timezone.localdate()
    followed = make_consultation(
        personas.municipality,
        person=person,
        staff=counselor,
        next_action_on=today - timedelta(days=1),
        occurred_at=timezone.now() - timedelta(days=5),
    )
    make_consultation(
        personas.municipality,
        person=person,
        staff=counselor,
        occurred_at=timezone.now() - timedelta(hours=1),
    )
    assert f'data-consultation="{followed.pk}"' not in _page(personas, "counselor")


@pytest.mark.parametrize("role", ["admin", "place_staff", "committee"])
def test_roles_without_person_data_see_only_the_welcome(personas: Personas, role: str) -> None:
    case = make_case(
        make_person(personas.municipality, name="山田"), primary=personas.members["counselor"]
    )
    _raise(personas, case)
    page = _page(personas, role)
    assert 'id="home-risks"' not in page and "山田" not in page
    assert "/m/232297/persons/" not in page


def test_the_navigation_offers_persons_and_cases_to_roles_that_see_them(personas: Personas) -> None:
    page = _page(personas, "counselor")
    assert 'href="/m/232297/persons/"' in page and 'href="/m/232297/cases/"' in page


def test_the_home_page_takes_the_same_number_of_queries_for_5_or_30_risks(
    personas: Personas,
) -> None:
    counselor = personas.members["counselor"]
    client = personas.client("counselor")
    # Warm up with one risk, so first-time work (the access log's chain head) is not counted.
    _raise(personas, make_case(make_person(personas.municipality, name="山田"), primary=counselor))
    client.get(personas.url())
    counts = []
    for total in (5, 30):
        with scope(municipality=personas.municipality):
            from tsunagu.cases.models import RiskFlag

            existing = RiskFlag.objects.count()
        for _ in range(total - existing):
            person = make_person(personas.municipality, name="山田")
            case = make_case(person, primary=counselor)
            _raise(personas, case)
            make_consultation(
                personas.municipality,
                person=person,
                case=case,
                staff=counselor,
                next_action_on=timezone.localdate(),
            )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(personas.url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
