"""Every export neutralizes text that a spreadsheet would run as a formula: the statistics
CSV and XLSX (reporting-group names) and the access-log CSVs (usernames)."""

import csv
import io
from datetime import date, timedelta
from typing import TYPE_CHECKING

import openpyxl
import pytest
from django.http import HttpResponse
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.core.test_spreadsheet import FORMULAS
from tests.exporting import export
from tests.reports.conftest import Consult
from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen, access_record
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.services import reporting_group_save

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

QUERY = "?from=2018-04-01&to=2018-12-31"


def group_named(personas: Personas, name: str) -> ReportingGroup:
    with scope(municipality=personas.municipality):
        return reporting_group_save(
            municipality=personas.municipality, name=name, channels=["email", "letter"]
        )


def csv_rows(response: "HttpResponse | _MonkeyPatchedWSGIResponse") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.mark.parametrize("name", FORMULAS)
def test_statistics_csv_neutralizes_a_formula_group_name(
    personas: Personas, consult: Consult, name: str
) -> None:
    stored = group_named(personas, name).name  # the name as saved (trimmed)
    consult("2018-04-02 10:00", "email")
    response = export(personas.client("lead"), personas.url(f"statistics/export.csv{QUERY}"))
    assert response.status_code == 200
    row = next(r for r in csv_rows(response) if r and r[0].endswith(stored))
    assert row == ["'" + stored, "1", "0"]  # counts stay plain numbers


@pytest.mark.parametrize("name", FORMULAS)
def test_statistics_xlsx_writes_a_formula_group_name_as_text(
    personas: Personas, consult: Consult, name: str
) -> None:
    stored = group_named(personas, name).name
    consult("2018-04-02 10:00", "email")
    response = export(personas.client("lead"), personas.url(f"statistics/export.xlsx{QUERY}"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    expected = stored.replace("\r", "\n")  # XML reads a carriage return back as a line feed
    row = next(r for r in sheet.iter_rows() if r[0].value == expected)
    assert row[0].data_type == "s" and row[0].quotePrefix
    assert [c.value for c in row[1:3]] == [1, 0]
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


# A tab or line break cannot be part of a username (nor of the file name it goes into).
USERNAMES = [f for f in FORMULAS if not any(c in f for c in "\t\r")]


@pytest.mark.parametrize("username", USERNAMES)
def test_access_log_csv_neutralizes_a_formula_username(personas: Personas, username: str) -> None:
    counselor = personas.members["counselor"]
    with scopes_disabled():
        counselor.user.username = username
        counselor.user.save()
    access_record(membership=counselor, action=AccessAction.VIEW, seen=[Seen("person", 1, "x")])
    response = personas.client("lead").get(
        personas.url("audit/users/access.csv"),
        {
            "member": str(counselor.pk),
            "start": str(date.today() - timedelta(days=7)),
            "end": str(date.today() + timedelta(days=1)),
        },
    )
    assert response.status_code == 200, response.content[:300]
    rows = csv_rows(response)
    assert ["'" + username] in [r[2:3] for r in rows]
    assert all(r[0].isdigit() for r in rows[1:])  # entry numbers stay numbers
