"""The only doors to one case and its parts: 403 for a role that may not, 404 outside sight.

Each door is `tsunagu.policy.one`, so opening a case is written to the access log.
"""

from django.shortcuts import get_object_or_404

from tsunagu.audit.models import AccessAction
from tsunagu.cases.models import Case, PlanItem, RiskFlag
from tsunagu.policy import one
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_PERSONS


def case_for_viewer(*, membership: Membership, pk: int, action: str = AccessAction.VIEW) -> Case:
    return one(
        membership,
        Case,
        pk,
        permission=VIEW_PERSONS,
        queryset=Case.objects.select_related("person"),
        action=action,
    )


def case_for_editor(*, membership: Membership, pk: int, action: str = AccessAction.VIEW) -> Case:
    return one(
        membership,
        Case,
        pk,
        permission=EDIT_CASES,
        queryset=Case.objects.select_related("person"),
        action=action,
    )


def plan_item_for_editor(*, membership: Membership, case_pk: int, pk: int) -> PlanItem:
    case = case_for_editor(membership=membership, pk=case_pk)
    return get_object_or_404(PlanItem.objects.filter(case=case), pk=pk)


def risk_flag_for_editor(*, membership: Membership, case_pk: int, pk: int) -> RiskFlag:
    case = case_for_editor(membership=membership, pk=case_pk)
    return get_object_or_404(RiskFlag.objects.filter(case=case), pk=pk)
