"""The only doors to what the audit screens show: 403 for a role that may not, else 404.

An auditor looks at any person or case of the municipality (whatever their own bases): the
permission is the basis, and the views record the look with it (`AUDIT_BASIS`).
"""

from django.shortcuts import get_object_or_404

from tsunagu.cases.models import Case
from tsunagu.people.models import Person
from tsunagu.policy import require
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ACCESS_LOG, VIEW_CHANGE_HISTORY


def case_for_history(*, membership: Membership, pk: int) -> Case:
    require(membership, VIEW_CHANGE_HISTORY)
    return get_object_or_404(Case, pk=pk, municipality=membership.municipality)


def person_for_access_log(*, membership: Membership, pk: int) -> Person:
    require(membership, VIEW_ACCESS_LOG)
    return get_object_or_404(Person, pk=pk, municipality=membership.municipality)
