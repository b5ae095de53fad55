"""Field encryption and blind indexes for 要配慮個人情報.

Encrypted columns use django-fernet-encrypted-fields (keys derived from SECRET_KEY and SALT_KEY,
old keys from SECRET_KEY_FALLBACKS). Encrypted columns cannot be filtered, so a value that must be
found by exact match (a phone number, an e-mail address) also gets an HMAC "blind index".
"""

import hashlib
import hmac
import re
import unicodedata
from typing import Any

from django.conf import settings
from encrypted_fields.fields import EncryptedJSONField, EncryptedTextField


def EncryptedText(verbose_name: Any = None, **kwargs: Any) -> EncryptedTextField:
    """An encrypted, optional text column (the library stores "" as NULL)."""
    kwargs.setdefault("blank", True)
    kwargs.setdefault("null", True)
    return EncryptedTextField(verbose_name, **kwargs)


def EncryptedJSON(verbose_name: Any = None, **kwargs: Any) -> EncryptedJSONField:
    kwargs.setdefault("blank", True)
    kwargs.setdefault("default", dict)
    return EncryptedJSONField(verbose_name, **kwargs)


def _index_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"tsunagu-blind-index", hashlib.sha256).digest()


def normalize_phone(value: str) -> str:
    return re.sub(r"\D", "", unicodedata.normalize("NFKC", value or ""))


def normalize_email(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip().casefold()


def blind_index(value: str, *, secret_key: str | None = None) -> str:
    """HMAC of an already normalized value; '' for an empty one so blanks never match."""
    if not value:
        return ""
    key = _index_key(secret_key or settings.SECRET_KEY)
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def phone_index(value: str) -> str:
    return blind_index(normalize_phone(value))


def email_index(value: str) -> str:
    return blind_index(normalize_email(value))
