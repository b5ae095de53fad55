"""The import screen offers a template that the import accepts as it is."""

from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django_scopes import scope
from openpyxl import load_workbook

from tests.conftest import Personas
from tsunagu.consultations import importer
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def download(
    personas: Personas, role: str = "lead", outsider: bool = False
) -> "_MonkeyPatchedWSGIResponse":
    return personas.client(role).get(
        personas.url("consultations/import/template.xlsx", outsider=outsider)
    )


def test_the_import_screen_links_the_template(personas: Personas) -> None:
    page = personas.client("lead").get(personas.url("consultations/import/")).content.decode()
    assert 'id="import-template"' in page and "template.xlsx" in page


def test_the_template_has_the_columns_an_example_in_wareki_and_the_codes(
    personas: Personas,
) -> None:
    response = download(personas)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(BytesIO(response.content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header == list(importer.COLUMNS)
    example = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert isinstance(example["日時"], str)
    assert example["日時"].startswith("R7.")  # written the way offices write dates
    assert sheet["A1"].font.bold and sheet.print_title_rows == "$1:$1"
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4
    assert sheet.page_setup.orientation == "landscape"
    codes = {(r[0], r[1]) for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert ("相談方法", "電話") in codes and ("相談者", "家族") in codes and ("続柄", "母") in codes


def test_the_template_imports_as_it_is(personas: Personas, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(download(personas).content)
    call_command("import_data", "consultations", str(path), municipality="232297")
    with scope(municipality=personas.municipality):
        [saved] = Consultation.objects.all()
    assert saved.occurred_at == datetime(2025, 4, 1, 14, 30, tzinfo=TOKYO)
    assert (saved.channel, saved.consulter, saved.consulter_relation) == (
        "phone",
        "family",
        "mother",
    )


@pytest.mark.parametrize("role", ["counselor", "professional", "partner", "committee"])
def test_roles_that_do_not_import_are_refused(personas: Personas, role: str) -> None:
    assert download(personas, role).status_code == 403


def test_another_municipality_answers_404(personas: Personas) -> None:
    assert download(personas, outsider=True).status_code == 404
