"""The only doors to one consultation or import job: 403 for the wrong role, 404 for the rest."""

from django.shortcuts import get_object_or_404

from tsunagu.cases.policy import visible_consultations
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    IMPORT_CONSULTATIONS,
    RECORD_CONSULTATIONS,
    VIEW_PERSONS,
    require_permission,
)


def consultation_for_view(*, membership: Membership, pk: int) -> Consultation:
    require_permission(membership, VIEW_PERSONS)
    return get_object_or_404(
        visible_consultations(membership).select_related("person", "case", "staff__user"),
        pk=pk,
    )


def consultation_for_follow_up(*, membership: Membership, pk: int) -> Consultation:
    require_permission(membership, RECORD_CONSULTATIONS)
    return consultation_for_view(membership=membership, pk=pk)


def import_job_for_uploader(*, membership: Membership, pk: int) -> ImportJob:
    """A job is seen only by whoever uploaded it: its preview quotes the file."""
    require_permission(membership, IMPORT_CONSULTATIONS)
    return get_object_or_404(
        ImportJob, pk=pk, municipality=membership.municipality, uploaded_by=membership
    )
