"""The shared cache: Django's database cache, each write one statement.

Django's `DatabaseCache` writes an entry in five statements: it counts the whole table (to cull
it when full), then, in a transaction, reads the key and inserts or updates it. allauth's rate
limits take a lock key, write the bucket and delete the lock for each of a login's buckets:
100 of the 132 statements of a login went to the cache, and fifty staff logging in at nine
o'clock queued behind them. Here `set` and `add` are one `INSERT … ON CONFLICT` (PostgreSQL;
SQLite from 3.35), and the table is counted, and culled when over `MAX_ENTRIES`, on one write
in `CULL_EVERY` of each process. Reads, deletes and `touch` are Django's.
"""

import base64
import pickle
import sqlite3
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from itertools import count
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, router, transaction
from django.utils.timezone import now as tz_now

CULL_EVERY = 50


class DatabaseCache(DjangoDatabaseCache):
    def __init__(self, table: str, params: dict[str, Any]) -> None:
        super().__init__(table, params)
        self._writes = count(1)

    def _base_set(
        self, mode: str, key: str, value: Any, timeout: float | None = DEFAULT_TIMEOUT
    ) -> bool:
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        upserts = connection.vendor == "postgresql" or (
            connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)
        )
        if mode not in ("set", "add") or not upserts:
            return bool(super()._base_set(mode, key, value, timeout))  # type: ignore[misc]
        timeout = self.get_backend_timeout(timeout)
        now = tz_now().replace(microsecond=0)
        # As Django's: aware in UTC, or datetime.max (naive) for an entry that never expires.
        expires = (
            datetime.max  # noqa: DTZ901 (Django's own value for "never"; both read it back)
            if timeout is None
            else datetime.fromtimestamp(timeout, tz=UTC)
        ).replace(microsecond=0)
        encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
        # As Django's, a write that fails (SQLite locked past its wait) is not an error: the
        # entry is not written. Inside a transaction a savepoint keeps the caller's intact.
        guard: AbstractContextManager[Any] = (
            transaction.atomic(using=db) if connection.in_atomic_block else nullcontext()
        )
        try:
            with guard:
                return self._upsert(connection, db, mode, key, encoded, expires, now)
        except DatabaseError:
            return False

    def _upsert(
        self,
        connection: Any,
        db: str,
        mode: str,
        key: str,
        encoded: str,
        expires: datetime,
        now: datetime,
    ) -> bool:
        quote = connection.ops.quote_name
        table = quote(self._table)  # type: ignore[attr-defined]
        adapt = connection.ops.adapt_datetimefield_value
        # The table's and columns' names are quoted settings and constants, never input.
        with connection.cursor() as cursor:
            if next(self._writes) % CULL_EVERY == 0:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608
                entries = cursor.fetchone()[0]
                if entries > self._max_entries:
                    self._cull(db, cursor, now, entries)  # type: ignore[attr-defined]
            key_, value_, expires_ = quote("cache_key"), quote("value"), quote("expires")
            upsert = (
                f"INSERT INTO {table} ({key_}, {value_}, {expires_}) VALUES (%s, %s, %s) "  # noqa: S608
                f"ON CONFLICT ({key_}) DO UPDATE SET {value_} = excluded.{value_}, "
                f"{expires_} = excluded.{expires_}"
            )
            if mode == "set":
                cursor.execute(upsert, [key, encoded, adapt(expires)])
                return True
            # add: only where the key is missing or has expired; RETURNING says which.
            cursor.execute(
                f"{upsert} WHERE {table}.{expires_} < %s RETURNING 1",
                [key, encoded, adapt(expires), adapt(now)],
            )
            return cursor.fetchone() is not None
