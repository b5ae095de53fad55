"""The only doors to what the audit screens show: 403 for a role that may not, else 404."""

from django.shortcuts import get_object_or_404

from tsunagu.cases.models import Case
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ACCESS_LOG, VIEW_CHANGE_HISTORY, require_permission


def case_for_history(*, membership: Membership, pk: int) -> Case:
    require_permission(membership, VIEW_CHANGE_HISTORY)
    return get_object_or_404(Case, pk=pk, municipality=membership.municipality)


def person_for_access_log(*, membership: Membership, pk: int) -> Person:
    require_permission(membership, VIEW_ACCESS_LOG)
    return get_object_or_404(Person, pk=pk, municipality=membership.municipality)
