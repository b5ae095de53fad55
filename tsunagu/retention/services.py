"""Writes of retention: a municipality's policy, and deleting what it says is due."""

from datetime import date
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone

from tsunagu.audit.models import ChangeRecord
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.retention.models import DeletionRecord, RetentionPolicy
from tsunagu.retention.selectors import Due, retention_due
from tsunagu.tenancy.models import Membership, Municipality


@transaction.atomic
def retention_policy_set(*, actor: Membership, years: int) -> RetentionPolicy:
    policy = RetentionPolicy.objects.filter(municipality_id=actor.municipality_id).first()
    if policy is None:
        policy = RetentionPolicy(municipality_id=actor.municipality_id)
    policy.years = years
    policy.updated_by = actor
    policy.full_clean(exclude=["municipality", "updated_by"])
    policy.save()
    return policy


# Rows per statement: SQLite allows 32,766 parameters, and a first run may delete many rows.
BATCH = 500


def _batches(ids: list[int]) -> list[list[int]]:
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _blank_history(municipality: Municipality, due: Due) -> None:
    """Blank the values and names in the change history of every row being deleted."""
    blank: dict[str, Any] = {
        "changes": {},
        "changes_text": "",
        "object_repr": "",
        "serialized_data": None,
    }
    for model, ids in (
        (Person, due.person_ids),
        (Case, due.case_ids),
        (Consultation, due.consultation_ids),
        (Consent, due.consent_ids),
        (FamilyMember, due.family_member_ids),
    ):
        content_type = ContentType.objects.get_for_model(model)
        for batch in _batches(ids):
            LogEntry.objects.filter(
                content_type=content_type, object_pk__in=[str(pk) for pk in batch]
            ).update(**blank)
    # Rows of the same person or case (assignments, plan items, risks…) are found by their refs.
    records = ChangeRecord.objects.filter(municipality=municipality)
    for field, ids in (("person_ref", due.person_ids), ("case_ref", due.case_ids)):
        for batch in _batches(ids):
            entries = records.filter(**{f"{field}__in": batch}).values("log_entry_id")
            LogEntry.objects.filter(pk__in=entries).update(**blank)


@transaction.atomic
def retention_apply(
    *, municipality: Municipality, today: date, performed_by: str
) -> tuple[Due, DeletionRecord | None]:
    """Delete what is due (call inside the municipality's scope); None when nothing was.

    The change history keeps who changed what and when, but the values and the row's name
    are blanked: they are the personal data being deleted. The access log is left whole (ids
    only, hash-chained; see SECURITY.md). Scan files go once the transaction has committed.
    """
    due = retention_due(municipality=municipality, today=today)
    if due.is_empty():
        return due, None
    scan_names: list[str] = []
    for batch in _batches(due.consent_ids):
        consents = Consent.objects.filter(pk__in=batch).exclude(document="")
        scan_names += consents.values_list("document", flat=True)
    _blank_history(municipality, due)
    with disable_auditlog():
        # Children before the rows they point at (consultations PROTECT cases and persons);
        # assignments, plans, risks, stage changes, consents and family members cascade.
        for model, ids in (
            (Consultation, due.consultation_ids),
            (Case, due.case_ids),
            (Person, due.person_ids),
        ):
            for batch in _batches(ids):
                model.objects.filter(pk__in=batch).delete()
    record = DeletionRecord.objects.create(
        municipality=municipality,
        at=timezone.now(),
        performed_by=performed_by,
        policy_years=due.years,
        cutoff=due.cutoff,
        counts=due.counts(),
        person_ids=due.person_ids,
        case_ids=due.case_ids,
        consultation_ids=due.consultation_ids,
    )
    storage = Consent._meta.get_field("document").storage
    transaction.on_commit(lambda: _delete_files(storage, scan_names))
    return due, record


def _delete_files(storage: Storage, names: list[str]) -> None:
    for name in names:
        storage.delete(name)
