"""PDF documents from simple blocks, with a Japanese font embedded as a subset.

One small helper for every app that hands out a paper: completion certificates (修了証),
meeting minutes, survey questionnaires. A document is a list of blocks::

    pdf.render([pdf.Heading("修了証"), pdf.Paragraph("山田 太郎 殿", size=16, align="C")])

returns the bytes of an A4 PDF. The font is Noto Sans CJK JP (SIL Open Font License), which
the `noto-cjk-sans-jp-regular` package brings from the package index: no system font is
assumed. fpdf2 embeds only the glyphs a document uses (a subset, `XXXXXX+` name), so a
one-page certificate stays a few kilobytes.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

FONT = "NotoSansJP"
Align = Literal["L", "C", "R", "J"]


@dataclass(frozen=True)
class Heading:
    text: str
    size: float = 20
    align: Align = "C"


@dataclass(frozen=True)
class Paragraph:
    text: str
    size: float = 11
    align: Align = "L"


@dataclass(frozen=True)
class Table:
    """Rows of cells; the first row is the header when `header`."""

    rows: Sequence[Sequence[str]]
    header: bool = True
    size: float = 10
    widths: Sequence[int] = field(default_factory=tuple)


@dataclass(frozen=True)
class Space:
    height: float = 8  # millimetres


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Space | PageBreak


@cache
def font_path() -> Path:
    """The OpenType Japanese font that pip installed with the project."""
    import noto_cjk_sans_jp_regular

    return Path(str(noto_cjk_sans_jp_regular.FONT_PATH))


def _clean(text: str) -> str:
    """Printable text only: control characters would draw nothing or break a line."""
    return "".join(c for c in str(text) if c in "\n\t" or c.isprintable()).replace("\t", " ")


def render(
    blocks: Sequence[Block],
    *,
    title: str = "",
    author: str = "",
    orientation: Literal["P", "L", "portrait", "landscape"] = "P",
    margin: float = 20,
) -> bytes:
    """The PDF of `blocks` on A4 pages (portrait unless `orientation="L"`)."""
    pdf = FPDF(orientation=orientation, unit="mm", format="A4")
    pdf.set_margins(margin, margin, margin)
    pdf.set_auto_page_break(True, margin=margin)
    pdf.add_font(FONT, "", str(font_path()))
    if title:
        pdf.set_title(_clean(title))
    if author:
        pdf.set_author(_clean(author))
    pdf.set_creator("Tsunagu")
    pdf.add_page()
    for block in blocks:
        if isinstance(block, PageBreak):
            pdf.add_page()
        elif isinstance(block, Space):
            pdf.ln(block.height)
        elif isinstance(block, Heading | Paragraph):
            pdf.set_font(FONT, size=block.size)
            pdf.multi_cell(
                0,
                block.size * 0.6,
                _clean(block.text),
                align=block.align,
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
            if isinstance(block, Heading):
                pdf.ln(block.size * 0.3)
        elif isinstance(block, Table):
            pdf.set_font(FONT, size=block.size)
            widths = tuple(block.widths) or None
            with pdf.table(
                col_widths=widths,
                first_row_as_headings=block.header,
                line_height=block.size * 0.6,
                text_align="LEFT",
                # One weight is embedded: headings are shaded, not bold.
                headings_style=FontFace(emphasis="", fill_color=(230, 230, 230)),
            ) as table:
                for cells in block.rows:
                    row = table.row()
                    for cell in cells:
                        row.cell(_clean(cell))
            pdf.ln(2)
        else:  # pragma: no cover - the type says every block is handled above
            raise TypeError(type(block).__name__)
    return bytes(pdf.output())
