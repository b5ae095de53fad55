"""Reads of the audit data: hash-chain verification, access-log searches, change history."""

from collections import defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditlog.models import LogEntry
from django.db.models import Q, QuerySet
from django_scopes import scopes_disabled

from tsunagu.audit.models import AccessChainHead, AccessLogEntry, AccessLogObject, ChangeRecord
from tsunagu.audit.services import ENTRY_COLUMNS, audit_keys, entry_hash_valid, hashed_fields
from tsunagu.tenancy.models import Membership, Municipality


@dataclass(frozen=True)
class ChainBreak:
    municipality_id: int
    seq: int
    reason: str


# Entries are read this many at a time, by seq (keyset), with their object rows: the check
# holds one chunk in memory however long the log (issue 15, item 4).
VERIFY_CHUNK = 2000
_ENTRY_VALUES = ("pk", "seq", *ENTRY_COLUMNS)


def _chain(municipality_id: int) -> Iterator[tuple[Any, list[tuple[str, int, str]]]]:
    """The municipality's entries in seq order as rows of values, each with its object rows."""
    after = -1
    while True:
        chunk = list(
            AccessLogEntry.objects.filter(municipality_id=municipality_id, seq__gt=after)
            .order_by("seq")
            .values_list(*_ENTRY_VALUES, named=True)[:VERIFY_CHUNK]
        )
        if not chunk:
            return
        seen: dict[int, list[tuple[str, int, str]]] = defaultdict(list)
        for entry_id, kind, object_id, basis in (
            AccessLogObject.objects.filter(
                municipality_id=municipality_id, entry_id__in=[entry.pk for entry in chunk]
            )
            .order_by("entry_id", "pk")
            .values_list("entry_id", "type", "object_id", "basis")
        ):
            seen[entry_id].append((kind, object_id, basis))
        for entry in chunk:
            yield entry, seen.get(entry.pk, [])
        after = chunk[-1].seq


def access_chain_verify(
    *, checkpoints: Mapping[int, Mapping[int, str]] | None = None
) -> ChainBreak | None:
    """The first entry that was changed or removed, or None when every chain is intact.

    `checkpoints` ({municipality id: {seq: hash}}, from a signed checkpoint file) are heads the
    chain must still reach with the same link: a cut tail, a wiped municipality or a rewritten
    chain no longer does ("checkpoint", at the first checkpointed entry missed).
    """
    checkpoints = checkpoints or {}
    keys = audit_keys("chain")
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
            # An entry joins the chain in the transaction that writes it: one outside it was
            # put there by hand.
            if AccessLogEntry.objects.filter(
                municipality_id=municipality_id, seq__isnull=True
            ).exists():
                return ChainBreak(municipality_id, 0, "changed")
            for entry, indexed in _chain(municipality_id):
                if entry.seq != expected_seq:
                    return ChainBreak(municipality_id, expected_seq, "removed")
                objects: list[dict[str, object]] = [
                    {"type": kind, "id": object_id, "basis": basis}
                    for kind, object_id, basis in indexed
                ]
                if entry.prev_hash != prev_hash or not entry_hash_valid(
                    entry.hash, prev_hash, hashed_fields(entry, objects), keys=keys
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
    return (
        AccessLogEntry.objects.filter(municipality=municipality, pk__in=entry_ids)
        .order_by("-seq")
        .prefetch_related("seen")
    )


def access_entries_by_member(
    *,
    municipality: Municipality,
    member: Membership | None,
    start: datetime,
    end: datetime,
    action: str = "",
) -> QuerySet[AccessLogEntry]:
    """What one member (every member when None) did in [start, end), newest first."""
    entries = AccessLogEntry.objects.filter(municipality=municipality, at__gte=start, at__lt=end)
    if member is not None:
        entries = entries.filter(membership_id_at_time=member.pk)
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-seq").prefetch_related("seen")


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
    entries: QuerySet[LogEntry] = (
        LogEntry.objects.filter(pk__in=records.values("log_entry_id"))
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )
    return entries


@dataclass(frozen=True)
class PersonRef:
    """The person a logged object is about: number and name, to label the log's rows."""

    pk: int
    number: int
    name: str | None  # None where the reader may not see names


def persons_of_objects(
    *, viewer: Membership, objects: set[tuple[str, int]]
) -> dict[tuple[str, int], PersonRef]:
    """{(type, id): person} of the logged persons, cases and consultations among `objects`.

    Every person has its number; the name only where the policy opens the person to `viewer`.
    """
    from tsunagu.cases.models import Case
    from tsunagu.consultations.models import Consultation
    from tsunagu.people.models import Person
    from tsunagu.policy import visible

    municipality_id = viewer.municipality_id

    owners: dict[tuple[str, int], int] = {(t, i): i for t, i in objects if t == "person"}
    for type_, model in (("case", Case), ("consultation", Consultation)):
        ids = {i for t, i in objects if t == type_}
        if ids:
            rows = model._base_manager.filter(
                municipality_id=municipality_id, pk__in=ids, person_id__isnull=False
            ).values_list("pk", "person_id")
            owners.update({(type_, pk): person_id for pk, person_id in rows})
    if not owners:
        return {}
    ids = set(owners.values())
    named = set(visible(viewer, Person).filter(pk__in=ids).values_list("pk", flat=True))
    persons = {
        pk: PersonRef(pk, number, (name or kana or "") if pk in named else None)
        for pk, number, name, kana in Person._base_manager.filter(
            municipality_id=municipality_id, pk__in=ids
        ).values_list("pk", "number", "name", "name_kana")
    }
    return {key: persons[pk] for key, pk in owners.items() if pk in persons}


def person_id_by_number(*, municipality: Municipality, number: int) -> int | None:
    """The id of the municipality's person with that number (the audit page's way in)."""
    from tsunagu.people.models import Person

    return (
        Person.objects.filter(municipality=municipality, number=number)
        .values_list("pk", flat=True)
        .first()
    )


def case_exists(*, municipality: Municipality, case_id: int) -> bool:
    from tsunagu.cases.models import Case

    return Case.objects.filter(municipality=municipality, pk=case_id).exists()


def member_names(*, municipality: Municipality) -> dict[int, str]:
    """{membership id: display name, else username} of the municipality (log and history)."""
    return {
        pk: display_name or username
        for pk, display_name, username in Membership.objects.filter(
            municipality=municipality
        ).values_list("pk", "user__display_name", "user__username")
    }
