"""Append to the access log. Every read of personal data goes through `access_record`."""

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from django_scopes import scopes_disabled

from tsunagu.accounts.lockout import client_ip as lockout_client_ip
from tsunagu.audit.models import AccessChainHead, AccessLogEntry, AccessLogObject
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


def entry_hash_valid(value: str, prev_hash: str, fields: dict[str, object]) -> bool:
    """Whether `value` is the entry's link under the current or an older audit key."""
    return any(
        hmac.compare_digest(entry_hash(prev_hash, fields, key=key), value)
        for key in audit_keys("chain")
    )


def hashed_fields(entry: AccessLogEntry) -> dict[str, object]:
    """The fields a hash covers, the same way when writing and when verifying."""
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
        "objects": entry.objects_seen,
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


def _insert_objects(entry: AccessLogEntry, seen: list[Seen]) -> None:
    """One row per object seen, for "who saw this person"; plain executemany because a list
    page writes fifty of them on every view, where bulk_create costs more than the page."""
    table = AccessLogObject._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(name) for name in ("municipality_id", "entry_id", "type", "object_id", "basis")
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {quote(table)} ({columns}) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608
            [(entry.municipality_id, entry.pk, s.type, s.id, s.basis) for s in seen],
        )


def access_record(
    *,
    membership: Membership,
    action: str,
    seen: Iterable[Seen],
    request: HttpRequest | None = None,
    channel: str = "web",
    at: datetime | None = None,
) -> AccessLogEntry:
    """Append one entry to the municipality's chain (in its own transaction)."""
    seen = list(seen)
    objects = [{"type": s.type, "id": s.id, "basis": s.basis} for s in seen]
    with transaction.atomic(), scopes_disabled():
        # Locked so concurrent appends queue up instead of forking the chain.
        head = (
            AccessChainHead.objects.select_for_update()
            .filter(municipality_id=membership.municipality_id)
            .first()
        ) or AccessChainHead.objects.create(municipality_id=membership.municipality_id)
        entry = AccessLogEntry(
            municipality_id=membership.municipality_id,
            seq=head.seq + 1,
            at=at or timezone.now(),
            user_id_at_time=membership.user_id,
            username=membership.user.username,
            membership_id_at_time=membership.pk,
            role=membership.role,
            action=action,
            channel=channel,
            path=(request.path[:300] if request is not None else ""),
            ip=client_ip(request),
            objects_seen=objects,
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash(entry.prev_hash, hashed_fields(entry))
        entry.save()
        if seen:
            _insert_objects(entry, seen)
        head.seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["seq", "last_hash"])
    return entry
