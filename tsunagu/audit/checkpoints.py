"""Signed checkpoints of the access log: each municipality's head, kept outside the database.

The HMAC chain shows that no entry was changed, but whoever can write the database can still
cut the tail (or wipe a municipality) and move the head back. A checkpoint line, appended
regularly to a file the database cannot reach, records every head (seq, hash, time) signed with
the audit key; `tsunagu audit verify --checkpoint FILE` then fails when the chain no longer
reaches a checkpointed head.
"""

import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.utils import timezone
from django_scopes import scopes_disabled

from tsunagu.audit.models import AccessChainHead, AccessLogEntry
from tsunagu.audit.services import audit_keys, entry_hash_valid, hashed_fields
from tsunagu.tenancy.models import Municipality

FIELDS = ("municipality", "seq", "hash", "at")


class CheckpointInvalid(Exception):
    """A line of the checkpoint file that is not a checkpoint signed with the audit key."""

    def __init__(self, line_number: int) -> None:
        super().__init__(line_number)
        self.line_number = line_number


@dataclass(frozen=True)
class Checkpoint:
    municipality: str  # the municipality's code: stable, and readable in the file
    seq: int
    hash: str
    at: str


def _signature(checkpoint: Checkpoint, key: bytes) -> str:
    payload = json.dumps({f: getattr(checkpoint, f) for f in FIELDS}, sort_keys=True)
    return hmac.new(key, payload.encode(), "sha256").hexdigest()


def checkpoint_line(checkpoint: Checkpoint) -> str:
    fields: dict[str, object] = {f: getattr(checkpoint, f) for f in FIELDS}
    fields["signature"] = _signature(checkpoint, audit_keys("checkpoint")[0])
    return json.dumps(fields, sort_keys=True)


def _head_is_genuine(municipality_id: int, head: AccessChainHead) -> bool:
    """The head names the last entry, and that entry's link was made with the audit key."""
    last = AccessLogEntry.objects.filter(municipality_id=municipality_id).order_by("-seq").first()
    if last is None:
        return head.seq == 0 and head.last_hash == ""
    return (
        last.seq == head.seq
        and last.hash == head.last_hash
        and entry_hash_valid(last.hash, last.prev_hash, hashed_fields(last))
    )


def checkpoints_now(*, at: datetime | None = None) -> tuple[list[Checkpoint], list[Municipality]]:
    """(a checkpoint of every municipality's head, the municipalities whose head is not genuine).

    A head that does not check out is not signed: a checkpoint must never vouch for a chain
    that was already cut or forged.
    """
    stamp = (at or timezone.now()).isoformat(timespec="seconds")
    good: list[Checkpoint] = []
    bad: list[Municipality] = []
    with scopes_disabled():
        heads = {h.municipality_id: h for h in AccessChainHead.objects.all()}
        for municipality in Municipality.objects.order_by("code"):
            head = heads.get(municipality.pk) or AccessChainHead(municipality=municipality)
            if not _head_is_genuine(municipality.pk, head):
                bad.append(municipality)
                continue
            good.append(Checkpoint(municipality.code, head.seq, head.last_hash, stamp))
    return good, bad


def checkpoint_parse(lines: Iterable[str]) -> list[Checkpoint]:
    """The checkpoints of a file's lines; CheckpointInvalid names the first line that is not
    one signed with the current or an older audit key (edited, forged or damaged)."""
    keys = audit_keys("checkpoint")
    found = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line)
            checkpoint = Checkpoint(
                municipality=str(fields["municipality"]),
                seq=int(fields["seq"]),
                hash=str(fields["hash"]),
                at=str(fields["at"]),
            )
            signature = str(fields["signature"])
        except (ValueError, TypeError, KeyError):
            raise CheckpointInvalid(number) from None
        if set(fields) != {*FIELDS, "signature"} or not any(
            hmac.compare_digest(_signature(checkpoint, key), signature) for key in keys
        ):
            raise CheckpointInvalid(number)
        found.append(checkpoint)
    return found


def checkpoint_file_read(path: Path) -> list[Checkpoint]:
    with path.open(encoding="utf-8") as file:
        return checkpoint_parse(file)
