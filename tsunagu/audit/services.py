"""Append to the access log. Every read of personal data goes through `access_record`."""

import hashlib
import hmac
import ipaddress
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest
from django.utils import timezone

from tsunagu.accounts.lockout import client_ip as lockout_client_ip
from tsunagu.audit.models import AccessChainHead, AccessLogEntry, AccessLogObject
from tsunagu.core.errors import AccessLogUnavailable
from tsunagu.tenancy.models import Membership


@dataclass(frozen=True)
class Seen:
    """One object that was seen, and the basis on which the viewer could see it."""

    type: str
    id: int
    basis: str


def audit_keys(purpose: str) -> list[bytes]:
    """The current audit key, then the older ones still accepted, derived for one purpose.

    The chain ("chain") and the checkpoints ("checkpoint") use separate derived keys, so a
    value of one can never pass as the other.
    """
    secrets = [settings.TSUNAGU_AUDIT_KEY, *settings.TSUNAGU_AUDIT_KEY_FALLBACKS]
    label = f"tsunagu-access-log-{purpose}".encode()
    return [hmac.new(secret.encode(), label, hashlib.sha256).digest() for secret in secrets]


def entry_hash(prev_hash: str, fields: dict[str, object], *, key: bytes | None = None) -> str:
    """HMAC-SHA256 of the previous link and the entry, under the audit key (the current one
    unless given): without the key, nobody can recompute the chain after an edit."""
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    key = key if key is not None else audit_keys("chain")[0]
    return hmac.new(key, (prev_hash + payload).encode(), hashlib.sha256).hexdigest()


def entry_hash_valid(
    value: str, prev_hash: str, fields: dict[str, object], *, keys: list[bytes] | None = None
) -> bool:
    """Whether `value` is the entry's link under the current or an older audit key (`keys`,
    derived once by a caller checking many entries)."""
    return any(
        hmac.compare_digest(entry_hash(prev_hash, fields, key=key), value)
        for key in (keys if keys is not None else audit_keys("chain"))
    )


