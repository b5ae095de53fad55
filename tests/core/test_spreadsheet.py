"""The export helper: text that a spreadsheet would run as a formula is neutralized."""

import io

import openpyxl
import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from tsunagu.core.spreadsheet import csv_cell, is_formula_like, xlsx_append

# Every start that makes a formula: ASCII, full-width, after (full-width) spaces.
FORMULAS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1)",
    "\t=1+1",
    "\r=1+1",
    "＝1+1",
    "＋1+1",
    "－1+1",
    "＠SUM(A1)",
    "  =1+1",
    '\u3000＝HYPERLINK("http://example.com")',
    ' =HYPERLINK("http://example.com","詳細")',
]
HARMLESS = ["豊明 太郎", "電話", "a=b", "≦4", "", "2018-04", "1-2"]


@pytest.mark.parametrize("text", FORMULAS)
def test_formula_starts_are_recognized(text: str) -> None:
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text: str) -> None:
    assert not is_formula_like(text)
    assert csv_cell(text) == text


def test_numbers_stay_numbers() -> None:
    assert csv_cell(-3) == -3
    assert csv_cell(2.5) == 2.5
    assert csv_cell(None) is None


def reopened(rows: list[list[object]]) -> Worksheet:
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)
    for row in rows:
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    reread = openpyxl.load_workbook(buffer).active
    assert isinstance(reread, Worksheet)
    return reread


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_writes_formula_like_text_as_quoted_text(text: str) -> None:
    cell = reopened([[text, -5]])["A1"]
    assert cell.data_type == "s"
    # XML reads a carriage return back as a line feed; the text is otherwise unchanged.
    assert cell.value == text.replace("\r", "\n")
    assert cell.quotePrefix


def test_xlsx_keeps_numbers_numeric_and_plain_text_unquoted() -> None:
    sheet = reopened([["電話", 6, -1, 2.5], [], ["≦4"]])
    assert [c.value for c in sheet[1]] == ["電話", 6, -1, 2.5]
    assert [c.data_type for c in sheet[1]] == ["s", "n", "n", "n"]
    assert not sheet["A1"].quotePrefix
    assert sheet["A3"].value == "≦4"


def test_every_xlsx_is_finished_for_reading_and_print() -> None:
    from tsunagu.core.spreadsheet import SheetSpec, xlsx_bytes

    body = xlsx_bytes(
        [
            SheetSpec(
                "相談記録[1]",
                [["題", ""], ["日時", "内容"], ["2018-04-02", "=1+1"], ["2018-04-03", "電話" * 40]],
                header_row=2,
                bold_rows=(1,),
            ),
            SheetSpec("codes", [["列", "書き方"], ["相談方法", "電話"]], landscape=False),
        ]
    )
    book = openpyxl.load_workbook(io.BytesIO(body))
    assert book.sheetnames == ["相談記録1", "codes"]  # [ ] are not allowed in a sheet's name
    sheet = book["相談記録1"]
    header = sheet[2]
    assert all(c.font.b for c in header) and header[0].fill.fgColor.rgb.endswith("E8EEF4")
    assert sheet["A1"].font.b  # a caption row asked bold
    assert all(c.border.left.style == "thin" for row in sheet.iter_rows(min_row=2) for c in row)
    assert sheet.column_dimensions["A"].width >= 12  # as wide as "2018-04-02"
    assert sheet.column_dimensions["B"].width == 62  # a long text is capped, and wraps
    assert sheet["B4"].alignment.wrap_text
    assert sheet.print_title_rows == "$2:$2" and sheet.freeze_panes == "A3"
    assert sheet.page_setup.paperSize is not None
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr is not None
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet["B3"].data_type == "s" and sheet["B3"].quotePrefix
    assert book["codes"].page_setup.orientation == "portrait"


def test_no_xlsx_is_written_but_through_the_one_writer() -> None:
    """Every XLSX export goes through xlsx_bytes (and so xlsx_finish): no other module makes a
    workbook of its own (reading one, as the import does, is fine)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "tsunagu"
    writers = [
        str(p.relative_to(root))
        for p in root.rglob("*.py")
        if "Workbook(" in p.read_text(encoding="utf-8")
    ]
    assert writers == ["core/spreadsheet.py"]
