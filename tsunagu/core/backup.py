"""`tsunagu backup FILE` and `tsunagu restore FILE`: every row of every table, in one file.

The backup is a gzip'd JSON-lines file of the rows as stored — encrypted columns stay the
ciphertext the database holds, and no key is written — read in one snapshot (a REPEATABLE READ,
read-only transaction on PostgreSQL; a read transaction on SQLite, whose WAL lets the server
write meanwhile). One format for both databases, no external program (pg_dump must match the
server's major version), and restore can check before writing anything that the encrypted
columns open with the configured keys; a city can also move from SQLite to PostgreSQL with it.
"""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from cryptography.fernet import InvalidToken, MultiFernet
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from encrypted_fields.fields import EncryptedFieldMixin

from tsunagu.core.crypto import encrypted_fields, forget_keys, models_with_encrypted_fields

FORMAT = "tsunagu-backup"
VERSION = 1
BATCH = 1000
# Rows `migrate` itself writes into a new database; a restore replaces them with the backup's.
CREATED_BY_MIGRATE = ("contenttypes.ContentType", "auth.Permission")


class BackupError(Exception):
    """The backup cannot be written or restored; ``str()`` says why in plain words."""


@dataclass
class Summary:
    tables: int = 0
    rows: int = 0


def _models() -> list[type[models.Model]]:
    """Every table Django manages, many-to-many tables included, each once."""
    seen: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.managed and not model._meta.proxy:
            seen.setdefault(model._meta.db_table, model)
    return [seen[name] for name in sorted(seen)]


def _applied_migrations() -> list[str]:
    return sorted(
        f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
    )


def _plain(value: Any) -> Any:
    """A stored value as JSON (types are restored from the model's field)."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode()}
    return value


@contextmanager
def _snapshot() -> Iterator[Any]:
    """A cursor that sees one consistent moment of the database while others write."""
    if connection.vendor == "sqlite":
        # Its own connection in deferred mode: a read transaction takes no write lock.
        raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=30)
        try:
            raw.execute("BEGIN")
            yield raw.cursor()
            raw.execute("COMMIT")
        finally:
            raw.close()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield cursor


def backup(out: IO[bytes]) -> Summary:
    """Write every row to ``out`` (gzip'd JSON lines)."""
    summary = Summary()
    with gzip.open(out, "wt", encoding="utf-8") as archive, _snapshot() as cursor:
        header = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": _applied_migrations(),
        }
        archive.write(json.dumps(header, ensure_ascii=False) + "\n")
        for model in _models():
            table = model._meta.db_table
            columns = [str(f.column) for f in model._meta.concrete_fields]
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            archive.write(json.dumps({"table": table, "columns": columns}) + "\n")
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            while rows := cursor.fetchmany(BATCH):
                for row in rows:
                    archive.write(json.dumps([_plain(v) for v in row], ensure_ascii=False) + "\n")
                    summary.rows += 1
            summary.tables += 1
    return summary


def _read(path: Path) -> Iterator[tuple[str, list[str], list[list[Any]]]]:
    """(table, columns, rows) of a backup, one table at a time."""
    try:
        with gzip.open(path, "rt", encoding="utf-8") as archive:
            header = json.loads(archive.readline() or "{}")
            if header.get("format") != FORMAT or header.get("version") != VERSION:
                raise BackupError(f"{path} は Tsunagu のバックアップではありません。")
            yield "", header["migrations"], []
            table, columns, rows = "", list[str](), list[list[Any]]()
            for line in archive:
                item = json.loads(line)
                if isinstance(item, dict):
                    if table:
                        yield table, columns, rows
                    table, columns, rows = item["table"], item["columns"], []
                else:
                    rows.append(item)
            if table:
                yield table, columns, rows
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        raise BackupError(
            f"{path} を読めません（壊れているか、バックアップではありません）: {exc}"
        ) from None


def _keys() -> MultiFernet | None:
    forget_keys()
    holders = models_with_encrypted_fields()
    if not holders:
        return None
    field: Any = encrypted_fields(holders[0])[0]
    return field.f if isinstance(field.f, MultiFernet) else MultiFernet([field.f])