class HashedEntry(Protocol):
    """What a link covers: an `AccessLogEntry`, or a row of its values (named values_list)."""

    @property
    def municipality_id(self) -> int: ...
    @property
    def seq(self) -> int | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def user_id_at_time(self) -> int | None: ...
    @property
    def username(self) -> str: ...
    @property
    def membership_id_at_time(self) -> int | None: ...
    @property
    def role(self) -> str: ...
    @property
    def action(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def ip(self) -> str | None: ...


def hashed_fields(
    entry: HashedEntry, objects: list[dict[str, object]] | None = None
) -> dict[str, object]:
    """The fields a hash covers, the same way when writing and when verifying: the entry's
    columns and the objects it saw (`objects`, else read from an `AccessLogEntry`'s rows)."""
    if objects is None:
        assert isinstance(entry, AccessLogEntry), "pass the objects of a row of values"
        objects = entry.objects_seen
    return {
        "municipality": entry.municipality_id,
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user": entry.user_id_at_time,
        "username": entry.username,
        "membership": entry.membership_id_at_time,
        "role": entry.role,
        "action": entry.action,
        "channel": entry.channel,
        "path": entry.path,
        "ip": entry.ip,
        "objects": objects,
    }


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the lockout sees it (behind the trusted proxies), if valid."""
    if request is None:
        return None
    address = lockout_client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _table(model: type[AccessLogEntry] | type[AccessLogObject] | type[AccessChainHead]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _columns(*names: str) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


# Object rows per INSERT statement where rows are sent as VALUES: 5 parameters each, well
# within every database's limit.
OBJECTS_PER_STATEMENT = 200


def _object_rows(seen: list[Seen]) -> list[tuple[str, int, str]]:
    """The rows of "who saw this person", in the order seen: (type, id, basis)."""
    return [(s.type, s.id, s.basis) for s in seen]


def _insert_entry(cursor: CursorWrapper, values: list[Any], seen: list[Seen]) -> int:
    """Write the entry (not yet linked) and one row per object it saw; return the entry's id.

    A list page writes a hundred object rows on every view. On PostgreSQL the entry and its
    rows go in one statement, the rows as three arrays: one round trip, and a statement whose
    text and parameters stay the same whatever the count, so psycopg parses it once instead
    of hundreds of placeholders on every view. Elsewhere the rows go as VALUES (per 200).
    Either way they are numbered in the order seen.
    """
    municipality_id = values[ENTRY_COLUMNS.index("municipality_id")]
    rows = _object_rows(seen)
    insert_entry = (
        f"INSERT INTO {_table(AccessLogEntry)} ({_columns(*ENTRY_COLUMNS)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(values))}) RETURNING {_columns('id')}"
    )
    insert_objects = (
        f"INSERT INTO {_table(AccessLogObject)}"
        f" ({_columns('municipality_id', 'entry_id', 'type', 'object_id', 'basis')})"
    )
    if connection.vendor == "postgresql":
        types, ids, bases = [[*c] for c in zip(*rows, strict=True)] if rows else [[], [], []]
        cursor.execute(
            f"WITH e AS ({insert_entry}), o AS ({insert_objects}"  # noqa: S608
            " SELECT %s, e.id, u.t, u.i, u.b FROM e, unnest(%s::varchar[], %s::bigint[],"
            " %s::varchar[]) WITH ORDINALITY AS u(t, i, b, n) ORDER BY u.n) SELECT id FROM e",
            [*values, municipality_id, types, ids, bases],
        )
        return int(cursor.fetchone()[0])
    cursor.execute(insert_entry, values)
    entry_id = int(cursor.fetchone()[0])
    for start in range(0, len(rows), OBJECTS_PER_STATEMENT):
        chunk = rows[start : start + OBJECTS_PER_STATEMENT]
        cursor.execute(
            f"{insert_objects} VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(chunk))}",
            [v for row in chunk for v in (municipality_id, entry_id, *row)],
        )
    return entry_id


def _locked(exc: OperationalError) -> bool:
    # SQLite's single write lock held by another connection past its busy timeout.
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def access_record(
    *,
    membership: Membership,
    action: str,
    seen: Iterable[Seen],
    request: HttpRequest | None = None,
    channel: str = "web",
    at: datetime | None = None,
) -> AccessLogEntry:
    """Append one entry to the municipality's chain (in its own transaction).

    While the database is locked (SQLite: another connection holds its only write lock, such
    as an import publishing its rows), each attempt waits the connection's busy timeout and
    the append is tried again until `TSUNAGU_ACCESS_LOG_WAIT_SECONDS` have passed; then it
    raises `AccessLogUnavailable`. Inside a caller's transaction there is nothing to retry.
    """
    seen = list(seen)
    deadline = time.monotonic() + settings.TSUNAGU_ACCESS_LOG_WAIT_SECONDS
    pause = 0.05
    while True:
        try:
            return _append(membership, action, seen, request, channel, at)
        except OperationalError as exc:
            if not _locked(exc) or connection.in_atomic_block:
                raise
            if time.monotonic() + pause >= deadline:
                raise AccessLogUnavailable from exc
        time.sleep(pause)
        pause = min(pause * 2, 1.0)


# An entry's columns as the append writes them (seq and the id come from the database).
ENTRY_COLUMNS = (
    "municipality_id",
    "at",
    "user_id_at_time",
    "username",
    "membership_id_at_time",
    "role",
    "action",
    "channel",
    "path",
    "ip",
    "prev_hash",
    "hash",
)


def _append(
    membership: Membership,
    action: str,
    seen: list[Seen],
    request: HttpRequest | None,
    channel: str,
    at: datetime | None,
) -> AccessLogEntry:
    """Write the entry and its objects, then join it to the chain.

    Every page that shows personal data pays for this, so it is written as plain statements
    (the ORM's compiling of them cost more than the database's work). The entry and its
    objects go in first, outside the chain; the municipality's head is locked last, so
    concurrent appends queue only for the link: one read and two one-row updates (one
    statement on PostgreSQL), then the commit.
    """
    entry = AccessLogEntry(
        municipality_id=membership.municipality_id,
        seq=None,
        at=at or timezone.now(),
        user_id_at_time=membership.user_id,
        username=membership.user.username,
        membership_id_at_time=membership.pk,
        role=membership.role,
        action=action,
        channel=channel,
        path=(request.path[:300] if request is not None else ""),
        ip=client_ip(request),
        prev_hash="",
        hash="",
    )
    objects: list[dict[str, object]] = [
        {"type": s.type, "id": s.id, "basis": s.basis} for s in seen
    ]
    fields = {f.attname: f for f in AccessLogEntry._meta.concrete_fields}
    values = [
        fields[name].get_db_prep_save(getattr(entry, name), connection) for name in ENTRY_COLUMNS
    ]
    entries, heads = _table(AccessLogEntry), _table(AccessChainHead)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(), connection.cursor() as cursor:
        entry.pk = _insert_entry(cursor, values, seen)
        # Locked so concurrent appends queue up instead of forking the chain. The first
        # append of a municipality makes its head (one of two racing makes it, both go on).
        select_head = (
            f"SELECT {_columns('seq', 'last_hash')} FROM {heads}"  # noqa: S608
            f" WHERE {_columns('municipality_id')} = %s{lock}"
        )
        cursor.execute(select_head, [entry.municipality_id])
        head = cursor.fetchone()
        if head is None:
            cursor.execute(
                f"INSERT INTO {heads} ({_columns('municipality_id', 'seq', 'last_hash')})"  # noqa: S608
                " VALUES (%s, 0, '') ON CONFLICT DO NOTHING",
                [entry.municipality_id],
            )
            cursor.execute(select_head, [entry.municipality_id])
            head = cursor.fetchone()
        entry.seq = head[0] + 1
        entry.prev_hash = head[1]
        entry.hash = entry_hash(entry.prev_hash, hashed_fields(entry, objects))
        link = (
            f"UPDATE {entries} SET {_columns('seq')} = %s, {_columns('prev_hash')} = %s,"  # noqa: S608
            f" {_columns('hash')} = %s WHERE {entries}.{_columns('municipality_id')} = %s"
            f" AND {_columns('id')} = %s",
            [entry.seq, entry.prev_hash, entry.hash, entry.municipality_id, entry.pk],
        )
        move_head = (
            f"UPDATE {heads} SET {_columns('seq')} = %s, {_columns('last_hash')} = %s"  # noqa: S608
            f" WHERE {_columns('municipality_id')} = %s",
            [entry.seq, entry.hash, entry.municipality_id],
        )
        if connection.vendor == "postgresql":  # both in one round trip while the head is held
            cursor.execute(f"WITH h AS ({move_head[0]}) {link[0]}", [*move_head[1], *link[1]])
        else:
            for sql, params in (link, move_head):
                cursor.execute(sql, params)
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry
