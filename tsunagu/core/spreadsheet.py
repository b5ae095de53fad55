"""Cells of every CSV and XLSX export, written so that no text becomes a spreadsheet formula.

Text that starts with = + - @ (or their full-width forms ＝＋－＠), a tab or a carriage return,
even after leading spaces, is a formula to Excel and LibreOffice (formula injection: a group
name or a username like `=HYPERLINK(...)` runs when an official opens the file). CSV has no
types, so such text gets a leading apostrophe, which spreadsheets take as "this is text". In
XLSX every text cell is written as a string (never a formula) and dangerous text is marked
quote-prefixed, so it stays text even when someone edits the cell. Numbers stay numbers.
"""

import csv
import io
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
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


def _display_width(value: Any) -> int:
    """Columns a value takes on screen: full-width characters (漢字, かな) count twice."""
    text = str(value) if value is not None else ""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def xlsx_finish(sheet: Worksheet, *, header_row: int = 1, landscape: bool = True) -> None:
    """Make a sheet ready to read and print: bold header, borders, widths, A4 with titles.

    The header row is bold on a light fill and repeats on every printed page; every used cell
    gets a thin border; columns are as wide as their longest value (full-width counted twice,
    capped so a long summary wraps instead of running off the page); the page is A4, landscape
    by default, fitted to one page wide.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    if sheet.max_row < header_row:
        return
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF4")
    widths: dict[int, int] = {}
    for row in sheet.iter_rows(min_row=header_row):
        for cell in row:
            if cell.value is None and cell.row != header_row:
                continue
            cell.border = border
            if cell.row == header_row:
                cell.font = bold
                cell.fill = fill
                cell.alignment = Alignment(vertical="center", wrap_text=True)
            elif isinstance(cell.value, str) and _display_width(cell.value) > 60:
                cell.alignment = Alignment(vertical="top", wrap_text=True)
            width = max(_display_width(line) for line in str(cell.value or "").split("\n"))
            column = int(cell.column or 1)
            widths[column] = max(widths.get(column, 0), width)
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 6), 62)
    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    from openpyxl.worksheet.properties import PageSetupProperties

    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)


@dataclass
class SheetSpec:
    """One sheet of an export: its rows, and which row is the table's header.

    `header_row` is bold, bordered and repeated on every printed page (`xlsx_finish`); other
    rows in `bold_rows` (a report's captions) are bold too.
    """

    title: str
    rows: Sequence[Sequence[Any]]
    header_row: int = 1
    bold_rows: Sequence[int] = ()
    landscape: bool = True


def xlsx_bytes(sheets: Sequence[SheetSpec]) -> bytes:
    """The one writer of every XLSX the app hands out: safe cells, finished for print."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for spec in sheets:
        # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
        name = "".join(c for c in spec.title if c not in "[]:*?/\\")[:31] or "Sheet"
        sheet = book.create_sheet(name)
        for row in spec.rows:
            xlsx_append(sheet, row)
        xlsx_finish(sheet, header_row=spec.header_row, landscape=spec.landscape)
        for number in spec.bold_rows:
            for cell in sheet[number]:
                cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV for Excel: UTF-8 with a BOM (cp932 cannot hold every name), CRLF lines, safe cells."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(csv_row(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")
