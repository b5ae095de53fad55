"""Reads of the audit data: hash-chain verification, access-log searches, change history."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from auditlog.models import LogEntry
from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from tsunagu.audit.models import AccessChainHead, AccessLogEntry, AccessLogObject, ChangeRecord
from tsunagu.audit.services import entry_hash_valid, hashed_fields
from tsunagu.tenancy.models import Membership, Municipality


@dataclass(frozen=True)
class ChainBreak:
    municipality_id: int
    seq: int
    reason: str


def _index_matches(entry: AccessLogEntry) -> bool:
    """The entry's object rows say exactly what its hashed `objects_seen` says."""
    listed = sorted((o["type"], int(o["id"]), o["basis"]) for o in entry.objects_seen)
    indexed = sorted((o.type, o.object_id, o.basis) for o in entry.seen.all())
    return listed == indexed


def access_chain_verify(
    *, checkpoints: Mapping[int, Mapping[int, str]] | None = None
) -> ChainBreak | None:
    """The first entry that was changed or removed, or None when every chain is intact.

    `checkpoints` ({municipality id: {seq: hash}}, from a signed checkpoint file) are heads the
    chain must still reach with the same link: a cut tail, a wiped municipality or a rewritten
    chain no longer does ("checkpoint", at the first checkpointed entry missed).
    """
    checkpoints = checkpoints or {}
    with scopes_disabled():
        heads = {h.municipality_id: h for h in AccessChainHead.objects.all()}
        municipality_ids = sorted(
            set(heads)
            | set(checkpoints)
            | set(AccessLogEntry.objects.values_list("municipality_id", flat=True).distinct())
        )
        for municipality_id in municipality_ids:
            expected_seq, prev_hash = 1, ""
            anchors = checkpoints.get(municipality_id, {})
            entries = (
                AccessLogEntry.objects.filter(municipality_id=municipality_id)
                .order_by("seq")
                .prefetch_related("seen")
            )
            for entry in entries.iterator(chunk_size=2000):
                if entry.seq != expected_seq:
                    return ChainBreak(municipality_id, expected_seq, "removed")
                if (
                    entry.prev_hash != prev_hash
                    or not entry_hash_valid(entry.hash, prev_hash, hashed_fields(entry))
                    or not _index_matches(entry)
                ):
                    return ChainBreak(municipality_id, entry.seq, "changed")
                if entry.seq in anchors and anchors[entry.seq] != entry.hash:
                    return ChainBreak(municipality_id, entry.seq, "checkpoint")
                expected_seq, prev_hash = entry.seq + 1, entry.hash
            missed = [seq for seq in anchors if seq >= expected_seq and seq > 0]
            if missed:
                return ChainBreak(municipality_id, min(missed), "checkpoint")
            head = heads.get(municipality_id)
            if head is not None and (head.seq != expected_seq - 1 or head.last_hash != prev_hash):
                return ChainBreak(municipality_id, expected_seq, "removed")
    return None


def access_entries_seeing(
    *, municipality: Municipality, objects: dict[str, list[int]]
) -> QuerySet[AccessLogEntry]:
    """Entries of the municipality that saw any of `objects` ({type: [ids]}), newest first."""
    match = Q()
    for type_, ids in objects.items():
        if ids:
            match |= Q(type=type_, object_id__in=ids)
    if not match:
        return AccessLogEntry.objects.none()
    entry_ids = AccessLogObject.objects.filter(match, municipality=municipality).values("entry_id")
    return AccessLogEntry.objects.filter(municipality=municipality, pk__in=entry_ids).order_by(
        "-seq"
    )


def access_entries_by_member(
    *, municipality: Municipality, member: Membership, start: datetime, end: datetime
) -> QuerySet[AccessLogEntry]:
    """What one member saw in [start, end), newest first."""
    return AccessLogEntry.objects.filter(
        municipality=municipality, membership_id_at_time=member.pk, at__gte=start, at__lt=end
    ).order_by("-seq")


def person_objects(*, person_id: int) -> dict[str, list[int]]:
    """The person and every case and consultation of theirs, as access-log object ids."""
    from tsunagu.cases.models import Case
    from tsunagu.consultations.models import Consultation

    return {
        "person": [person_id],
        "case": list(Case.objects.filter(person_id=person_id).values_list("pk", flat=True)),
        "consultation": list(
            Consultation.objects.filter(person_id=person_id).values_list("pk", flat=True)
        ),
    }


def case_history(*, municipality: Municipality, case_id: int) -> QuerySet[LogEntry]:
    """Every change of the case and of its rows (assignments, stages, plan, risks, contacts)."""
    records = ChangeRecord.objects.filter(municipality=municipality, case_ref=case_id)
    return (
        LogEntry.objects.filter(pk__in=records.values("log_entry_id"))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
