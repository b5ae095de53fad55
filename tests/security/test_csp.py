"""A strict Content-Security-Policy on every page; no template needs inline script or style."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponseBase
from django.test import Client

from tests.conftest import Personas


def policy(response: HttpResponseBase) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_the_login_page_has_a_strict_policy_with_a_nonce(db: None) -> None:
    csp = policy(Client().get("/accounts/login/"))
    assert csp["default-src"] == ["'self'"]
    assert "'self'" in csp["script-src"]
    assert any(v.startswith("'nonce-") for v in csp["script-src"])
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]


def test_the_nonce_changes_with_every_response(db: None) -> None:
    first = policy(Client().get("/accounts/login/"))["script-src"]
    second = policy(Client().get("/accounts/login/"))["script-src"]
    assert first != second


@pytest.mark.parametrize("path", ["", "cases/", "persons/", "admin/members/", "accounts/lockouts/"])
def test_staff_pages_carry_the_policy(personas: Personas, path: str) -> None:
    client = personas.client("admin" if "admin" in path else "lead")
    response = client.get(personas.url(path))
    if response.status_code == 200:
        csp = policy(response)
        assert "'unsafe-inline'" not in csp["script-src"]
        nonce = next(v for v in csp["script-src"] if v.startswith("'nonce-"))[7:-1]
        assert f'nonce="{nonce}"' in response.content.decode()


def test_the_mfa_pages_carry_the_policy(personas: Personas) -> None:
    client = Client()
    client.force_login(personas.members["counselor"].user)
    response = client.get("/accounts/2fa/")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy(response)["script-src"]


def test_the_api_docs_page_works_under_the_policy(db: None) -> None:
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert "Content-Security-Policy" in response
    page = response.content.decode()
    # Swagger UI is served from static files; its settings are data, not a script.
    for tag in re.findall(r"<script[^>]*>", page):
        assert "src=" in tag or 'type="application/json"' in tag, tag


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=\s*[\"']", re.I)


def template_files() -> list[Path]:
    """The project's templates and every app's (tsunagu/<app>/templates/)."""
    apps = Path(settings.BASE_DIR, "tsunagu").glob("*/templates/**/*.html")
    return sorted([*Path(settings.BASE_DIR, "templates").rglob("*.html"), *apps])


@pytest.mark.parametrize(
    "path", template_files(), ids=lambda p: str(p.relative_to(settings.BASE_DIR))
)
def test_no_template_needs_inline_script_handlers_or_style(path: Path) -> None:
    text = path.read_text()
    assert not INLINE_SCRIPT.search(text), "inline <script>: move it to static/tsunagu/*.js"
    assert not INLINE_HANDLER.search(text), "inline event handler: bind it in a static .js"
    assert not STYLE_ATTRIBUTE.search(text), "style attribute: use a class in tsunagu.css"
