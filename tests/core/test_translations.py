"""Japanese is the default language: every message has a translation, and the .mo is current."""

import ast
import gettext
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# The project's catalog, and those of apps that keep their own (tsunagu/<app>/locale).
CATALOGS = [
    ROOT / "locale" / "ja" / "LC_MESSAGES" / "django.po",
    *sorted(ROOT.glob("tsunagu/*/locale/ja/LC_MESSAGES/django.po")),
]


def entries(PO: Path) -> list[dict[str, str | bool]]:
    """msgid/msgstr pairs of the .po (first plural form), fuzzy flag included; header skipped."""
    found: list[dict[str, str | bool]] = []
    for block in PO.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[0\]) (".*")$', line)
            if match:
                key = match.group(1).replace("[0]", "")
                fields[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                fields[key] += ast.literal_eval(line)
        if fields.get("msgid"):
            fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
            found.append({**fields, "fuzzy": fuzzy})
    return found


@pytest.mark.parametrize("PO", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_message_has_a_japanese_translation(PO: Path) -> None:
    missing = [e["msgid"] for e in entries(PO) if not e.get("msgstr") or e["fuzzy"]]
    assert missing == [], f"translate these in {PO.relative_to(ROOT)}"


@pytest.mark.parametrize("PO", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_compiled_catalog_matches_the_po_file(PO: Path) -> None:
    with (PO.with_suffix(".mo")).open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = [
        e["msgid"]
        for e in entries(PO)
        if "msgid_plural" not in e
        and (
            catalog.pgettext(str(e["msgctxt"]), str(e["msgid"]))
            if "msgctxt" in e
            else catalog.gettext(str(e["msgid"]))
        )
        != e["msgstr"]
    ]
    assert stale == [], "run `tsunagu compilemessages --ignore=.venv`"
