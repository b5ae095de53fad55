"""Reads of casework: the case list, one timeline per case, and a member's home page."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from tsunagu.cases.codes import RiskKind, Stage
from tsunagu.cases.models import Case, CaseAssignment, PlanItem, PlanReview, RiskFlag
from tsunagu.cases.policy import visible_cases, visible_consultations
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ALL_CASES, has_permission

TIMELINE_KINDS = ("consultation", "stage", "review", "risk")


def _assignments() -> Prefetch:
    return Prefetch(
        "assignments",
        queryset=CaseAssignment.objects.select_related("membership__user").order_by(
            "-is_primary", "pk"
        ),
    )


def _open_risks() -> Prefetch:
    return Prefetch(
        "risk_flags",
        queryset=RiskFlag.objects.filter(cleared_at__isnull=True).order_by("raised_at"),
        to_attr="open_risks",
    )


def case_list(
    *,
    viewer: Membership,
    stage: str = "",
    mine: bool = False,
    open_risk: bool = False,
    person_id: int | None = None,
) -> QuerySet[Case]:
    """Visible cases, filtered, with what the API shows of each in a fixed number of queries.

    `stage` is a stage code, "open" (the default) or "all".
    """
    return (
        case_list_filtered(
            viewer=viewer, stage=stage, mine=mine, open_risk=open_risk, person_id=person_id
        )
        .select_related("person")
        .prefetch_related(_assignments(), _open_risks())
    )


def case_list_filtered(
    *,
    viewer: Membership,
    stage: str = "",
    mine: bool = False,
    open_risk: bool = False,
    person_id: int | None = None,
) -> QuerySet[Case]:
    cases = visible_cases(viewer)
    if stage in Stage.values:
        cases = cases.filter(stage=stage)
    elif stage != "all":
        cases = cases.exclude(stage=Stage.CLOSED)
    if mine:
        cases = cases.filter(
            Exists(CaseAssignment.objects.filter(case=OuterRef("pk"), membership=viewer))
        )
    if open_risk:
        cases = cases.filter(
            Exists(RiskFlag.objects.filter(case=OuterRef("pk"), cleared_at__isnull=True))
        )
    if person_id is not None:
        cases = cases.filter(person_id=person_id)
    return cases.order_by("-opened_on", "-pk")


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list: plain values, so a page of 50 renders cheaply."""

    pk: int
    person_id: int
    number: int
    name: str
    stage: str
    is_shared: bool
    opened_on: date
    staff: list[tuple[str, bool]]  # (name, is primary), primary first
    risks: list[tuple[str, str]]  # (kind, label) of each open risk


def case_rows(cases: QuerySet[Case]) -> list[CaseRow]:
    """The rows of one page of cases in three queries, without loading any encrypted text."""
    base = list(
        cases.values_list(
            "pk", "person_id", "person__number", "person__name", "stage", "is_shared", "opened_on"
        )
    )
    ids = [row[0] for row in base]
    staff: dict[int, list[tuple[str, bool]]] = {pk: [] for pk in ids}
    for case_id, is_primary, username, display_name in (
        CaseAssignment.objects.filter(case_id__in=ids)
        .order_by("-is_primary", "pk")
        .values_list(
            "case_id", "is_primary", "membership__user__username", "membership__user__display_name"
        )
    ):
        staff[case_id].append((display_name or username, is_primary))
    risks: dict[int, list[tuple[str, str]]] = {pk: [] for pk in ids}
    risk_labels = {kind.value: str(kind.label) for kind in RiskKind}
    for case_id, kind in (
        RiskFlag.objects.filter(case_id__in=ids, cleared_at__isnull=True)
        .order_by("raised_at")
        .values_list("case_id", "kind")
    ):
        risks[case_id].append((kind, risk_labels[kind]))
    return [
        CaseRow(pk, person_id, number, name, stage, shared, opened_on, staff[pk], risks[pk])
        for pk, person_id, number, name, stage, shared, opened_on in base
    ]


