import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tests.reports.conftest import Consult
from tsunagu.people.models import Person
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.services import reporting_group_save

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def page(
    personas: Personas, role: str = "lead", query: str = "", language: str = "ja"
) -> "_MonkeyPatchedWSGIResponse":
    return personas.client(role).get(
        personas.url(f"statistics/{query}"), headers={"Accept-Language": language}
    )


def table(html: str, key: str) -> str:
    match = re.search(rf'<table[^>]*id="stats-{key}".*?</table>', html, re.S)
    assert match, f"no table {key}"
    return match.group(0)


def row(html: str, label: str) -> list[str]:
    match = re.search(rf"<tr[^>]*><th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", html, re.S)
    assert match, f"no row {label}"
    return re.findall(r"<td[^>]*>(.*?)</td>", match.group(1))


def test_it_shows_the_current_fiscal_year_by_default(personas: Personas) -> None:
    response = page(personas)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="statistics-chart"' in html
    assert 'id="statistics-chart-data"' in html
    assert html.count('<option value="') >= 1
    assert re.search(r'<option value="\d{4}" selected>', html)


def test_the_fiscal_year_options_name_the_era_and_the_western_year(
    personas: Personas, consult: Consult
) -> None:
    consult("2018-04-02 10:00", "phone")
    html = page(personas, query="?fiscal_year=2019").content.decode()
    assert '<option value="2018">平成30年度（2018年度）</option>' in html
    assert '<option value="2019" selected>令和元年度（2019年度）</option>' in html


def test_it_counts_a_fiscal_year_by_channel_with_groups_and_total(
    personas: Personas,
    consult: Consult,
    person: Callable[..., Person],
    mail_and_letters: ReportingGroup,
) -> None:
    taro = person()
    for _ in range(5):
        consult("2018-04-02 10:00", "phone", person=taro)
    for _ in range(6):
        consult("2018-05-02 10:00", "walk_in")
    consult("2018-06-02 10:00", "email")
    consult("2018-06-03 10:00", "letter")
    html = page(personas, query="?fiscal_year=2018", language="en").content.decode()
    channels = table(html, "channel")
    assert row(channels, "Phone") == ["5", "1"]
    assert row(channels, "Walk-in") == ["6", "0"]
    assert row(channels, "その他（メール・手紙）") == ["2", "0"]
    assert row(channels, "Total") == ["13", "1"]
    months = table(html, "month")
    assert row(months, "2018-05")[0] == "平成30年5月"


def test_a_range_shows_every_month_of_it(personas: Personas) -> None:
    html = page(personas, query="?from=2018-04-01&to=2018-12-31").content.decode()
    months = table(html, "month")
    assert re.findall(r'<th scope="row">(\d{4}-\d{2})</th>', months) == [
        f"2018-{n:02d}" for n in range(4, 13)
    ]
    assert "平成30年4月〜平成30年12月" in html
    assert 'action="/m/232297/statistics/export.csv?from=2018-04-01&amp;to=2018-12-31"' in html


def test_a_bad_range_is_explained_on_the_page(personas: Personas) -> None:
    response = page(personas, query="?from=2018-12-31&to=2018-04-01")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_to_errors"' in html
    assert 'id="stats-channel"' not in html


@pytest.mark.parametrize("role", ["admin", "lead", "counselor", "committee"])
def test_each_role_that_sees_statistics_finds_them_in_the_menu(
    personas: Personas, role: str
) -> None:
    html = personas.client(role).get(personas.url("")).content.decode()
    assert 'href="/m/232297/statistics/"' in html
    assert page(personas, role).status_code == 200


@pytest.mark.parametrize("role", ["professional", "place_staff", "partner"])
def test_other_roles_neither_see_nor_reach_statistics(personas: Personas, role: str) -> None:
    html = personas.client(role).get(personas.url("")).content.decode()
    assert 'href="/m/232297/statistics/"' not in html
    assert page(personas, role).status_code == 403


def test_another_municipalitys_statistics_answer_404(personas: Personas) -> None:
    client = personas.client("lead")
    assert client.get(personas.url("statistics/", outsider=True)).status_code == 404
    assert client.post(personas.url("statistics/export.csv", outsider=True)).status_code == 404


def test_the_committee_sees_small_counts_suppressed_and_no_person(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    taro = person("豊明 太郎")
    for _ in range(3):
        consult("2018-04-02 10:00", "phone", "family", person=taro)
    for _ in range(7):
        consult("2018-05-02 10:00", "walk_in")
    html = page(personas, "committee", "?fiscal_year=2018", language="en").content.decode()
    assert "豊明 太郎" not in html and "太郎" not in html
    channels = table(html, "channel")
    assert row(channels, "Phone") == ["X", "X"]
    # The walk-ins are withheld too, or the phone count would be the total less them.
    assert row(channels, "Walk-in") == ["X", "0"]
    assert row(channels, "Total") == ["10", "X"]
    # The chart's data must not carry the exact small count either.
    chart = re.search(r'id="statistics-chart-data"[^>]*>(.*?)</script>', html, re.S)
    assert chart is not None
    data = chart.group(1)
    assert '"code": "phone", "data": [null,' in data


def test_staff_see_the_exact_small_counts(personas: Personas, consult: Consult) -> None:
    consult("2018-04-02 10:00", "phone")
    html = page(personas, "counselor", "?fiscal_year=2018", language="en").content.decode()
    assert row(table(html, "channel"), "Phone") == ["1", "0"]
    assert ">X<" not in html


def test_the_page_has_no_inline_script(personas: Personas) -> None:
    html = page(personas).content.decode()
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts)
    assert "statistics.js" in html


def test_groups_are_listed_in_their_order(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        reporting_group_save(
            municipality=personas.municipality, name="B群", channels=["phone"], position=2
        )
        reporting_group_save(
            municipality=personas.municipality, name="A群", channels=["walk_in"], position=1
        )
    html = table(page(personas).content.decode(), "channel")
    assert html.index("A群") < html.index("B群")
