"""`tsunagu rotate_keys`: re-encrypt every encrypted field with the current SECRET_KEY.

Run after moving the old key into SECRET_KEY_FALLBACKS and setting the new SECRET_KEY (see the
README). Values are read raw and decrypted with any known key, then encrypted with the current
one; a value no key opens stops the command before anything of that model is written. Blind
indexes are keyed with SECRET_KEY too, so they are recomputed from the decrypted values.
"""

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, models, transaction
from django.db.models import Value
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from encrypted_fields.fields import EncryptedJSONField

from tsunagu.core.crypto import (
    BLIND_INDEXES,
    encrypted_fields,
    field_keys,
    forget_keys,
    models_with_encrypted_fields,
)


class UnreadableValue(Exception):
    """A stored value that none of the configured keys can decrypt."""


def _field_keys() -> tuple[Fernet, MultiFernet]:
    """(the current key, every known key), derived exactly as the field library derives them."""
    forget_keys()
    return field_keys()


def _rotate_token(token: str, current: Fernet, known: MultiFernet) -> str | None:
    """The token encrypted with the current key, or None when it already is."""
    try:
        current.decrypt(token.encode())
        return None
    except InvalidToken:
        pass
    try:
        plain = known.decrypt(token.encode())
    except InvalidToken:
        raise UnreadableValue from None
    return current.encrypt(plain).decode()


