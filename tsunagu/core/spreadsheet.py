"""Cells of every CSV and XLSX export, written so that no text becomes a spreadsheet formula.

Text that starts with = + - @ (or their full-width forms ＝＋－＠), a tab or a carriage return,
even after leading spaces, is a formula to Excel and LibreOffice (formula injection: a group
name or a username like `=HYPERLINK(...)` runs when an official opens the file). CSV has no
types, so such text gets a leading apostrophe, which spreadsheets take as "this is text". In
XLSX every text cell is written as a string (never a formula) and dangerous text is marked
quote-prefixed, so it stays text even when someone edits the cell. Numbers stay numbers.
"""

import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl.cell.cell import Cell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = frozenset("=+-@\t\r\n")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read the text as a formula."""
    first = text.lstrip(" \u3000")[:1]
    return bool(first) and unicodedata.normalize("NFKC", first) in FORMULA_STARTS


def csv_cell(value: Any) -> Any:
    """The value as a CSV cell: text that looks like a formula gets a leading apostrophe."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_cell(v) for v in values]


def xlsx_append(sheet: Worksheet, values: Sequence[Any]) -> None:
    """Append a row; text cells are strings (never formulas), numbers stay numbers."""
    cells: list[Any] = []
    for value in values:
        if isinstance(value, str):
            cell = Cell(sheet, row=1, column=1)  # append() places it
            cell.value = value
            cell.data_type = "s"  # openpyxl would have made "=..." a formula
            if is_formula_like(value):
                cell.quotePrefix = True
            cells.append(cell)
        else:
            cells.append(value)
    sheet.append(cells)
