"""The PDF helper: Japanese text that a reader can see and copy, the font embedded as a subset."""

import io
import re
from typing import Any

from pypdf import PageObject, PdfReader
from pypdf.generic import DictionaryObject

from tsunagu.core import pdf


def _fonts(reader: PdfReader) -> list[dict[str, Any]]:
    found = []
    for page in reader.pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        fonts = resources["/Font"]
        assert isinstance(fonts, DictionaryObject)
        for font in fonts.values():
            font = font.get_object()
            found.append(font)
    return found


def _text(page: PageObject) -> str:
    # fpdf2 writes two-byte codes through its own encoding CMap; pypdf reads the high byte
    # of each as a NUL before the character the ToUnicode map gives.
    return page.extract_text().replace("\x00", "")


def test_japanese_text_is_there_and_the_font_is_an_embedded_subset() -> None:
    body = pdf.render(
        [
            pdf.Heading("修了証"),
            pdf.Paragraph("豊明 太郎 殿", size=16, align="C"),
            pdf.Table([["回", "日付"], ["第1回", "2026年4月8日"]]),
        ],
        title="修了証",
    )
    assert body.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(body))
    text = _text(reader.pages[0])
    assert "修了証" in text
    assert "豊明 太郎 殿" in text
    assert "2026年4月8日" in text
    (font,) = _fonts(reader)
    descendant = font["/DescendantFonts"][0].get_object()
    # A subset carries a six-letter tag: ABCDEF+Name (ISO 32000 9.6.4).
    assert re.fullmatch(r"/[A-Z]{6}\+.+", str(descendant["/BaseFont"]))
    descriptor = descendant["/FontDescriptor"].get_object()
    embedded = descriptor.get("/FontFile3") or descriptor.get("/FontFile2")
    assert embedded is not None
    # Only the glyphs used: far smaller than the 16 MB font it came from.
    assert len(embedded.get_object().get_data()) < 100_000
    assert reader.metadata is not None
    assert reader.metadata.title == "修了証"


def test_several_pages_and_control_characters() -> None:
    blocks: list[pdf.Block] = [
        pdf.Paragraph("一頁目\x00\x07"),
        pdf.PageBreak(),
        pdf.Paragraph("二頁目"),
    ]
    reader = PdfReader(io.BytesIO(pdf.render(blocks)))
    assert len(reader.pages) == 2
    assert "一頁目" in _text(reader.pages[0])
    assert "二頁目" in _text(reader.pages[1])
