"""The only doors to one consultation or import job: 403 for the wrong role, 404 for the rest."""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.policy import can, one, record_seen, require
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    CORRECT_ANY_CONSULTATION,
    DELETE_CONSULTATIONS,
    IMPORT_CONSULTATIONS,
    RECORD_CONSULTATIONS,
    VIEW_ALL_CASES,
    VIEW_PERSONS,
)


def _related() -> QuerySet[Consultation]:
    return Consultation.objects.select_related("person", "case", "staff__user")


def consultation_for_follow_up(*, membership: Membership, pk: int) -> Consultation:
    require(membership, RECORD_CONSULTATIONS)
    return one(membership, Consultation, pk, permission=VIEW_PERSONS, queryset=_related())


def consultation_or_tombstone(*, membership: Membership, pk: int) -> Consultation:
    """A consultation the member sees, or the tombstone of a deleted one for a lead.

    A tombstone holds no text, only when, by whom and why it was deleted; it is shown to
    those who see every record (who may also delete), and 404 to everyone else.
    """
    try:
        return one(membership, Consultation, pk, permission=VIEW_PERSONS, queryset=_related())
    except Http404:
        if not can(membership, VIEW_ALL_CASES):
            raise
    tombstone: Consultation = get_object_or_404(
        Consultation.all_objects.select_related("deleted_by__user"),
        pk=pk,
        municipality=membership.municipality,
        deleted_at__isnull=False,
    )
    record_seen(membership, [Seen("consultation", tombstone.pk, "role")], action="view")
    return tombstone


def may_correct(member: Membership, consultation: Consultation) -> bool:
    """The author (who recorded or took it) or a lead may correct a consultation."""
    if can(member, CORRECT_ANY_CONSULTATION):
        return True
    return can(member, RECORD_CONSULTATIONS) and member.pk in (
        consultation.recorded_by_id,
        consultation.staff_id,
    )


def may_link(member: Membership, consultation: Consultation) -> bool:
    """Anyone who records calls may name the person of a call no one could name then."""
    return may_correct(member, consultation) or (
        can(member, RECORD_CONSULTATIONS) and consultation.person_id is None
    )


def may_delete(member: Membership) -> bool:
    return can(member, DELETE_CONSULTATIONS)


def consultation_for_correction(
    *, membership: Membership, pk: int, action: str = AccessAction.VIEW
) -> Consultation:
    consultation = one(
        membership,
        Consultation,
        pk,
        permission=RECORD_CONSULTATIONS,
        queryset=_related(),
        action=action,
    )
    if not may_correct(membership, consultation):
        raise PermissionDenied("consultation.correct")
    return consultation


def consultation_for_link(
    *, membership: Membership, pk: int, action: str = AccessAction.VIEW
) -> Consultation:
    consultation = one(
        membership,
        Consultation,
        pk,
        permission=RECORD_CONSULTATIONS,
        queryset=_related(),
        action=action,
    )
    if not may_link(membership, consultation):
        raise PermissionDenied("consultation.correct")
    return consultation


def consultation_for_deletion(*, membership: Membership, pk: int) -> Consultation:
    return one(membership, Consultation, pk, permission=DELETE_CONSULTATIONS, queryset=_related())


def import_job_for_uploader(*, membership: Membership, pk: int) -> ImportJob:
    """A job is seen only by whoever uploaded it: its preview quotes the file."""
    require(membership, IMPORT_CONSULTATIONS)
    return get_object_or_404(
        ImportJob, pk=pk, municipality=membership.municipality, uploaded_by=membership
    )


def import_preview_seen(*, membership: Membership, job: ImportJob) -> None:
    """The preview quotes rows of the uploaded file (summaries, person numbers): the job is
    written to the access log as seen by its uploader."""
    record_seen(membership, [Seen("import_job", job.pk, "uploader")], action=AccessAction.VIEW)
