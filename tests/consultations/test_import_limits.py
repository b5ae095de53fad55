"""Import files are read within limits, and each limit stops the check with a clear Japanese
message: file size, rows, columns, cell length, CSV lines and fields, and XLSX files that
inflate without bound or claim a million rows."""

import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_scopes import scope
from openpyxl import Workbook, load_workbook
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.consultations import importer
from tsunagu.consultations.forms import ImportUploadForm
from tsunagu.consultations.importer import CheckResult, ConsultationImport, ImportFileError

from .conftest import HEADER

ROW = "2018-04-02,電話,本人,,,,"


def check(personas: Personas, path: Path) -> CheckResult:
    with scope(municipality=personas.municipality), translation.override("ja"):
        return ConsultationImport(municipality=personas.municipality, actor=None).check(path)


def refusal(personas: Personas, path: Path) -> str:
    with pytest.raises(ImportFileError) as caught:
        check(personas, path)
    return str(caught.value)


def test_a_file_over_the_size_limit_is_refused_before_any_row_is_read(
    personas: Personas, write_csv: Callable[..., Path], settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_IMPORT_MAX_BYTES = 1024 * 1024
    path = write_csv(*[ROW] * 60_000)
    assert path.stat().st_size > 1024 * 1024
    message = refusal(personas, path)
    assert "最大 1 MB" in message and "分けて" in message


def test_rows_beyond_the_limit_are_refused_and_the_limit_itself_passes(
    personas: Personas, write_csv: Callable[..., Path], settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_IMPORT_MAX_ROWS = 5
    assert check(personas, write_csv(*[ROW] * 5)).rows == 5
    message = refusal(personas, write_csv(*[ROW] * 6))
    assert "5 行" in message and "分けて" in message


def test_a_cell_over_the_length_limit_is_refused_naming_its_line(
    personas: Personas, write_csv: Callable[..., Path], settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_IMPORT_MAX_CELL_CHARS = 100
    assert check(personas, write_csv(ROW + "あ" * 100)).rows == 1
    message = refusal(personas, write_csv(ROW, ROW + "あ" * 101))
    assert "3 行目" in message and "101 文字" in message


def test_too_many_columns_are_refused(personas: Personas, write_csv: Callable[..., Path]) -> None:
    message = refusal(personas, write_csv(ROW + "," * 200))
    assert "2 行目" in message and "列" in message


def test_a_csv_line_without_line_breaks_is_refused_without_reading_it_whole(
    personas: Personas, write_csv: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importer, "MAX_CSV_LINE_CHARS", 1000)
    message = refusal(personas, write_csv(ROW, "x" * 5000))
    assert "3 行目" in message and "1,000 文字" in message


def test_a_quote_that_is_never_closed_is_a_clear_error(
    personas: Personas, write_csv: Callable[..., Path]
) -> None:
    # csv's own field bound (131,072 characters) is reached across many short lines.
    path = write_csv(ROW, '2018-04-02,電話,本人,,,,"始まり', *["続き" * 50] * 2000)
    message = refusal(personas, path)
    assert "3 行目" in message and "引用符" in message
    assert "field limit" not in message


def xlsx(path: Path, rows: list[list[str]]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


HEADER_CELLS = HEADER.split(",")


def test_an_xlsx_inflating_beyond_the_limit_is_refused(
    personas: Personas, tmp_path: Path, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_IMPORT_MAX_XLSX_UNCOMPRESSED = 200_000
    path = xlsx(tmp_path / "big.xlsx", [HEADER_CELLS, ["2018-04-02", "電話", "本人"]])
    assert check(personas, path).rows == 1
    path = xlsx(
        tmp_path / "bomb.xlsx",
        [HEADER_CELLS, ["2018-04-02", "電話", "本人", *[f"{n}" + "a" * 30_000 for n in range(10)]]],
    )
    message = refusal(personas, path)
    assert "展開" in message and "MB" in message


def test_a_zip_bomb_is_refused_by_its_ratio(personas: Personas, tmp_path: Path) -> None:
    path = xlsx(tmp_path / "ratio.xlsx", [HEADER_CELLS, ["2018-04-02", "電話", "本人"]])
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (30 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    started = time.monotonic()
    message = refusal(personas, path)
    assert "展開" in message
    assert time.monotonic() - started < 10


def test_a_sheet_with_a_row_far_down_is_refused_at_the_row_limit(
    personas: Personas, tmp_path: Path, settings: SettingsWrapper
) -> None:
    # openpyxl fills every missing row between two rows: one cell in row 1,000,000 costs a
    # million empty rows. The row limit counts them and stops there.
    settings.TSUNAGU_IMPORT_MAX_ROWS = 1000
    path = xlsx(tmp_path / "far.xlsx", [HEADER_CELLS, ["2018-04-02", "電話", "本人"]])
    workbook = load_workbook(path)
    assert workbook.active is not None
    workbook.active.cell(row=100_000, column=1, value="2018-04-02")
    workbook.save(path)
    message = refusal(personas, path)
    assert "1,000 行" in message


def test_a_forged_dimension_neither_pads_rows_nor_trips_the_column_limit(
    personas: Personas, tmp_path: Path
) -> None:
    path = xlsx(tmp_path / "claim.xlsx", [HEADER_CELLS, ["2018-04-02", "電話", "本人"]])
    forged = tmp_path / "forged.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                start = content.index(b"<dimension ref=")
                end = content.index(b"/>", start) + 2
                content = content[:start] + b'<dimension ref="A1:XFD1048576"/>' + content[end:]
            target.writestr(info, content)
    started = time.monotonic()
    assert check(personas, forged).rows == 1
    assert time.monotonic() - started < 5


def test_the_upload_form_refuses_a_file_over_the_size_limit(settings: SettingsWrapper) -> None:
    settings.TSUNAGU_IMPORT_MAX_BYTES = 10
    upload = SimpleUploadedFile("import.csv", b"x" * 11)
    with translation.override("ja"):
        form = ImportUploadForm(data={}, files={"file": upload})
        assert not form.is_valid()
        assert "MB" in form.errors["file"][0]
