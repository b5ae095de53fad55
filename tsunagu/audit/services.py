"""Append to the access log. Every read of personal data goes through `access_record`."""

import hashlib
import hmac
import ipaddress
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from django.conf import settings
from django.db import DataError, OperationalError, connection, transaction
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


def _read_head(cursor: CursorWrapper, municipality_id: int) -> tuple[int, str]:
    """The chain's head as last committed (seq, last hash), made if the municipality has none.

    Read without a lock: `_link` moves the head only if it is still there. Two first appends
    of a municipality may both make the head; one insert waits for the other's commit and
    then does nothing, and that append reads the head the other one moved.
    """
    heads = _table(AccessChainHead)
    select_head = (
        f"SELECT {_columns('seq', 'last_hash')} FROM {heads}"  # noqa: S608
        f" WHERE {_columns('municipality_id')} = %s"
    )
    cursor.execute(select_head, [municipality_id])
    head = cursor.fetchone()
    if head is None:
        cursor.execute(
            f"INSERT INTO {heads} ({_columns('municipality_id', 'seq', 'last_hash')})"  # noqa: S608
            " VALUES (%s, 0, '') ON CONFLICT DO NOTHING",
            [municipality_id],
        )
        cursor.execute(select_head, [municipality_id])
        head = cursor.fetchone()
    return int(head[0]), str(head[1])


# What the check after the swap raises, with the head as it is, when the head had moved; and
# the savepoint the transaction is rolled back to then (PostgreSQL, with the commit).
HEAD_MOVED = "the head of the access chain moved to"
LINK_SAVEPOINT = "tsunagu_access_link"
_MOVED_TO = re.compile(rf"{HEAD_MOVED} (\d+) ([0-9a-f]{{64}})?")


def _link(
    cursor: CursorWrapper,
    entry: AccessLogEntry,
    read_seq: int,
    *,
    commit: bool = False,
    again: bool = False,
) -> tuple[int, str] | None:
    """Move the head from (`read_seq`, the entry's prev_hash) to the entry and link the entry:
    None once linked. If the head is no longer there (another append moved it), nothing is
    changed and the head as it is now is returned.

    The head's row is locked by this update, so it is held from here to the commit only. On
    PostgreSQL both updates are one statement. An update that waits for another append's lock
    sees the head that append committed (READ COMMITTED checks the condition again on the new
    row), so it matches nothing and holds nothing. SQLite's write lock is taken when the
    transaction begins (IMMEDIATE), so nothing can move the head between the read and this.

    With `commit` (the append's own transaction, on PostgreSQL) the commit goes in the same
    round trip, so the row is held for no round trip at all. The swap is preceded by a
    savepoint and followed by a check, a statement of its own (so it sees the head as last
    committed): if the head is not the entry's, its cast fails with the head in the message,
    the COMMIT after it is not run, and the next try (`again`) first rolls back to the
    savepoint. So a swap that lost costs one round trip, with no read of its own.
    """
    entries, heads = _table(AccessLogEntry), _table(AccessChainHead)
    move_head = (
        f"UPDATE {heads} SET {_columns('seq')} = %s, {_columns('last_hash')} = %s"  # noqa: S608
        f" WHERE {_columns('municipality_id')} = %s AND {_columns('seq')} = %s"
        f" AND {_columns('last_hash')} = %s",
        [entry.seq, entry.hash, entry.municipality_id, read_seq, entry.prev_hash],
    )
    set_link = (
        f"UPDATE {entries} SET {_columns('seq')} = %s, {_columns('prev_hash')} = %s,"  # noqa: S608
        f" {_columns('hash')} = %s"
    )
    this_entry = (
        f" WHERE {entries}.{_columns('municipality_id')} = %s AND {entries}.{_columns('id')} = %s"
    )
    link_params = [entry.seq, entry.prev_hash, entry.hash, entry.municipality_id, entry.pk]
    if connection.vendor != "postgresql":
        cursor.execute(*move_head)
        if cursor.rowcount == 1:
            cursor.execute(set_link + this_entry, link_params)
            return None
        return _read_head(cursor, entry.municipality_id)
    swap = (
        f"WITH h AS ({move_head[0]} RETURNING 1) {set_link} FROM h{this_entry}",
        [*move_head[1], *link_params],
    )
    if not commit:
        cursor.execute(*swap)
        return None if cursor.rowcount == 1 else _read_head(cursor, entry.municipality_id)
    seq, last_hash = _columns("seq"), _columns("last_hash")
    check = (
        f"SELECT (CASE WHEN {seq} = %s AND {last_hash} = %s THEN '0'"  # noqa: S608
        f" ELSE '{HEAD_MOVED} ' || {seq} || ' ' || {last_hash} END)::int"
        f" FROM {heads} WHERE {_columns('municipality_id')} = %s",
        [entry.seq, entry.hash, entry.municipality_id],
    )
    savepoint = (
        f"ROLLBACK TO SAVEPOINT {LINK_SAVEPOINT}" if again else f"SAVEPOINT {LINK_SAVEPOINT}"
    )
    try:
        cursor.execute(f"{savepoint}; {swap[0]}; {check[0]}; COMMIT", [*swap[1], *check[1]])
    except DataError as exc:
        moved = _MOVED_TO.search(str(exc))
        if moved is None:
            raise
        return int(moved[1]), moved[2] or ""
    return None


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
    objects go in first, outside the chain. The municipality's head is then read without a
    lock and the link computed from it; the head is moved only if it is still where it was
    read (compare and swap), else the link is computed again from where it is now. So the
    head's row is locked only by the statement that moves it (joined with the entry's link)
    until the commit, which on PostgreSQL goes in the same query: concurrent appends never hold
    it while a link is computed or a round trip is made (see `_link`).
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
    # On PostgreSQL the link commits the append's own transaction (never a caller's) in the
    # same query as the swap, where statements can be sent together (client-side binding,
    # Django's default); the atomic block's commit then finds nothing left to commit.
    commit = (
        connection.vendor == "postgresql"
        and connection.get_autocommit()
        and not connection.in_atomic_block
        and not connection.settings_dict["OPTIONS"].get("server_side_binding")
    )
    with transaction.atomic(), connection.cursor() as cursor:
        entry.pk = _insert_entry(cursor, values, seen)
        head, again = _read_head(cursor, entry.municipality_id), False
        while True:
            seq, prev_hash = head
            entry.seq, entry.prev_hash = seq + 1, prev_hash
            entry.hash = entry_hash(prev_hash, hashed_fields(entry, objects))
            moved = _link(cursor, entry, seq, commit=commit, again=again)
            if moved is None:
                break
            # Another desk moved the head since it was read: link to where it is now.
            head, again = moved, True
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry
