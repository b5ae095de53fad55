import csv
import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import unquote

import openpyxl

from tests.conftest import Personas
from tests.exporting import export as export_through_the_queue
from tests.reports.conftest import Consult
from tsunagu.people.models import Person
from tsunagu.reports.models import ReportingGroup

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def export(
    personas: Personas,
    kind: str,
    query: str = "?from=2018-04-01&to=2018-12-31",
    role: str = "lead",
) -> "_MonkeyPatchedWSGIResponse":
    return export_through_the_queue(
        personas.client(role),
        personas.url(f"statistics/export.{kind}{query}"),
        **{"Accept-Language": "en"},
    )


def seed(consult: Consult, person: Callable[..., Person]) -> None:
    taro = person()
    for _ in range(6):
        consult("2018-04-02 10:00", "phone", person=taro)
    for _ in range(2):
        consult("2018-07-02 10:00", "walk_in")
    consult("2018-12-02 10:00", "email")
    consult("2018-12-03 10:00", "letter")


def rows_of_csv(response: "_MonkeyPatchedWSGIResponse") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_csv_opens_in_excel_with_japanese_intact(
    personas: Personas,
    consult: Consult,
    person: Callable[..., Person],
    mail_and_letters: ReportingGroup,
) -> None:
    seed(consult, person)
    response = export(personas, "csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content
    rows = rows_of_csv(response)
    assert "平成30年4月〜平成30年12月" in rows[0][0] and "豊明市" in rows[0][0]
    assert rows[1][1:] == ["2018-04-01", "2018-12-31"]
    by_label = {r[0]: r[1:] for r in rows if r}
    assert by_label["Phone"] == ["6", "1"]
    assert by_label["Walk-in"] == ["2", "0"]
    assert by_label["その他（メール・手紙）"] == ["2", "0"]
    assert by_label["2018-04"][0] == "平成30年4月"


def test_the_file_name_is_ascii_with_a_japanese_alternative(personas: Personas) -> None:
    response = export(personas, "csv", "?fiscal_year=2018")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="consultations_232297_fy2018.csv"')
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert encoded.isascii()
    assert "豊明市" in unquote(encoded) and "平成30年度" in unquote(encoded)


def test_the_xlsx_has_the_same_numbers_as_the_csv(
    personas: Personas,
    consult: Consult,
    person: Callable[..., Person],
    mail_and_letters: ReportingGroup,
) -> None:
    seed(consult, person)
    response = export(personas, "xlsx")
    assert response.status_code == 200
    assert (
        'filename="consultations_232297_2018-04-01_2018-12-31.xlsx"'
        in response["Content-Disposition"]
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    assert isinstance(cells[0][0], str) and "平成30年4月〜平成30年12月" in cells[0][0]
    csv_rows = rows_of_csv(export(personas, "csv"))
    as_text = [["" if c is None else str(c) for c in row] for row in cells]
    trimmed = [[c for c in row if c != ""] for row in as_text]
    assert trimmed == [[c for c in row if c != ""] for row in csv_rows]
    by_label: dict[object, Sequence[object]] = {}
    for r in cells:
        if r and r[0]:
            by_label.setdefault(r[0], r[1:])
    assert by_label["Phone"][:2] == [6, 1]
    assert by_label["Total"][:2] == [10, 1]


def test_the_committees_exports_suppress_small_counts(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    seed(consult, person)
    year = "?fiscal_year=2018"
    rows = rows_of_csv(export(personas, "csv", year, role="committee"))
    by_label = {r[0]: r[1:] for r in rows if r}
    assert by_label["Phone"][1] == "X"  # one person
    assert by_label["Walk-in"] == ["X", "0"]
    assert not {"1", "2", "3", "4"} & {c for r in rows[2:] for c in r}
    response = export(personas, "xlsx", year, role="committee")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "X" in values and not {1, 2, 3, 4} & set(values)


def test_the_committee_cannot_export_a_period_shorter_than_a_fiscal_year(
    personas: Personas,
) -> None:
    assert export(personas, "csv", role="committee").status_code == 400


def test_an_export_of_a_bad_period_is_refused(personas: Personas) -> None:
    assert export(personas, "csv", "?from=2018-12-31&to=2018-01-01").status_code == 400


def test_roles_without_statistics_may_not_export(personas: Personas) -> None:
    assert export(personas, "csv", role="place_staff").status_code == 403
    # A supporter is not even told that the export exists.
    assert export(personas, "csv", role="supporter").status_code == 404
    assert export(personas, "xlsx", role="partner").status_code == 403


def test_the_exports_carry_referrals_by_destination_exact_for_staff_and_safe_outside(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    from datetime import date, timedelta

    from django_scopes import scope

    from tsunagu.cases.services import case_open
    from tsunagu.network.services import referral_create

    seed(consult, person)
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        taro = person("架空 太郎")
        case = case_open(
            actor=counselor,
            person=taro,
            opened_on=date(2018, 4, 1),
            referral_source="family",
            primary=counselor,
        )
        for destination, n in {"hello_work": 9, "saposute": 6, "medical": 2}.items():
            for i in range(n):
                referral_create(
                    actor=counselor,
                    case=case,
                    destination=destination,
                    purpose="つなぎ",
                    requested_on=date(2018, 4, 2) + timedelta(days=i),
                )
    year = "?fiscal_year=2018"
    staff = rows_of_csv(export(personas, "csv", year))
    start = staff.index(["Referrals by destination"])
    section = {r[0]: r[1:] for r in staff[start + 2 :] if r}
    assert section["Hello Work"] == ["9"] and section["Medical institution"] == ["2"]
    assert section["Total"] == ["17"]
    outside = rows_of_csv(export(personas, "csv", year, role="committee"))
    start = outside.index(["Referrals by destination"])
    section = {r[0]: r[1:] for r in outside[start + 2 :] if r}
    assert section["Medical institution"] == ["X"]
    # The total less the others would give the 2 back: another count is withheld as well.
    withheld = [k for k, v in section.items() if v == ["X"]]
    assert section["Total"] == ["X"] or len(withheld) >= 2
