"""The only door to an export job: its file is the requester's alone (404 for everyone else)."""

from django.shortcuts import get_object_or_404

from tsunagu.reports.models import ExportJob
from tsunagu.tenancy.models import Membership


def export_job_for_requester(*, membership: Membership, pk: int) -> ExportJob:
    """A job and its file are seen only by the member who asked for them, in their
    municipality: another member, even a lead or the admin, meets 404."""
    return get_object_or_404(
        ExportJob, pk=pk, municipality_id=membership.municipality_id, requested_by=membership
    )
