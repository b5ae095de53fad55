"""Every XLSX the app hands out has bold headers, borders, widths and A4 landscape print
settings with the title row repeated (tsunagu.core.spreadsheet.xlsx_finish), read back."""

import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests.conftest import Personas
from tests.exporting import export


def finished(body: bytes) -> None:
    for sheet in load_workbook(io.BytesIO(body)).worksheets:
        assert sheet.print_title_rows, sheet.title
        paper = sheet.page_setup.paperSize
        assert paper is not None and int(paper) == 9, sheet.title  # A4
        header = int(sheet.print_title_rows.split(":")[0].strip("$"))
        assert any(c.font.b for c in sheet[header] if c.value is not None), sheet.title
        assert sheet.cell(row=header, column=1).border.left.style == "thin"
        assert sheet.column_dimensions["A"].width, sheet.title


@pytest.mark.parametrize(
    "path",
    [
        "statistics/export.xlsx?fiscal_year=2018",
        "statistics/dashboard.xlsx?fiscal_year=2025",
        "places/statistics.xlsx?fiscal_year=2025",
        "exports/consultations.xlsx",
        "exports/supporters/payments.xlsx?month=2025-04",
    ],
)
def test_queued_xlsx_exports_are_finished(personas: Personas, path: str) -> None:
    response = export(personas.client("lead"), personas.url(path))
    assert response.status_code == 200
    finished(response.content)
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[-1]
    assert sheet.page_setup.orientation == "landscape"


def test_a_surveys_table_is_finished(personas: Personas) -> None:
    from django_scopes import scope

    from tsunagu.surveys.models import Survey

    with scope(municipality=personas.municipality):
        survey = Survey.objects.create(
            municipality=personas.municipality, name="民生委員調査", conducted_on=date(2025, 7, 1)
        )
    table = export(personas.client("lead"), personas.url(f"exports/surveys/{survey.pk}.xlsx"))
    assert table.status_code == 200
    finished(table.content)
