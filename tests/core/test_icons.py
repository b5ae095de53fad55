"""Tsunagu has its own icon in the browser tab, on a phone's home screen and in the manifest."""

import json
import struct

from django.contrib.staticfiles import finders
from django.test import Client


def _png_size(path: str | None) -> tuple[int, ...]:
    assert path is not None
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_every_page_names_the_icons(client: Client) -> None:
    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "icon.svg" in page
    assert 'rel="apple-touch-icon"' in page and 'rel="manifest"' in page


def test_the_icons_exist_in_the_sizes_they_claim() -> None:
    assert finders.find("tsunagu/icon.svg")
    assert _png_size(finders.find("tsunagu/apple-touch-icon.png")) == (180, 180)
    manifest_path = finders.find("tsunagu/manifest.webmanifest")
    assert manifest_path is not None
    with open(manifest_path, encoding="utf-8") as f:
        manifest = json.load(f)
    for icon in manifest["icons"]:
        path = finders.find(f"tsunagu/{icon['src']}")
        assert path, icon["src"]
        if icon["type"] == "image/png":
            width, height = map(int, icon["sizes"].split("x"))
            assert _png_size(path) == (width, height)
