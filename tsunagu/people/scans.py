"""Consent scans on disk: checked on upload, encrypted like the columns around them, read here only.

A scan is encrypted with the field-encryption keys (Fernet, current key first), so a stolen disk
or backup of the media folder shows nothing, `tsunagu rotate_keys` re-encrypts scans with the
columns, and the only way back to the document is the access-checked download view.
"""

import secrets
from collections.abc import Iterable
from pathlib import PurePath
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from tsunagu.core.crypto import field_keys
from tsunagu.people.models import Consent

# A scan of a signed consent form: the kinds a scanner or phone produces, and nothing else.
SCAN_MAX_BYTES = 10 * 1024 * 1024
SCAN_EXTENSIONS = {".pdf": "pdf", ".jpg": "jpeg", ".jpeg": "jpeg", ".png": "png"}
SCAN_MAGIC = {"pdf": b"%PDF-", "jpeg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}
SCAN_SUFFIX = {"pdf": ".pdf", "jpeg": ".jpg", "png": ".png"}
SCAN_CONTENT_TYPE = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".png": "image/png"}


def scan_kind(document: File[bytes]) -> str:
    """The kind ("pdf", "jpeg", "png") of an uploaded scan, or a ValidationError saying why not.

    The name's extension and the first bytes must agree, so an executable renamed .pdf is refused.
    """
    if document.size is not None and document.size > SCAN_MAX_BYTES:
        raise ValidationError(
            _("The scanned document is larger than %(mb)s MB.") % {"mb": SCAN_MAX_BYTES // 2**20},
            code="too_large",
        )
    by_name = SCAN_EXTENSIONS.get(PurePath(document.name or "").suffix.lower())
    document.seek(0)
    head = document.read(8)
    document.seek(0)
    by_content = next((kind for kind, magic in SCAN_MAGIC.items() if head.startswith(magic)), None)
    if by_name is None or by_content != by_name:
        raise ValidationError(
            _("The scanned document must be a PDF, JPEG or PNG file."), code="file_type"
        )
    return by_name


class UnreadableScan(Exception):
    """A stored scan that no configured key opens and that is no clear scan either."""


def scan_save(
    consent: Consent, document: File[bytes], *, kind: str, municipality_code: str
) -> None:
    """Store the scan encrypted under a random name (the uploaded name says nothing trustworthy)."""
    current, _known = field_keys()
    document.seek(0)
    content = ContentFile(current.encrypt(document.read()))
    name = f"{municipality_code}/{secrets.token_hex(16)}{SCAN_SUFFIX[kind]}"
    consent.document.save(name, content, save=False)


def scan_read(consent: Consent) -> bytes:
    """The scan's contents in clear; FileNotFoundError when the file is gone."""
    _current, known = field_keys()
    with consent.document.open("rb") as handle:
        return known.decrypt(handle.read())


def scan_delete(consent: Consent) -> None:
    if consent.document:
        consent.document.delete(save=False)


def _encrypted_anew(data: bytes, name: str) -> bytes | None:
    """The contents encrypted with the current key, or None when they already are."""
    current, known = field_keys()
    try:
        current.decrypt(data)
        return None
    except InvalidToken:
        pass
    try:
        plain = known.decrypt(data)  # written with an older key (rotation)
    except InvalidToken:
        if not any(data.startswith(magic) for magic in SCAN_MAGIC.values()):
            raise UnreadableScan(name) from None
        plain = data  # stored in clear before scans were encrypted
    return current.encrypt(plain)


def scans_encrypt(consents: Iterable[Any], manager: Any) -> int:
    """Encrypt every stored scan with the current key; returns how many files were rewritten.

    Each file is written anew beside the old one, the row is pointed at it, then the old file
    is removed, so an interruption leaves every row with a readable file. Used by a migration
    (historical model) and by `tsunagu rotate_keys`.
    """
    rewritten = 0
    for consent in consents:
        if not consent.document:
            continue
        storage, old = consent.document.storage, consent.document.name
        try:
            with storage.open(old, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            continue
        encrypted = _encrypted_anew(data, old)
        if encrypted is None:
            continue
        new = storage.save(old, ContentFile(encrypted))
        manager.filter(pk=consent.pk).update(document=new)
        storage.delete(old)
        rewritten += 1
    return rewritten