def case_for_page(case: Case) -> Case:
    """The case again, with everything its header and side need in a fixed number of queries."""
    plan_items = PlanItem.objects.order_by("done_on", "review_on", "pk")
    return (
        Case.objects.filter(pk=case.pk)
        .select_related("person")
        .prefetch_related(
            _assignments(),
            _open_risks(),
            "family_members",
            Prefetch("plan_items", queryset=plan_items),
        )
        .get()
    )


@dataclass
class TimelineEntry:
    """One thing that happened in a case, for the one timeline of its page."""

    kind: str
    at: datetime
    obj: Any
    event: str = ""


def case_timeline(*, viewer: Membership, case: Case, kinds: set[str] | None = None) -> list:
    """Consultations (the case's and the person's un-cased ones), stage changes, plan reviews
    and risks raised or cleared, newest first."""
    kinds = kinds or set(TIMELINE_KINDS)
    entries: list[TimelineEntry] = []
    if "consultation" in kinds:
        consultations = (
            visible_consultations(viewer)
            .filter(Q(case=case) | Q(case__isnull=True, person_id=case.person_id))
            .select_related("staff__user")
        )
        entries += [TimelineEntry("consultation", c.occurred_at, c) for c in consultations]
    if "stage" in kinds:
        entries += [
            TimelineEntry("stage", t.at, t) for t in case.transitions.select_related("by__user")
        ]
    if "review" in kinds:
        reviews = PlanReview.objects.filter(plan_item__case=case).select_related(
            "plan_item", "by__user"
        )
        entries += [TimelineEntry("review", r.reviewed_at, r) for r in reviews]
    if "risk" in kinds:
        for flag in RiskFlag.objects.filter(case=case).select_related(
            "raised_by__user", "cleared_by__user"
        ):
            entries.append(TimelineEntry("risk", flag.raised_at, flag, "raised"))
            if flag.cleared_at is not None:
                entries.append(TimelineEntry("risk", flag.cleared_at, flag, "cleared"))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def assignable_members(*, municipality_id: int) -> QuerySet[Membership]:
    """Staff a case can be assigned to: those who work cases, plus visiting professionals."""
    return (
        Membership.objects.filter(
            municipality_id=municipality_id,
            is_active=True,
            role__in=[Role.LEAD, Role.COUNSELOR, Role.PROFESSIONAL],
        )
        .select_related("user")
        .order_by("role", "user__username")
    )


def home_risk_flags(*, viewer: Membership) -> list[RiskFlag]:
    """Open risks on cases the member is assigned to (a lead: every case), oldest first."""
    flags = RiskFlag.objects.filter(
        cleared_at__isnull=True, case__in=visible_cases(viewer).values("pk")
    )
    if not has_permission(viewer, VIEW_ALL_CASES):
        flags = flags.filter(
            Exists(CaseAssignment.objects.filter(case=OuterRef("case"), membership=viewer))
        )
    return list(flags.select_related("case__person").order_by("raised_at")[:100])


def home_follow_ups(*, viewer: Membership, today: date, limit: int = 50) -> list:
    """Follow-ups due today or overdue: the member's own (a lead: all), not yet followed by a
    later consultation about the same person."""
    from tsunagu.consultations.models import Consultation

    consultations = visible_consultations(viewer).filter(
        next_action_on__lte=today, next_action_done_at__isnull=True
    )
    if not has_permission(viewer, VIEW_ALL_CASES):
        consultations = consultations.filter(Q(recorded_by=viewer) | Q(staff=viewer))
    later = Consultation.objects.filter(
        person_id=OuterRef("person_id"), occurred_at__gt=OuterRef("occurred_at")
    )
    consultations = consultations.filter(Q(person__isnull=True) | ~Exists(later))
    return list(
        consultations.select_related("person", "case").order_by("next_action_on", "occurred_at")[
            :limit
        ]
    )
