"""Every role's home shows its day (issue 12 item 12): the lead's caseload by member, the
committee's latest figures through the disclosure module, and a sentence per role saying what
it finds where (and what has not arrived yet)."""

import re

import pytest
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.cases import services
from tsunagu.tenancy.codes import Role


def page(personas: Personas, role: str) -> str:
    response = personas.client(role).get(personas.url())
    assert response.status_code == 200
    return response.content.decode()


def caseload_row(html: str, key: object) -> list[str]:
    row = re.search(rf'<tr data-caseload="{key}">(.*?)</tr>', html, re.S)
    assert row, f"no caseload row {key}"
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1], re.S)
    ]


def test_the_lead_sees_open_cases_and_risks_per_member(personas: Personas) -> None:
    counselor, professional = personas.members["counselor"], personas.members["professional"]
    counselor.user.display_name = "相談 花子"
    counselor.user.save()
    risky = make_case(make_person(personas.municipality), primary=counselor, others=[professional])
    make_case(make_person(personas.municipality), primary=counselor)
    make_case(make_person(personas.municipality), primary=professional)
    make_case(make_person(personas.municipality))  # nobody assigned yet
    with scope(municipality=personas.municipality):
        services.risk_raise(actor=None, case=risky, kind="suicidal_ideation")
    html = page(personas, "lead")
    assert "担当者別のケース数" in html
    assert caseload_row(html, counselor.pk) == ["相談 花子 相談員", "2", "2", "1"]
    assert caseload_row(html, professional.pk)[1:] == ["2", "1", "1"]
    assert caseload_row(html, "none")[1:] == ["1", "0", "0"]


def test_a_closed_case_leaves_the_caseload(personas: Personas) -> None:
    counselor = personas.members["counselor"]
    case = make_case(make_person(personas.municipality), primary=counselor)
    with scope(municipality=personas.municipality):
        services.case_close(
            actor=personas.members["lead"], case=case, reason="wish", closed_on=timezone.localdate()
        )
    assert 'data-caseload="' not in page(personas, "lead")


@pytest.mark.parametrize("role", ["counselor", "professional", "partner"])
def test_only_the_lead_gets_the_caseload(personas: Personas, role: str) -> None:
    make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    assert 'id="home-caseload"' not in page(personas, role)


def test_the_committee_sees_the_latest_figures_with_small_counts_withheld(
    personas: Personas,
) -> None:
    for _ in range(3):
        make_consultation(personas.municipality)
    html = page(personas, "committee")
    figures = html[html.index('id="home-figures"') :]
    assert "最新の件数" in figures
    # Three consultations this fiscal year: a count of 1–4 is withheld.
    assert re.search(r'data-figure="total">X<', figures)
    assert "統計" in figures


def test_the_admin_sees_the_exact_latest_figures(personas: Personas) -> None:
    for _ in range(3):
        make_consultation(personas.municipality)
    html = page(personas, "admin")
    figures = html[html.index('id="home-figures"') :]
    assert re.search(r'data-figure="total">3<', figures)


def test_the_center_staff_get_cases_not_the_figures_block(personas: Personas) -> None:
    assert 'id="home-figures"' not in page(personas, "lead")


GUIDES = {
    "admin": "最新の相談件数",
    "lead": "担当者別のケース数",
    "counselor": "Alt+N",
    "professional": "あなたに入った相談日の予約",
    "place_staff": "今日の開催回",
    "partner": "回答待ちのつなぎ",
    "committee": "X と表示し秘匿します",
}


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.SUPPORTER])
def test_a_sentence_tells_each_role_what_it_finds(personas: Personas, role: str) -> None:
    html = page(personas, role)
    guide = re.search(r'<p id="home-guide">(.*?)</p>', html, re.S)
    assert guide and GUIDES[role] in guide[1]
