"""Staff screens of casework: the case list, opening a case, and a case's page and actions."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.audit.models import AccessAction
from tsunagu.cases import selectors, services
from tsunagu.cases.access import (
    case_for_editor,
    case_for_viewer,
    plan_item_for_editor,
    risk_flag_for_editor,
)
from tsunagu.cases.codes import OPEN_STAGES, RiskKind, Stage
from tsunagu.cases.forms import (
    AssignForm,
    CaseEditForm,
    CaseOpenForm,
    CloseForm,
    PlanItemForm,
    PlanReviewForm,
    ReopenForm,
    RiskClearForm,
    RiskRaiseForm,
    StageForm,
)
from tsunagu.cases.models import Case, PlanItem, RiskFlag
from tsunagu.cases.rendering import case_rows_html, timeline_html
from tsunagu.consultations.models import Consultation
from tsunagu.core.ids import parse_id
from tsunagu.core.paging import CappedPaginator
from tsunagu.network.selectors import case_referrals
from tsunagu.people.models import Person
from tsunagu.people.selectors import active_consents_of, age_band_label
from tsunagu.policy import can, one, require, shown, visible
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_ALL_CASES, VIEW_PERSONS
from tsunagu.tenancy.requests import StaffRequest

PAGE_SIZE = 50


@dataclass(frozen=True)
class _PersonRef:
    """A person known by id only (a case list row names its person)."""

    pk: int


def _member(request: StaffRequest) -> Membership:
    return request.membership


def case_list(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, VIEW_PERSONS)
    stage = request.GET.get("stage", "")
    mine = request.GET.get("mine") == "1"
    open_risk = request.GET.get("risk") == "1"
    cases = selectors.case_list_filtered(viewer=member, stage=stage, mine=mine, open_risk=open_risk)
    # Counted up to 1,000, as the persons screen does: counting every visible case of a big
    # city costs more than the page (a counselor's quarter of a million, one policy check each).
    page = CappedPaginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.case_rows(page.object_list)  # type: ignore[arg-type]
    shown(member, Case, rows, action=AccessAction.LIST)
    # Each row names its person.
    shown(member, Person, [_PersonRef(r.person_id) for r in rows], action=AccessAction.LIST)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/case_list.html",
        {
            "cases": rows,
            "rows_html": case_rows_html(rows, code),
            "page": page,
            "stage": stage,
            "mine": mine,
            "open_risk": open_risk,
            "stages": list(Stage),
            "filter_query": query.urlencode(),
        },
    )


def case_open(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, EDIT_CASES)
    person = None
    person_id = parse_id(request.GET.get("person"))
    if person_id is not None:
        person = one(member, Person, person_id, permission=EDIT_CASES)
    may_assign = can(member, VIEW_ALL_CASES)
    form = CaseOpenForm(
        request.POST or None,
        persons=visible(member, Person),
        assignable=selectors.assignable_members(municipality_id=member.municipality_id),
        person=person,
        may_assign=may_assign,
        initial={"primary": member.pk} if may_assign else {},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_intake_once(
                token=data.get("submission") or "",
                actor=member,
                person=data.get("person"),
                new_person=data.get("person") is None,
                new_person_name=data.get("new_person_name", ""),
                opened_on=data["opened_on"],
                referral_source=data["referral_source"],
                goal=data.get("goal", ""),
                is_shared=data.get("is_shared") if may_assign else None,
                primary=data.get("primary") if may_assign else None,
                others=list(data.get("others") or []) if may_assign else [],
                family=services.FamilyContact(
                    relation=data.get("family_relation", ""),
                    name=data.get("family_name", ""),
                    phone=data.get("family_phone", ""),
                ),
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        except services.AlreadySubmitted as sent:
            if sent.case_id is None:
                messages.info(request, _("This case is being opened; find it in the list."))
                return redirect("staff:case_list", code=code)
            messages.info(request, _("This case was already opened."))
            return redirect("staff:case_detail", code=code, pk=sent.case_id)
        else:
            messages.success(request, _("Opened case #%(pk)s.") % {"pk": case.pk})
            return redirect("staff:case_detail", code=code, pk=case.pk)
    return render(request, "cases/case_open.html", {"form": form, "person": person})


def _step_bar(case: Case) -> list[dict[str, Any]]:
    """The support stages with where the case is; a closed case shows where it ended, not
    every stage as done (a case may close at 出会い・評価 as well as after 社会参加)."""
    stages: list[str] = [s.value for s in OPEN_STAGES]
    ended = selectors.ended_in_stage(case)
    if ended in stages:
        current, here = stages.index(ended), "ended"
    elif case.stage in stages:
        current, here = stages.index(case.stage), "current"
    else:  # closed before any stage change was recorded: nothing to mark as reached
        current, here = -1, "ended"
    return [
        {
            "code": code,
            "label": Stage(code).label,
            "state": "done" if i < current else (here if i == current else "todo"),
        }
        for i, code in enumerate(stages)
    ]


# Timeline entries a case page shows before "show the older ones".
TIMELINE_SHOWN = 50


def _render_case(
    request: StaffRequest, case: Case, overrides: dict[str, Any] | None = None
) -> HttpResponse:
    member = _member(request)
    overrides = overrides or {}
    # The door's instance, unless a refused action (which may have changed it) is shown again.
    case = selectors.case_for_page(case, reload=bool(overrides))
    plan_items: list[PlanItem] = list(case.plan_items.all())
    kind = request.GET.get("kind", "")
    kinds = {kind} if kind in selectors.TIMELINE_KINDS else None
    timeline = selectors.case_timeline(
        viewer=member,
        case=case,
        kinds=kinds,
        risk_flags=case.all_risk_flags,  # type: ignore[attr-defined]
        plan_items=plan_items,
    )
    # The newest entries; a person who comes to a place every week for years has hundreds.
    # The rest on request. The consultations are recorded as seen only as far as shown (the
    # supporters' activity records its own rows when it is read, shown or not).
    older = 0 if request.GET.get("all") == "1" else max(0, len(timeline) - TIMELINE_SHOWN)
    if older:
        timeline = timeline[:TIMELINE_SHOWN]
    # The case itself was recorded by the door that opened it (case_for_viewer/_editor).
    shown(member, Person, [case.person], action=AccessAction.VIEW)
    shown(member, Consultation, [e.obj for e in timeline if e.kind == "consultation"])
    for item in plan_items:
        item.review_key = f"review-{item.pk}"  # type: ignore[attr-defined]
        item.review_form = overrides.get(f"review-{item.pk}") or PlanReviewForm(  # type: ignore[attr-defined]
            prefix=f"review-{item.pk}"
        )
    open_risks: list[RiskFlag] = case.open_risks  # type: ignore[attr-defined]
    for flag in open_risks:
        flag.clear_key = f"clear-{flag.pk}"  # type: ignore[attr-defined]
        flag.clear_form = overrides.get(f"clear-{flag.pk}") or RiskClearForm(  # type: ignore[attr-defined]
            prefix=f"clear-{flag.pk}"
        )
    today = timezone.localdate()
    context = {
        "case": case,
        "person": case.person,
        "age_band": age_band_label(case.person, today),
        "today": today,
        "steps": _step_bar(case),
        "timeline_html": timeline_html(timeline),
        "older": older,
        "kind": kind,
        "kinds": [
            ("consultation", _("Consultations")),
            ("stage", _("Stage changes")),
            ("review", _("Plan reviews")),
            ("risk", _("Risks")),
            ("place", _("Places")),
            ("activity", _("Supporter activity")),
        ],
        "plan_items": plan_items,
        "open_risks": open_risks,
        "consents": list(active_consents_of(case.person, today=today)),
        "may_edit": can(member, EDIT_CASES),
        "may_assign": can(member, VIEW_ALL_CASES),
        "stage_form": overrides.get("stage") or StageForm(prefix="stage"),
        "plan_form": overrides.get("plan") or PlanItemForm(prefix="plan"),
        "risk_form": overrides.get("risk") or RiskRaiseForm(prefix="risk"),
        "close_form": overrides.get("close") or CloseForm(prefix="close"),
        "reopen_form": overrides.get("reopen") or ReopenForm(prefix="reopen"),
        "failed": next(iter(overrides), ""),
        "risk_kinds": RiskKind,
        "referrals": case_referrals(member, case),
    }
    return render(request, "cases/case_detail.html", context)


def case_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_viewer(membership=_member(request), pk=pk)
    return _render_case(request, case)


Apply = Callable[[Membership, dict[str, Any]], object]


def _case_action(
    request: StaffRequest,
    case: Case,
    form: forms.Form,
    key: str,
    apply: Apply,
    done: str,
) -> HttpResponse:
    """Run one small form of the case page; on refusal show the page again with what was typed."""
    if form.is_valid():
        try:
            apply(_member(request), form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, done)
            return redirect("staff:case_detail", code=request.municipality.code, pk=case.pk)
    return _render_case(request, case, {key: form})


@require_POST
def case_change_stage(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_editor(membership=_member(request), pk=pk)
    return _case_action(
        request,
        case,
        StageForm(request.POST, prefix="stage"),
        "stage",
        lambda m, d: services.case_change_stage(
            actor=m, case=case, to_stage=d["to_stage"], reason=d["reason"]
        ),
        _("Changed the stage."),
    )


@require_POST
def plan_item_add(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_editor(membership=_member(request), pk=pk)
    return _case_action(
        request,
        case,
        PlanItemForm(request.POST, prefix="plan"),
        "plan",
        lambda m, d: services.plan_item_add(actor=m, case=case, **d),
        _("Added a plan item."),
    )


@require_POST
def plan_item_review(request: StaffRequest, code: str, pk: int, item_pk: int) -> HttpResponse:
    item = plan_item_for_editor(membership=_member(request), case_pk=pk, pk=item_pk)
    return _case_action(
        request,
        item.case,
        PlanReviewForm(request.POST, prefix=f"review-{item.pk}"),
        f"review-{item.pk}",
        lambda m, d: services.plan_item_review(actor=m, item=item, **d),
        _("Recorded the review."),
    )


@require_POST
def risk_raise(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_editor(membership=_member(request), pk=pk)
    return _case_action(
        request,
        case,
        RiskRaiseForm(request.POST, prefix="risk"),
        "risk",
        lambda m, d: services.risk_raise(actor=m, case=case, **d),
        _("Raised the risk flag. The case is on the home page of its staff until cleared."),
    )


@require_POST
def risk_clear(request: StaffRequest, code: str, pk: int, flag_pk: int) -> HttpResponse:
    flag = risk_flag_for_editor(membership=_member(request), case_pk=pk, pk=flag_pk)
    return _case_action(
        request,
        flag.case,
        RiskClearForm(request.POST, prefix=f"clear-{flag.pk}"),
        f"clear-{flag.pk}",
        lambda m, d: services.risk_clear(actor=m, flag=flag, note=d["note"]),
        _("Cleared the risk flag."),
    )


@require_POST
def case_close(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_editor(membership=_member(request), pk=pk)
    return _case_action(
        request,
        case,
        CloseForm(request.POST, prefix="close"),
        "close",
        lambda m, d: services.case_close(actor=m, case=case, **d),
        _("Closed the case."),
    )


@require_POST
def case_reopen(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    case = case_for_editor(membership=_member(request), pk=pk)
    return _case_action(
        request,
        case,
        ReopenForm(request.POST, prefix="reopen"),
        "reopen",
        lambda m, d: services.case_reopen(actor=m, case=case, **d),
        _("Reopened the case."),
    )


def case_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    case = case_for_editor(membership=member, pk=pk)
    shown(member, Person, [case.person], action=AccessAction.VIEW)  # the form lists its family
    may_restrict = can(member, VIEW_ALL_CASES)
    initial = selectors.case_edit_initial(case)
    form = CaseEditForm(
        request.POST or None, initial=initial, person=case.person, may_restrict=may_restrict
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.case_update(
                actor=member,
                case=case,
                goal=data["goal"],
                referral_source=data["referral_source"],
                family_members=list(data["family_members"]),
                is_shared=data.get("is_shared") if may_restrict else None,
                expected_version=data.get("version"),
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the case."))
            return redirect("staff:case_detail", code=code, pk=case.pk)
    return render(request, "cases/case_edit.html", {"form": form, "case": case})


def case_assign(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    require(member, VIEW_ALL_CASES)
    case = case_for_editor(membership=member, pk=pk)
    shown(member, Person, [case.person], action=AccessAction.VIEW)
    form = AssignForm(
        request.POST or None,
        initial=selectors.assignment_initial(case),
        assignable=selectors.assignable_members(municipality_id=member.municipality_id),
    )
    if request.method == "POST" and form.is_valid():
        primary = form.cleaned_data["primary"]
        others = [m for m in form.cleaned_data["others"] if m.pk != primary.pk]
        services.case_assign(actor=member, case=case, primary=primary, others=others)
        messages.success(request, _("Saved the assignment."))
        return redirect("staff:case_detail", code=code, pk=case.pk)
    if request.method not in ("GET", "POST", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return render(request, "cases/case_assign.html", {"form": form, "case": case})