def _rotate_json(value: Any, current: Fernet, known: MultiFernet) -> tuple[Any, bool]:
    """The library encrypts each leaf of a JSON value on its own; rotate each leaf."""
    if isinstance(value, dict):
        changed = False
        out: dict[str, Any] = {}
        for key, item in value.items():
            out[key], leaf_changed = _rotate_json(item, current, known)
            changed |= leaf_changed
        return out, changed
    if isinstance(value, list):
        pairs = [_rotate_json(item, current, known) for item in value]
        return [p[0] for p in pairs], any(p[1] for p in pairs)
    if isinstance(value, str):
        rotated = _rotate_token(value, current, known)
        return (value, False) if rotated is None else (rotated, True)
    return value, False


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the current SECRET_KEY and rebuild blind indexes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(1, options["batch_size"])
        current, known = _field_keys()
        fallbacks = len(getattr(settings, "SECRET_KEY_FALLBACKS", []))
        self.stdout.write(
            _("Re-encrypting with the current key (%(n)s old key(s) in SECRET_KEY_FALLBACKS).")
            % {"n": fallbacks}
        )
        with scopes_disabled():
            # First read everything: a value no key opens stops the run before any write.
            for model in models_with_encrypted_fields():
                self._rotate_model(model, batch_size, current, known, write=False)
            for model in models_with_encrypted_fields():
                self._rotate_model(model, batch_size, current, known, write=True)
            self._rebuild_blind_indexes(batch_size)
            self._rotate_scans()
        self.stdout.write(
            self.style.SUCCESS(_("Done. Remove the old key from SECRET_KEY_FALLBACKS and restart."))
        )

    def _rotate_model(
        self,
        model: type[models.Model],
        batch_size: int,
        current: Fernet,
        known: MultiFernet,
        *,
        write: bool,
    ) -> None:
        fields = encrypted_fields(model)
        total = model._base_manager.count()
        quote = connection.ops.quote_name
        pk_column = str(model._meta.pk.column)
        columns = ", ".join(quote(str(f.column)) for f in fields)
        # Raw SQL so the values arrive as stored: the field would hide a failed decryption.
        sql = (
            f"SELECT {quote(pk_column)}, {columns} FROM {quote(model._meta.db_table)} "  # noqa: S608
            f"WHERE {quote(pk_column)} > %s ORDER BY {quote(pk_column)} LIMIT %s"
        )
        done = rotated = 0
        last_pk: Any = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(sql, [last_pk, batch_size])
                rows = cursor.fetchall()
            if not rows:
                break
            with transaction.atomic():
                for row in rows:
                    last_pk = row[0]
                    updates = self._row_updates(model, row, fields, current, known)
                    if updates and write:
                        # update() leaves auto_now columns and the change history alone.
                        model._base_manager.filter(pk=row[0]).update(**updates)
                    rotated += bool(updates)
            done += len(rows)
            if write:
                self.stdout.write(
                    _("%(model)s: %(done)s / %(total)s rows")
                    % {"model": model._meta.label, "done": done, "total": total}
                )
        if write:
            self.stdout.write(
                _("%(model)s: %(n)s rows re-encrypted.")
                % {"model": model._meta.label, "n": rotated}
            )
        else:
            self.stdout.write(
                _("%(model)s: all %(total)s rows readable, %(n)s to re-encrypt.")
                % {"model": model._meta.label, "total": total, "n": rotated}
            )

    def _row_updates(
        self,
        model: type[models.Model],
        row: tuple[Any, ...],
        fields: list[Any],
        current: Fernet,
        known: MultiFernet,
    ) -> dict[str, Value]:
        updates: dict[str, Value] = {}
        for field, raw in zip(fields, row[1:], strict=True):
            if raw is None or raw == "":
                continue
            try:
                if isinstance(field, EncryptedJSONField):
                    value = json.loads(raw) if isinstance(raw, str | bytes) else raw
                    new_value, changed = _rotate_json(value, current, known)
                    if changed:
                        updates[field.name] = Value(new_value, output_field=models.JSONField())
                else:
                    token = _rotate_token(str(raw), current, known)
                    if token is not None:
                        updates[field.name] = Value(token, output_field=models.TextField())
            except (UnreadableValue, ValueError) as exc:
                raise CommandError(
                    _(
                        "%(model)s #%(pk)s, field %(field)s: no configured key can decrypt it. "
                        "Put the key it was written with into SECRET_KEY_FALLBACKS and run again."
                    )
                    % {"model": model._meta.label, "pk": row[0], "field": field.name}
                ) from exc
        return updates

    def _rotate_scans(self) -> None:
        """Consent scans are files encrypted with the same keys: re-encrypt them too."""
        from tsunagu.people.models import Consent
        from tsunagu.people.scans import UnreadableScan, scans_encrypt

        manager = Consent._base_manager
        try:
            count = scans_encrypt(manager.exclude(document="").iterator(), manager)
        except UnreadableScan as exc:
            raise CommandError(
                _(
                    "Consent scan %(name)s: no configured key can decrypt it. Put the key it was"
                    " written with into SECRET_KEY_FALLBACKS and run again."
                )
                % {"name": exc}
            ) from exc
        self.stdout.write(_("Consent scans: %(n)s file(s) re-encrypted.") % {"n": count})

    def _rebuild_blind_indexes(self, batch_size: int) -> None:
        by_model: dict[str, list[tuple[str, str, Any]]] = {}
        for label, index_field, source_field, index in BLIND_INDEXES:
            by_model.setdefault(label, []).append((index_field, source_field, index))
        for label, indexes in by_model.items():
            model = apps.get_model(label)
            names = ["pk"] + [n for i in indexes for n in (i[0], i[1])]
            changed = 0
            last_pk: Any = 0
            while True:
                # Batches by key, not one open cursor: SQLite would see its own updates.
                rows = list(
                    model._base_manager.filter(pk__gt=last_pk)
                    .order_by("pk")
                    .values_list(*names)[:batch_size]
                )
                if not rows:
                    break
                with transaction.atomic():
                    for row in rows:
                        values = dict(zip(names, row, strict=True))
                        last_pk = values["pk"]
                        updates = {
                            index_field: index(values[source] or "")
                            for index_field, source, index in indexes
                            if index(values[source] or "") != values[index_field]
                        }
                        if updates:
                            model._base_manager.filter(pk=last_pk).update(**updates)
                            changed += 1
            self.stdout.write(
                _("%(model)s: %(n)s blind index rows recomputed.") % {"model": label, "n": changed}
            )