def _opens(value: Any, keys: MultiFernet) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, str):
        try:
            keys.decrypt(value.encode())
        except InvalidToken:
            try:
                return _opens(json.loads(value), keys)
            except ValueError:
                return False
        return True
    if isinstance(value, dict):
        return all(_opens(v, keys) for v in value.values())
    if isinstance(value, list):
        return all(_opens(v, keys) for v in value)
    return True  # numbers, booleans: the JSON field's non-text leaves


def _prepare(field: models.Field[Any, Any], value: Any) -> Any:
    """A backed-up value as this database takes it for the column."""
    if value is None:
        return None
    if isinstance(value, dict) and set(value) == {"$b64"}:
        value = base64.b64decode(value["$b64"])
    if isinstance(field, EncryptedFieldMixin):
        # The ciphertext as it was; never through the field, which would encrypt it again.
        return value if isinstance(value, str) else json.dumps(value)
    if isinstance(field, models.JSONField):
        if isinstance(value, str):
            value = json.loads(value)
        return field.get_db_prep_value(value, connection)
    if isinstance(field, models.ForeignKey):
        field = field.target_field
    python = field.to_python(value)
    if isinstance(python, datetime) and timezone.is_naive(python):
        # SQLite stores UTC without an offset.
        python = python.replace(tzinfo=UTC)
    return field.get_db_prep_value(python, connection, prepared=False)


def _not_empty() -> list[str]:
    skip = {apps.get_model(label)._meta.db_table for label in CREATED_BY_MIGRATE}
    full = []
    with connection.cursor() as cursor:
        for model in _models():
            table = model._meta.db_table
            if table in skip:
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")  # noqa: S608
            if cursor.fetchone():
                full.append(table)
    return full


def restore(path: Path) -> Summary:
    """Bring back every row of a backup into this (migrated, empty) database."""
    parts = _read(path)
    _, migrations, _ = next(parts)
    if sorted(migrations) != _applied_migrations():
        raise BackupError(
            "バックアップとこのデータベースのマイグレーションが一致しません。"
            "バックアップを取ったときと同じ版の Tsunagu で `tsunagu migrate` してから"
            "復元してください。"
        )
    full = _not_empty()
    if full:
        raise BackupError(
            "復元先のデータベースが空ではありません（"
            + "、".join(full[:5])
            + (" ほか" if len(full) > 5 else "")
            + " にデータがあります）。"
            "空のデータベースを作り `tsunagu migrate` してから復元してください。"
            " 何も書き込んでいません。"
        )
    tables = {m._meta.db_table: m for m in _models()}
    keys = _keys()
    # First pass: everything is checked before anything is written.
    for table, columns, rows in _read(path):
        if not table:
            continue
        model = tables.get(table)
        if model is None:
            raise BackupError(f"このバージョンの Tsunagu には表 {table} がありません。")
        fields = {f.column: f for f in model._meta.concrete_fields}
        if set(columns) != set(fields):
            raise BackupError(f"表 {table} の列がこのデータベースと一致しません。")
        secret = [i for i, c in enumerate(columns) if isinstance(fields[c], EncryptedFieldMixin)]
        if secret and keys is not None:
            for row in rows:
                if not all(_opens(row[i], keys) for i in secret):
                    raise BackupError(
                        f"表 {table} の暗号化された値が、設定されている鍵（SECRET_KEY, "
                        "TSUNAGU_SALT_KEY, SECRET_KEY_FALLBACKS）で開けません。"
                        "バックアップを取ったときの鍵を設定してから復元してください。"
                        " 何も書き込んでいません。"
                    )
    summary = Summary()
    with transaction.atomic():
        for label in CREATED_BY_MIGRATE:
            apps.get_model(label)._base_manager.all().delete()
        with connection.cursor() as cursor:
            for table, columns, rows in _read(path):
                if not table:
                    continue
                model = tables[table]
                fields = {f.column: f for f in model._meta.concrete_fields}
                quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
                marks = ", ".join(["%s"] * len(columns))
                sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
                for start in range(0, len(rows), BATCH):
                    cursor.executemany(
                        sql,
                        [
                            [_prepare(fields[c], v) for c, v in zip(columns, row, strict=True)]
                            for row in rows[start : start + BATCH]
                        ],
                    )
                summary.rows += len(rows)
                summary.tables += 1
            for statement in connection.ops.sequence_reset_sql(no_style(), list(tables.values())):
                cursor.execute(statement)
        connection.check_constraints()
    return summary
