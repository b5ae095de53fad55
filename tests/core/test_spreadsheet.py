"""The export helper: text that a spreadsheet would run as a formula is neutralized."""

import io

import openpyxl
import pytest
from openpyxl import Workbook

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
def test_formula_starts_are_recognized(text):
    assert is_formula_like(text)
    assert csv_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_other_text_is_left_alone(text):
    assert not is_formula_like(text)
    assert csv_cell(text) == text


def test_numbers_stay_numbers():
    assert csv_cell(-3) == -3
    assert csv_cell(2.5) == 2.5
    assert csv_cell(None) is None


def reopened(rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        xlsx_append(sheet, row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer).active


@pytest.mark.parametrize("text", FORMULAS)
def test_xlsx_writes_formula_like_text_as_quoted_text(text):
    cell = reopened([[text, -5]])["A1"]
    assert cell.data_type == "s"
    # XML reads a carriage return back as a line feed; the text is otherwise unchanged.
    assert cell.value == text.replace("\r", "\n")
    assert cell.quotePrefix


def test_xlsx_keeps_numbers_numeric_and_plain_text_unquoted():
    sheet = reopened([["電話", 6, -1, 2.5], [], ["≦4"]])
    assert [c.value for c in sheet[1]] == ["電話", 6, -1, 2.5]
    assert [c.data_type for c in sheet[1]] == ["s", "n", "n", "n"]
    assert not sheet["A1"].quotePrefix
    assert sheet["A3"].value == "≦4"
