"""Writes of retention: a municipality's policy, and deleting what it says is due."""

from datetime import date

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models import Q
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


def _redact_history(model: type[models.Model], ids: list[int]) -> Q:
    content_type = ContentType.objects.get_for_model(model)
    return Q(content_type=content_type, object_pk__in=[str(pk) for pk in ids])


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
    consents = Consent.objects.filter(pk__in=due.consent_ids).exclude(document="")
    scan_names = list(consents.values_list("document", flat=True))
    history = (
        _redact_history(Person, due.person_ids)
        | _redact_history(Case, due.case_ids)
        | _redact_history(Consultation, due.consultation_ids)
        | _redact_history(Consent, due.consent_ids)
        | _redact_history(FamilyMember, due.family_member_ids)
        | Q(
            pk__in=ChangeRecord.objects.filter(municipality=municipality)
            .filter(Q(person_ref__in=due.person_ids) | Q(case_ref__in=due.case_ids))
            .values("log_entry_id")
        )
    )
    with disable_auditlog():
        # Children before the rows they point at (consultations PROTECT cases and persons);
        # assignments, plans, risks, stage changes, consents and family members cascade.
        Consultation.objects.filter(pk__in=due.consultation_ids).delete()
        Case.objects.filter(pk__in=due.case_ids).delete()
        Person.objects.filter(pk__in=due.person_ids).delete()
    LogEntry.objects.filter(history).update(
        changes={}, changes_text="", object_repr="", serialized_data=None
    )
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
