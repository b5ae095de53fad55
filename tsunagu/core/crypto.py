"""Field encryption and blind indexes for 要配慮個人情報.

Encrypted columns use django-fernet-encrypted-fields (keys derived from SECRET_KEY and SALT_KEY,
old keys from SECRET_KEY_FALLBACKS). Encrypted columns cannot be filtered, so a value that must be
found by exact match (a phone number, an e-mail address) also gets an HMAC "blind index".
"""

import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from encrypted_fields.fields import EncryptedFieldMixin, EncryptedJSONField, EncryptedTextField

# Settings the field-encryption keys are derived from.
KEY_SETTINGS = frozenset({"SECRET_KEY", "SECRET_KEY_FALLBACKS", "SALT_KEY"})


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


# Every blind index: (model label, index field, encrypted source field, index function).
# `tsunagu rotate_keys` recomputes them, since they are keyed with SECRET_KEY.
BLIND_INDEXES: list[tuple[str, str, str, Callable[[str], str]]] = [
    ("people.FamilyMember", "phone_index", "phone", phone_index),
    ("people.FamilyMember", "email_index", "email", email_index),
]


def encrypted_fields(model: type[models.Model]) -> "list[models.Field[Any, Any]]":
    """The model's encrypted columns, found from the fields so a new one is never forgotten."""
    return [
        f
        for f in model._meta.concrete_fields
        if isinstance(f, EncryptedFieldMixin) and isinstance(f, models.Field)
    ]


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if encrypted_fields(m)]


def field_keys() -> tuple[Fernet, MultiFernet]:
    """(the current key, every known key) of the encrypted columns, for data kept elsewhere.

    Files (consent scans) are encrypted with exactly these keys, so a key rotation and an
    escrowed key cover them like the columns. Derived by the field library and cached there.
    """
    field: Any = encrypted_fields(models_with_encrypted_fields()[0])[0]
    keys: list[bytes] = field.keys
    return Fernet(keys[0]), MultiFernet([Fernet(k) for k in keys])


def forget_keys() -> None:
    """Drop the keys each encrypted field derived and cached, so the next use derives them anew.

    The library caches `keys` and `f` per field instance for the life of the process; a change
    of SECRET_KEY (tests, or a rotation inside one process) would otherwise go unnoticed.
    """
    for model in apps.get_models():
        for field in encrypted_fields(model):
            field.__dict__.pop("keys", None)
            field.__dict__.pop("f", None)


@receiver(setting_changed)
def _forget_keys_on_setting_change(*, setting: str, **kwargs: Any) -> None:
    if setting in KEY_SETTINGS and apps.ready:
        forget_keys()


Migration = Callable[[Any, Any], None]


def encrypt_existing(
    app_label: str, model_name: str, field_name: str
) -> tuple[Migration, Migration]:
    """A data migration's (forward, backward) for a clear column turned encrypted.

    Forward reads every value (a clear one as it is, an encrypted one decrypted: the field
    reads both) and writes it back through the field, which encrypts it. Backward writes the
    decrypted values back in clear, for the column turning back into a plain one.

    A JSON column is encrypted leaf by leaf, and the field hands back a clear stored value
    (one that does not decrypt) as its raw JSON text: that text is parsed, so a clear list is
    written back as the list, encrypted, and not as one encrypted string.
    """

    def rows(apps: Any) -> tuple[Any, bool, list[tuple[Any, Any, Any]]]:
        model = apps.get_model(app_label, model_name)
        is_json = isinstance(model._meta.get_field(field_name), models.JSONField)
        # Read whole before writing: small tables, and no cursor left open on the table written.
        stored = model._base_manager.values_list("pk", "municipality_id", field_name)
        values = [
            (pk, municipality, json.loads(value) if is_json and isinstance(value, str) else value)
            for pk, municipality, value in stored
        ]
        return model, is_json, values

    def forward(apps: Any, schema_editor: Any) -> None:
        model, _is_json, values = rows(apps)
        for pk, municipality_id, value in values:
            if value:
                model._base_manager.filter(pk=pk, municipality_id=municipality_id).update(
                    **{field_name: value}
                )

    def backward(apps: Any, schema_editor: Any) -> None:
        model, is_json, values = rows(apps)
        field = model._meta.get_field(field_name)
        quote = schema_editor.connection.ops.quote_name
        with schema_editor.connection.cursor() as cursor:
            for pk, municipality_id, value in values:
                clear = json.dumps(value or field.get_default()) if is_json else value or ""
                cursor.execute(
                    f"UPDATE {quote(model._meta.db_table)} SET {quote(field.column)} = %s "  # noqa: S608
                    "WHERE id = %s AND municipality_id = %s",
                    [clear, pk, municipality_id],
                )

    return forward, backward
