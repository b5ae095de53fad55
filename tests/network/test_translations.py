"""The network app's own catalog: every message translated, the .mo current."""

import gettext
from pathlib import Path

import pytest

from tests.core import test_translations as root

PO = Path(__file__).resolve().parents[2] / "tsunagu" / "network" / "locale" / "ja" / "LC_MESSAGES"


@pytest.fixture(autouse=True)
def network_catalog(monkeypatch):
    monkeypatch.setattr(root, "PO", PO / "django.po")


def test_every_network_message_has_a_japanese_translation():
    missing = [e["msgid"] for e in root.entries() if not e.get("msgstr") or e["fuzzy"]]
    assert missing == [], "translate these in tsunagu/network/locale/ja/LC_MESSAGES/django.po"


def test_the_network_catalog_is_compiled():
    with (PO / "django.mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    stale = [
        e["msgid"]
        for e in root.entries()
        if "msgid_plural" not in e and catalog.gettext(str(e["msgid"])) != e["msgstr"]
    ]
    assert stale == []
