"""The only doors to one case and its parts: 403 for a role that may not, 404 outside sight."""

from django.shortcuts import get_object_or_404

from tsunagu.cases.models import Case, PlanItem, RiskFlag
from tsunagu.cases.policy import visible_cases
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_PERSONS, require_permission


def case_for_viewer(*, membership: Membership, pk: int) -> Case:
    require_permission(membership, VIEW_PERSONS)
    return get_object_or_404(visible_cases(membership).select_related("person"), pk=pk)


def case_for_editor(*, membership: Membership, pk: int) -> Case:
    require_permission(membership, EDIT_CASES)
    return get_object_or_404(visible_cases(membership).select_related("person"), pk=pk)


def plan_item_for_editor(*, membership: Membership, case_pk: int, pk: int) -> PlanItem:
    case = case_for_editor(membership=membership, pk=case_pk)
    return get_object_or_404(PlanItem.objects.filter(case=case), pk=pk)


def risk_flag_for_editor(*, membership: Membership, case_pk: int, pk: int) -> RiskFlag:
    case = case_for_editor(membership=membership, pk=case_pk)
    return get_object_or_404(RiskFlag.objects.filter(case=case), pk=pk)
