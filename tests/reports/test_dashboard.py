"""The committee's dashboard (センター事業運用実態把握) and its XLSX pack."""

import io
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from django_scopes import scope
from openpyxl import load_workbook

from tests.conftest import Personas
from tests.exporting import export
from tests.network.conftest import World, world  # noqa: F401  (fixture)
from tests.reports.conftest import Consult
from tests.reports.test_page import row, table
from tsunagu.network import services

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

ALLOWED = ["admin", "lead", "counselor", "committee"]
REFUSED = ["place_staff", "partner", "professional"]


def page(
    personas: Personas,
    role: str = "lead",
    query: str = "?fiscal_year=2025",
    *,
    outsider: bool = False,
) -> "_MonkeyPatchedWSGIResponse":
    client = personas.client(role, outsider=outsider) if outsider else personas.client(role)
    code = personas.outsider.code if outsider else personas.municipality.code
    return client.get(f"/m/{code}/statistics/dashboard/{query}")


def xlsx(
    personas: Personas, role: str = "lead", query: str = "?fiscal_year=2025"
) -> "_MonkeyPatchedWSGIResponse":
    return export(personas.client(role), personas.url(f"statistics/dashboard.xlsx{query}"))


@pytest.fixture
def year_of_work(personas: Personas, consult: Consult, world: World) -> None:  # noqa: F811
    """FY2025 (令和7年度): 12 phone calls and 2 walk-ins; 6 referrals to Hello Work, 2 to a
    hospital; FY2024: 7 phone calls."""
    for i in range(12):
        consult(f"2025-{4 + i % 9:02d}-10 10:00", "phone")
    consult("2025-05-01 10:00", "walk_in")
    consult("2025-06-01 10:00", "walk_in")
    for _ in range(7):
        consult("2024-07-01 10:00", "phone")
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        for destination, n in {"hello_work": 6, "medical": 2}.items():
            for i in range(n):
                services.referral_create(
                    actor=counselor,
                    case=world.case,
                    destination=destination,
                    purpose="つなぎ",
                    requested_on=date(2025, 4, 1) + timedelta(days=30 * i),
                )


def test_the_center_sees_five_fiscal_years_with_era_labels_and_exact_figures(
    personas: Personas, year_of_work: None
) -> None:
    response = page(personas, "lead")
    assert response.status_code == 200
    html = response.content.decode()
    assert "令和7年度（2025年度）" in html and "令和3年度（2021年度）" in html
    assert 'id="statistics-chart"' in html and 'id="statistics-chart-data"' in html
    assert "vendor/chartjs/chart.umd.js" in html
    consultations = table(html, "consultations")
    # Columns: FY2021 .. FY2025.
    assert row(consultations, "延べ件数")[-2:] == ["7", "14"]
    assert row(consultations, "電話")[-1] == "12"
    referrals = table(html, "referrals")
    assert row(referrals, "ハローワーク")[-1] == "6"
    assert row(referrals, "医療機関")[-1] == "2"
    assert row(referrals, "合計")[-1] == "8"
    for key in ("stages", "places", "supporters"):
        table(html, key)


def test_the_committee_gets_every_figure_through_the_disclosure_module(
    personas: Personas, year_of_work: None
) -> None:
    html = page(personas, "committee").content.decode()
    consultations = table(html, "consultations")
    assert row(consultations, "来所")[-1] == "X"  # two walk-ins
    referrals = table(html, "referrals")
    assert row(referrals, "医療機関")[-1] == "X"
    # With the total shown, one X would be the total less the rest: another is withheld too.
    body_rows = r"<tr><th scope=\"row\">[^<]+</th>(?:<td[^>]*>[^<]*</td>)*"
    destinations = re.findall(body_rows, referrals.split("<tfoot>")[0])
    last_column = [re.findall(r"<td[^>]*>([^<]*)</td>", r)[-1] for r in destinations]
    assert row(referrals, "合計")[-1] == "X" or last_column.count("X") >= 2
    for cell in re.findall(r'<td class="text-end">([^<]*)</td>', html):
        assert cell == "X" or not 1 <= int(cell) <= 4, html


def test_the_xlsx_pack_holds_the_same_tables(personas: Personas, year_of_work: None) -> None:
    response = xlsx(personas, "lead")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.sheetnames) == 6  # a cover and five tables
    referrals = [list(r) for r in book.worksheets[3].iter_rows(values_only=True)]
    assert referrals[1][-1] == "令和7年度（2025年度）"
    hello_work = next(r for r in referrals if r[0] == "ハローワーク")
    assert hello_work[-1] == 6
    committee = load_workbook(io.BytesIO(xlsx(personas, "committee").content))
    figures = [
        v
        for sheet in committee.worksheets[1:]
        for r in sheet.iter_rows(min_row=3, values_only=True)
        for v in r[1:]
    ]
    assert "X" in figures
    assert not any(isinstance(v, int) and 1 <= v <= 4 for v in figures)


@pytest.mark.parametrize("role", ALLOWED)
def test_each_role_that_sees_statistics_gets_the_dashboard(personas: Personas, role: str) -> None:
    assert page(personas, role).status_code == 200
    assert xlsx(personas, role).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused(personas: Personas, role: str) -> None:
    assert page(personas, role).status_code == 403
    assert xlsx(personas, role).status_code == 403


def test_a_supporter_confined_to_their_dispatches_gets_404(personas: Personas) -> None:
    assert page(personas, "supporter").status_code == 404
    assert xlsx(personas, "supporter").status_code == 404


def test_another_municipality_answers_404(personas: Personas) -> None:
    client = personas.client("admin")
    code = personas.outsider.code
    assert client.get(f"/m/{code}/statistics/dashboard/").status_code == 404
    assert client.post(f"/m/{code}/statistics/dashboard.xlsx").status_code == 404


@pytest.mark.parametrize("year", ["x", "1800", "9999", "２０２５"])
def test_a_fiscal_year_that_makes_no_sense_is_refused(personas: Personas, year: str) -> None:
    assert page(personas, query=f"?fiscal_year={year}").status_code == 400
    assert xlsx(personas, query=f"?fiscal_year={year}").status_code == 400
