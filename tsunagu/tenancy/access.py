"""The only doors to one organization or membership: 404 outside the municipality."""

from django.shortcuts import get_object_or_404

from tsunagu.tenancy.models import Membership, Organization
from tsunagu.tenancy.policy import MANAGE_MUNICIPALITY, require_permission


def organization_for_admin(*, membership: Membership, pk: int) -> Organization:
    require_permission(membership, MANAGE_MUNICIPALITY)
    return get_object_or_404(Organization, pk=pk, municipality=membership.municipality)


def membership_for_admin(*, membership: Membership, pk: int) -> Membership:
    require_permission(membership, MANAGE_MUNICIPALITY)
    return get_object_or_404(
        Membership.objects.select_related("user"), pk=pk, municipality=membership.municipality
    )
