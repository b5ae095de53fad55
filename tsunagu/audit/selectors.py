"""Reads of the access log: verification of the hash chain."""

from dataclasses import dataclass

from django_scopes import scopes_disabled

from tsunagu.audit.models import AccessChainHead, AccessLogEntry
from tsunagu.audit.services import entry_hash, hashed_fields


@dataclass(frozen=True)
class ChainBreak:
    municipality_id: int
    seq: int
    reason: str


def access_chain_verify() -> ChainBreak | None:
    """The first entry that was changed or removed, or None when every chain is intact."""
    with scopes_disabled():
        heads = {h.municipality_id: h for h in AccessChainHead.objects.all()}
        municipality_ids = sorted(
            set(heads)
            | set(AccessLogEntry.objects.values_list("municipality_id", flat=True).distinct())
        )
        for municipality_id in municipality_ids:
            expected_seq, prev_hash = 1, ""
            entries = AccessLogEntry.objects.filter(municipality_id=municipality_id).order_by("seq")
            for entry in entries.iterator(chunk_size=2000):
                if entry.seq != expected_seq:
                    return ChainBreak(municipality_id, expected_seq, "removed")
                if entry.prev_hash != prev_hash or entry.hash != entry_hash(
                    prev_hash, hashed_fields(entry)
                ):
                    return ChainBreak(municipality_id, entry.seq, "changed")
                expected_seq, prev_hash = entry.seq + 1, entry.hash
            head = heads.get(municipality_id)
            if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
                return ChainBreak(municipality_id, expected_seq, "removed")
    return None
