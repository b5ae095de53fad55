"""Writes of consultations: one from the quick entry or the API, many from an import."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.history import change_record_create
from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.consultations.codes import Consulter
from tsunagu.consultations.models import Consultation, ConsultationCorrection, ImportedFile
from tsunagu.core.eras import TOKYO, EraDateError, check_supported
from tsunagu.people.models import Person
from tsunagu.policy import record_seen
from tsunagu.policy.recording import collecting
from tsunagu.tenancy.models import Membership, Municipality


def _written(actor: Membership | None, consultation: Consultation, action: str) -> None:
    """Write the change to the access log as the actor's, with the request's entry (a
    command's writes are in the change history only)."""
    if actor is not None and collecting():
        record_seen(actor, [Seen("consultation", consultation.pk, "role")], action=action)


def local_month(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(TOKYO).strftime("%Y-%m")


def consultation_build(
    *,
    actor: Membership | None,
    municipality: Municipality,
    occurred_at: datetime,
    channel: str,
    consulter: str,
    consulter_relation: str = "",
    staff: Membership | None = None,
    minutes: int | None = None,
    summary: str = "",
    next_action: str = "",
    next_action_on: date | None = None,
    person: Person | None = None,
    case: Case | None = None,
    main_concern: str = "",
    subject_age_band: str = "",
    subject_gender: str = "",
) -> Consultation:
    """A validated, unsaved consultation (the import saves many at once)."""
    for related in (staff, person, case):
        if related is not None and related.municipality_id != municipality.pk:
            raise ValueError("related object of another municipality")
    if case is not None:
        if person is None:
            person = case.person
        elif case.person_id != person.pk:
            raise ValidationError({"case": _("The case belongs to another person.")})
    if consulter != Consulter.FAMILY:
        consulter_relation = ""
    if person is not None:
        # The estimate stands in for a person not yet known; the person's record now says it.
        subject_age_band = subject_gender = ""
    try:
        # Its own offset's date: converting year 1 or 9999 to Tokyo time would overflow.
        check_supported(occurred_at.date())
    except EraDateError as exc:
        raise ValidationError({"occurred_at": str(exc)}) from None
    consultation = Consultation(
        municipality=municipality,
        occurred_at=occurred_at,
        local_month=local_month(occurred_at),
        channel=channel,
        consulter=consulter,
        consulter_relation=consulter_relation,
        staff=staff,
        minutes=minutes,
        summary=summary,
        next_action=next_action,
        next_action_on=next_action_on,
        person=person,
        case=case,
        main_concern=main_concern,
        subject_age_band=subject_age_band,
        subject_gender=subject_gender,
        recorded_by=actor,
    )
    consultation.full_clean(exclude=["municipality", "staff", "person", "case", "recorded_by"])
    return consultation


@transaction.atomic
def consultation_record(**kwargs: object) -> Consultation:
    """Record one consultation; takes the arguments of consultation_build."""
    consultation = consultation_build(**kwargs)  # type: ignore[arg-type]
    consultation.save()
    actor = kwargs.get("actor")
    _written(actor if isinstance(actor, Membership) else None, consultation, AccessAction.CREATE)
    return consultation


@transaction.atomic
def consultation_bulk_create(
    *, consultations: Iterable[Consultation], batch_size: int = 2000
) -> int:
    """Save many built consultations in one transaction: all or none."""
    created = Consultation.objects.bulk_create(list(consultations), batch_size=batch_size)
    return len(created)


def import_history_record(
    *, imported: ImportedFile, job_id: int | None, actor: Membership | None
) -> LogEntry:
    """One change-history entry for a whole import (its rows are not logged one by one):
    which job, how many consultations, by whom. Nothing of the file's content or name."""
    label = f"import job #{job_id}" if job_id is not None else f"import #{imported.pk}"
    entry = LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(ImportedFile),
        object_pk=str(imported.pk),
        object_id=imported.pk,
        object_repr=f"{label}: {imported.rows} consultations",
        action=LogEntry.Action.CREATE,
        changes={
            "import_job": ["None", str(job_id) if job_id is not None else "None"],
            "rows": ["0", str(imported.rows)],
        },
        actor=actor.user if actor is not None else None,
    )
    change_record_create(log_entry=entry, instance=imported)
    return entry


@transaction.atomic
def consultation_follow_up_done(
    *, actor: Membership | None, consultation: Consultation, at: datetime | None = None
) -> Consultation:
    """Mark the consultation's next action as done: it leaves the home pages' follow-ups."""
    if consultation.next_action_done_at is not None:
        raise ValidationError(_("This follow-up was already marked done."))
    consultation.next_action_done_at = at or timezone.now()
    consultation.save(update_fields=["next_action_done_at"])
    _written(actor, consultation, AccessAction.UPDATE)
    return consultation


# Corrections (訂正) and deletion ---------------------------------------------------------

# What a correction may change: every field the quick entry and the API's POST take.
CORRECTABLE_FIELDS = (
    "occurred_at",
    "channel",
    "consulter",
    "consulter_relation",
    "main_concern",
    "subject_age_band",
    "subject_gender",
    "staff",
    "minutes",
    "summary",
    "next_action",
    "next_action_on",
    "person",
    "case",
)
_RELATED = {"staff", "person", "case"}


def _plain(consultation: Consultation, field: str) -> Any:
    """A field's value as the correction history stores it (JSON: ids, ISO dates, codes)."""
    if field in _RELATED:
        return getattr(consultation, f"{field}_id")
    value = getattr(consultation, field)
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return "" if value is None and field in ("summary", "next_action") else value


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the record is changed.")})
    return reason


@transaction.atomic
def consultation_correct(
    *, actor: Membership | None, consultation: Consultation, reason: str, **changes: Any
) -> Consultation:
    """Correct (訂正) a consultation: the earlier values stay in its correction history.

    `changes` are new values of CORRECTABLE_FIELDS (model instances for staff, person and
    case); the same checks as a new record apply. Statistics read the row itself, so they
    follow the corrected values.
    """
    unknown = set(changes) - set(CORRECTABLE_FIELDS)
    if unknown:
        raise ValueError(f"not correctable: {sorted(unknown)}")
    reason = _reason(reason)
    if consultation.deleted_at is not None:
        raise ValidationError(_("A deleted consultation cannot be corrected."))
    values = {field: getattr(consultation, field) for field in CORRECTABLE_FIELDS}
    values.update(changes)
    # A new person takes the record out of the old person's case.
    new_person = changes.get("person")
    if (
        "person" in changes
        and "case" not in changes
        and values["case"] is not None
        and (new_person is None or values["case"].person_id != new_person.pk)
    ):
        values["case"] = None
    for text in ("summary", "next_action"):
        values[text] = values[text] or ""
    checked = consultation_build(
        actor=consultation.recorded_by,
        municipality=consultation.municipality,
        **values,
    )
    before = {field: _plain(consultation, field) for field in CORRECTABLE_FIELDS}
    after = {field: _plain(checked, field) for field in CORRECTABLE_FIELDS}
    changed = {f: {"before": before[f], "after": after[f]} for f in before if before[f] != after[f]}
    if not changed:
        raise ValidationError(_("Nothing was changed."))
    for field in CORRECTABLE_FIELDS:
        setattr(consultation, field, getattr(checked, field))
    consultation.local_month = checked.local_month
    consultation.save()
    correction = ConsultationCorrection(
        municipality=consultation.municipality,
        consultation=consultation,
        corrected_by=actor,
        reason=reason,
    )
    correction.changes = changed
    correction.save()
    _written(actor, consultation, AccessAction.UPDATE)
    return consultation


@transaction.atomic
def consultation_delete(
    *, actor: Membership, consultation: Consultation, reason: str
) -> Consultation:
    """Delete a consultation, leaving a tombstone: it counts nowhere and its text is erased.

    The tombstone keeps when, by whom and why it was deleted, and what kind of contact it
    was; the summary, the next action and the earlier versions in its correction history go.
    """
    reason = _reason(reason)
    if consultation.deleted_at is not None:
        raise ValidationError(_("This consultation was already deleted."))
    consultation.deleted_at = timezone.now()
    consultation.deleted_by = actor
    consultation.deletion_reason = reason
    consultation.summary = ""
    consultation.next_action = ""
    consultation.save()
    ConsultationCorrection.objects.filter(consultation=consultation).delete()
    _written(actor, consultation, AccessAction.UPDATE)
    return consultation
