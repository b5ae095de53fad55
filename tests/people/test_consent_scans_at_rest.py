"""Consent scans are encrypted on disk with the field keys: old clear files too, and on rotation."""

import importlib
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.people import services
from tsunagu.people.models import Consent, Person
from tsunagu.people.scans import scan_read

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
KEY_A = "scan-key-a-" + "a" * 50
KEY_B = "scan-key-b-" + "b" * 50


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


def _record(personas: Personas, person: Person) -> Consent:
    partner = personas.members["partner"].organization
    assert partner is not None
    with scope(municipality=personas.municipality):
        return services.consent_record(
            actor=personas.members["lead"],
            person=person,
            organizations=[partner],
            purposes="情報共有",
            valid_from=person.created_at.date(),
            valid_until=None,
            form="written",
            document=SimpleUploadedFile("同意書.pdf", PDF),
        )


def _download(personas: Personas, person: Person, consent: Consent) -> bytes:
    response = personas.client("lead").get(
        personas.url(f"persons/{person.pk}/consents/{consent.pk}/document/")
    )
    assert response.status_code == 200
    return response.getvalue()


def _on_disk(media: Path) -> list[bytes]:
    return [p.read_bytes() for p in sorted((media / "consents").rglob("*")) if p.is_file()]


def test_a_scan_stored_in_clear_before_is_encrypted_by_the_migration(
    personas: Personas, media: Path
) -> None:
    person = make_person(personas.municipality)
    consent = _record(personas, person)
    with scopes_disabled():
        # As the upload stored it before scans were encrypted.
        consent.document.delete(save=False)
        consent.document.save("232297/old.pdf", ContentFile(PDF), save=True)
    assert _on_disk(media) == [PDF]
    migration = importlib.import_module("tsunagu.people.migrations.0004_encrypt_consent_scans")
    migration.encrypt_scans(apps, None)
    [stored] = _on_disk(media)
    assert b"%PDF" not in stored
    assert _download(personas, person, consent) == PDF
    migration.encrypt_scans(apps, None)  # running again rewrites nothing
    assert _on_disk(media) == [stored]


def test_rotating_the_key_re_encrypts_the_scans(
    personas: Personas, media: Path, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    person = make_person(personas.municipality)
    consent = _record(personas, person)
    written_with_a = _on_disk(media)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    out = io.StringIO()
    call_command("rotate_keys", stdout=out)
    assert "同意書スキャン: 1件のファイルを再暗号化しました。" in out.getvalue()
    assert _on_disk(media) != written_with_a
    settings.SECRET_KEY_FALLBACKS = []  # step 3 of the rotation: the old key is gone
    with scopes_disabled():
        consent.refresh_from_db()
        assert scan_read(consent) == PDF
