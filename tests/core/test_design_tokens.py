"""The design system (static/tsunagu/tsunagu.css): its colour tokens keep WCAG AA contrast, and
every base template, staff and public, links it after Bootstrap so its tokens win."""

import re
from pathlib import Path

import pytest
from django.conf import settings

STYLESHEET = Path(settings.BASE_DIR, "static", "tsunagu", "tsunagu.css")
TOKEN = re.compile(r"(--ts-[a-z0-9-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;")
PAIR = re.compile(r"^\s*(text|ui):\s*(--ts-[a-z0-9-]+)\s+on\s+(--ts-[a-z0-9-]+)\s*$", re.M)
MINIMUM = {"text": 4.5, "ui": 3.0}  # WCAG 2.1 1.4.3 (text) and 1.4.11 (focus rings, borders)


def css() -> str:
    return STYLESHEET.read_text()


def tokens() -> dict[str, str]:
    root = re.search(r":root\s*{(.*?)\n}", css(), re.S)
    assert root, "no :root block of tokens"
    return dict(TOKEN.findall(root.group(1)))


def pairs() -> list[tuple[str, str, str]]:
    return PAIR.findall(css())


def luminance(hex_colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the known AA grey
    assert contrast("#ffffff", "#ffffff") == pytest.approx(1.0)


def test_the_stylesheet_defines_colour_type_and_space_tokens() -> None:
    text = css()
    assert {"--ts-ink", "--ts-paper", "--ts-surface", "--ts-primary", "--ts-focus"} <= set(tokens())
    assert re.search(r"--ts-leading-body:\s*1\.7\b", text)
    assert re.search(r"--ts-font-sans:[^;]*(BIZ UDPGothic|Hiragino|Noto Sans JP)", text)
    assert len(re.findall(r"--ts-text-[a-z0-9]+:", text)) >= 5
    assert len(re.findall(r"--ts-space-\d:", text)) >= 5
    assert "@import" not in text and "url(http" not in text  # nothing from a CDN


def test_every_declared_pair_names_defined_tokens() -> None:
    defined = tokens()
    assert len(pairs()) >= 20
    undefined = [name for _, fg, bg in pairs() for name in (fg, bg) if name not in defined]
    assert undefined == []


@pytest.mark.parametrize("kind,fg,bg", pairs(), ids=lambda v: v)
def test_each_pair_meets_aa_contrast(kind: str, fg: str, bg: str) -> None:
    defined = tokens()
    ratio = contrast(defined[fg], defined[bg])
    assert ratio >= MINIMUM[kind], f"{fg} on {bg}: {ratio:.2f}:1 < {MINIMUM[kind]}:1"


def test_every_rule_that_sets_both_text_and_background_uses_a_checked_pair() -> None:
    """A rule painting text on its own background must use a pair the list above checks."""
    checked = {(fg, bg) for _, fg, bg in pairs()}
    rules = re.findall(r"([^{}]+){([^{}]*)}", re.sub(r"/\*.*?\*/", "", css(), flags=re.S))
    unchecked = []
    for selector, body in rules:
        fg = re.search(r"(?<![-\w])color:\s*var\((--ts-[a-z0-9-]+)\)", body)
        bg = re.search(r"background(?:-color)?:\s*var\((--ts-[a-z0-9-]+)\)", body)
        if fg and bg and (fg.group(1), bg.group(1)) not in checked:
            unchecked.append(f"{selector.strip()}: {fg.group(1)} on {bg.group(1)}")
    assert unchecked == []


def test_bootstraps_rgb_variables_are_token_colours() -> None:
    """Bootstrap needs some colours as r, g, b numbers: each must be one of the tokens."""
    colours = {value.lower() for value in tokens().values()}
    found = re.findall(r"(--bs-[a-z-]+-rgb):\s*(\d+),\s*(\d+),\s*(\d+);", css())
    assert found
    hex_of = {name: "#" + "".join(f"{int(c):02x}" for c in rgb) for name, *rgb in found}
    strays = [name for name, colour in hex_of.items() if colour not in colours]
    assert strays == []


def base_templates() -> list[Path]:
    """Templates that start a page (<html>) for others to extend ({% block %})."""
    roots = [Path(settings.BASE_DIR, "templates"), Path(settings.BASE_DIR, "tsunagu")]
    found = [p for root in roots for p in root.rglob("*.html") if "templates" in p.parts]
    return sorted(p for p in found if "<html" in (t := p.read_text()) and "{% block" in t)


def test_every_base_template_links_the_stylesheet_after_bootstrap() -> None:
    templates = base_templates()
    names = {str(p.relative_to(settings.BASE_DIR)) for p in templates}
    assert {"templates/base.html", "tsunagu/public/templates/public/base.html"} <= names
    for path in templates:
        text = path.read_text()
        ours = text.find("{% static 'tsunagu/tsunagu.css' %}")
        assert ours != -1, f"{path} does not link tsunagu.css"
        assert text.find("bootstrap.min.css") < ours, f"{path}: link tsunagu.css after Bootstrap"
