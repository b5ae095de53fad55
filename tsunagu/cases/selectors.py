"""Reads of casework: the case list, one timeline per case, and a member's home page."""

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from encrypted_fields.fields import EncryptedTextField

from tsunagu.cases import signals
from tsunagu.cases.codes import RiskKind, Stage
from tsunagu.cases.models import Case, CaseAssignment, PlanItem, PlanReview, RiskFlag
from tsunagu.consultations.models import Consultation
from tsunagu.core.templatetags.wareki import wareki
from tsunagu.people.models import Person
from tsunagu.policy import can, visible, visible_through
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ALL_CASES

TIMELINE_KINDS = ("consultation", "stage", "review", "risk", "place", "activity")


def _assignments() -> Prefetch[str, QuerySet[CaseAssignment], str]:
    return Prefetch(
        "assignments",
        queryset=CaseAssignment.objects.select_related("membership__user").order_by(
            "-is_primary", "pk"
        ),
    )


def _open_risks() -> Prefetch[str, QuerySet[RiskFlag], str]:
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
    cases = visible(viewer, Case)
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
    """One line of the case list: plain values, labels resolved once per page, so the
    template (cases/_case_rows.html, autoescaped) renders 50 of them cheaply."""

    pk: int
    person_id: int
    number: int
    name: str
    stage: str
    is_shared: bool
    opened_on: date
    staff: list[tuple[str, bool]]  # (name, is primary), primary first
    risks: list[tuple[str, str]]  # (kind, label) of each open risk
    stage_label: str = ""
    opened_label: str = ""  # 和暦


# JSON aggregate and array functions of each database, for the lists read with a case row.
_JSON_FUNCTIONS = {"postgresql": ("json_agg", "json_build_array")}
_SQLITE_JSON_FUNCTIONS = ("json_group_array", "json_array")


def _row_lists() -> tuple[RawSQL, RawSQL]:
    """Each case row's staff [name, is primary, id] and open risks [kind, raised at, id] as
    JSON lists read with the row: one query for a page instead of three round trips. They
    come unordered (SQLite orders no aggregate); `case_rows` orders them."""
    agg, array = _JSON_FUNCTIONS.get(connection.vendor, _SQLITE_JSON_FUNCTIONS)
    # Tables named in full: the Citus check (tsunagu/core/distribution.py) reads them so.
    assignment, user = '"cases_caseassignment"', '"accounts_user"'
    staff = (
        f"(SELECT {agg}({array}(COALESCE(NULLIF({user}.display_name, ''), {user}.username),"  # noqa: S608
        f" {assignment}.is_primary, {assignment}.id)) FROM {assignment}"
        f' JOIN "tenancy_membership" ON "tenancy_membership".id = {assignment}.membership_id'
        f' JOIN {user} ON {user}.id = "tenancy_membership".user_id'
        f' WHERE {assignment}."case_id" = "cases_case"."id"'
        f' AND {assignment}."municipality_id" = "cases_case"."municipality_id")'
    )
    risk = '"cases_riskflag"'
    risks = (
        f"(SELECT {agg}({array}({risk}.kind, {risk}.raised_at, {risk}.id)) FROM {risk}"  # noqa: S608
        f' WHERE {risk}."case_id" = "cases_case"."id"'
        f' AND {risk}."municipality_id" = "cases_case"."municipality_id"'
        f" AND {risk}.cleared_at IS NULL)"
    )
    # Fixed text naming no input: nothing to inject.
    return RawSQL(staff, []), RawSQL(risks, [])  # noqa: S611


def _json_list(value: object) -> list[Any]:
    """A JSON list as the database gives it: decoded already (psycopg), text (SQLite), or
    NULL where PostgreSQL aggregated no rows."""
    if value is None:
        return []
    return cast(list[Any], json.loads(value) if isinstance(value, str) else value)


def _primary_first(staff: list[Any]) -> tuple[bool, int]:
    _, primary, pk = staff
    return (not primary, pk)


def _oldest_first(risk: list[Any]) -> tuple[str, int]:
    _, raised_at, pk = risk  # ISO text in the database's own format: sorts as the times do
    return (raised_at, pk)


def case_rows(cases: QuerySet[Case]) -> list[CaseRow]:
    """The rows of one page of cases in one query; of the encrypted columns only the open
    risks' kinds are read (and decrypted)."""
    staff_list, risks_list = _row_lists()
    decrypted = cast(EncryptedTextField, RiskFlag._meta.get_field("kind")).to_python  # 要配慮
    risk_labels = {kind.value: str(kind.label) for kind in RiskKind}
    # Labels are lazy translations: resolve each once, not once per row.
    stage_labels = {s.value: str(s.label) for s in Stage}
    return [
        CaseRow(
            pk,
            person_id,
            number,
            name,
            stage,
            shared,
            opened_on,
            [
                (staff_name, bool(primary))
                for staff_name, primary, _ in sorted(_json_list(staff), key=_primary_first)
            ],
            [
                (kind, risk_labels[kind])
                for kind in (
                    decrypted(token) for token, _, _ in sorted(_json_list(risks), key=_oldest_first)
                )
            ],
            stage_labels.get(stage, stage),
            wareki(opened_on),
        )
        for pk, person_id, number, name, stage, shared, opened_on, staff, risks in cases.annotate(
            staff_list=staff_list, risks_list=risks_list
        ).values_list(
            "pk",
            "person_id",
            "person__number",
            "person__name",
            "stage",
            "is_shared",
            "opened_on",
            "staff_list",
            "risks_list",
        )
    ]


def ended_in_stage(case: Case) -> str | None:
    """The support stage a closed case was in when it was closed (None while it is open)."""
    if case.stage != Stage.CLOSED:
        return None
    closing = case.transitions.filter(to_stage=Stage.CLOSED).order_by("-at", "-pk").first()
    return closing.from_stage if closing is not None and closing.from_stage else None


def case_for_page(case: Case, *, reload: bool = True) -> Case:
    """The case with everything its header and side need in a fixed number of queries: read
    again, or (`reload=False`) the instance the door has just read (with its person), its
    parts added. Every risk flag of the case comes with who raised and cleared it, for the
    timeline (`all_risk_flags`); `open_risks` are those not cleared, oldest first."""
    plan_items = PlanItem.objects.order_by("done_on", "review_on", "pk")
    parts = (
        _assignments(),
        Prefetch("risk_flags", queryset=_risk_flags(), to_attr="all_risk_flags"),
        "family_members",
        Prefetch("plan_items", queryset=plan_items),
    )
    if reload:
        case = (
            Case.objects.filter(pk=case.pk).select_related("person").prefetch_related(*parts).get()
        )
    else:
        prefetch_related_objects([case], *parts)
    flags: list[RiskFlag] = case.all_risk_flags  # type: ignore[attr-defined]
    case.open_risks = [f for f in flags if f.cleared_at is None]  # type: ignore[attr-defined]
    return case


def _risk_flags() -> QuerySet[RiskFlag]:
    return RiskFlag.objects.select_related("raised_by__user", "cleared_by__user").order_by(
        "raised_at", "pk"
    )


@dataclass
class TimelineEntry:
    """One thing that happened in a case, for the one timeline of its page."""

    kind: str
    at: datetime
    obj: Any
    event: str = ""


def case_timeline(
    *,
    viewer: Membership,
    case: Case,
    kinds: set[str] | None = None,
    risk_flags: list[RiskFlag] | None = None,
    plan_items: list[PlanItem] | None = None,
) -> list[Any]:
    """Consultations (the case's and the person's un-cased ones), stage changes, plan reviews
    and risks raised or cleared, newest first. The case's risk flags and plan items, when
    the caller has read them already (`case_for_page`), are not read again: the flags are
    the timeline's, and a case without plan items has no reviews."""
    kinds = kinds or set(TIMELINE_KINDS)
    entries: list[TimelineEntry] = []
    if "consultation" in kinds:
        # One query, unsorted, so each side of the `OR` is read by its own index (the case's,
        # the person's; SQLite after its planner statistics, core.jobs). Sorted by time in
        # SQL, SQLite walked every consultation of the municipality by time instead.
        found = list(
            visible(viewer, Consultation)
            .select_related("staff__user")
            .filter(Q(case=case) | Q(case__isnull=True, person_id=case.person_id))
            .order_by()
        )
        found.sort(key=lambda c: (c.occurred_at, c.pk), reverse=True)
        entries += [TimelineEntry("consultation", c.occurred_at, c) for c in found]
    if "stage" in kinds:
        entries += [
            TimelineEntry("stage", t.at, t) for t in case.transitions.select_related("by__user")
        ]
    if "review" in kinds and (plan_items is None or plan_items):
        reviews = PlanReview.objects.filter(plan_item__case=case).select_related(
            "plan_item", "by__user"
        )
        entries += [TimelineEntry("review", r.reviewed_at, r) for r in reviews]
    if "risk" in kinds:
        flags = risk_flags if risk_flags is not None else _risk_flags().filter(case=case)
        for flag in flags:
            entries.append(TimelineEntry("risk", flag.raised_at, flag, "raised"))
            if flag.cleared_at is not None:
                entries.append(TimelineEntry("risk", flag.cleared_at, flag, "cleared"))
    if "place" in kinds:
        from tsunagu.places.selectors import case_booking_events, person_place_events

        events = person_place_events(case.person_id) + case_booking_events(
            municipality_id=case.municipality_id, case_id=case.pk
        )
        entries += [TimelineEntry("place", at, obj, event) for at, obj, event in events]
    # What the apps above casework add (a supporter's activity logs): they listen, casework
    # imports none of them.
    for _receiver, added in signals.timeline_read.send(
        sender=Case, viewer=viewer, case=case, kinds=kinds
    ):
        entries += cast(list[TimelineEntry], added)
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def assignable_members(*, municipality_id: int) -> QuerySet[Membership]:
    """Staff a case can be assigned to: those who work cases (a visiting professional sees a
    case by a consultation-day booking, not by assignment)."""
    return (
        Membership.objects.filter(
            municipality_id=municipality_id,
            is_active=True,
            role__in=[Role.LEAD, Role.COUNSELOR],
        )
        .select_related("user")
        .order_by("role", "user__username")
    )


def home_risk_flags(*, viewer: Membership) -> list[RiskFlag]:
    """Open risks on cases the member is assigned to (a lead: every case), oldest first."""
    flags = RiskFlag.objects.filter(visible_through(viewer, Case, "case"), cleared_at__isnull=True)
    if not can(viewer, VIEW_ALL_CASES):
        flags = flags.filter(
            Exists(CaseAssignment.objects.filter(case=OuterRef("case"), membership=viewer))
        )
    return list(flags.select_related("case__person").order_by("raised_at")[:100])


def home_follow_ups(*, viewer: Membership, today: date, limit: int = 50) -> list[Any]:
    """Follow-ups due today or overdue: the member's own (a lead: all), not yet followed by a
    later consultation about the same person."""
    consultations = visible(viewer, Consultation).filter(
        next_action_on__lte=today, next_action_done_at__isnull=True
    )
    if not can(viewer, VIEW_ALL_CASES):
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


def case_edit_initial(case: Case) -> dict[str, Any]:
    """What the edit form of a case starts from."""
    return {
        "goal": case.goal or "",
        "referral_source": case.referral_source,
        "family_members": list(case.family_members.values_list("pk", flat=True)),
        "is_shared": case.is_shared,
        "version": case.version,
    }


def assignment_initial(case: Case) -> dict[str, Any]:
    """The case's staff as the assignment form starts from: its primary and the others."""
    current = list(case.assignments.all())
    return {
        "primary": next((a.membership_id for a in current if a.is_primary), None),
        "others": [a.membership_id for a in current if not a.is_primary],
    }


def intake_person(*, viewer: Membership, pk: int) -> Person | None:
    """The person a case is to be opened for, if the viewer sees them."""
    return visible(viewer, Person).filter(pk=pk).first()


def assignable_by_username(*, municipality_id: int, username: str) -> Membership | None:
    return (
        assignable_members(municipality_id=municipality_id).filter(user__username=username).first()
    )


@dataclass(frozen=True)
class Caseload:
    """One staff member's open cases (as primary, in all) and the open risks among them."""

    member: Membership | None  # None: the open cases nobody is assigned to
    cases: int
    primary: int
    risks: int


def home_caseload(*, viewer: Membership) -> list[Caseload]:
    """The lead's morning: open cases and open risks per assigned member, heaviest first.

    Counts only (no person named); empty for a member who does not see every case.
    """
    if not can(viewer, VIEW_ALL_CASES):
        return []
    # Counted by the database: a big city's lead sees a quarter of a million open cases, and
    # reading their ids and assignments into Python took half a second of every home page.
    open_cases = visible(viewer, Case).exclude(stage=Stage.CLOSED)

    def at_risk(case: OuterRef) -> Q:
        return Q(
            Exists(
                RiskFlag.objects.filter(
                    municipality_id=viewer.municipality_id, case_id=case, cleared_at__isnull=True
                )
            )
        )

    counts = {
        row["membership_id"]: row
        for row in CaseAssignment.objects.filter(
            municipality_id=viewer.municipality_id, case__in=open_cases.values("pk")
        )
        .values("membership_id")
        .order_by()
        .annotate(
            cases=Count("pk"),
            primary=Count("pk", filter=Q(is_primary=True)),
            risks=Count("pk", filter=at_risk(OuterRef("case_id"))),
        )
    }
    members = Membership.objects.filter(
        municipality_id=viewer.municipality_id, pk__in=counts
    ).select_related("user")
    rows = [
        Caseload(
            member=m,
            cases=counts[m.pk]["cases"],
            primary=counts[m.pk]["primary"],
            risks=counts[m.pk]["risks"],
        )
        for m in members
    ]
    rows.sort(key=lambda r: (-r.cases, str(r.member.user) if r.member else ""))
    unassigned = (
        open_cases.filter(
            ~Exists(
                CaseAssignment.objects.filter(
                    municipality_id=viewer.municipality_id, case_id=OuterRef("pk")
                )
            )
        )
        .order_by()
        .aggregate(
            cases=Count("pk"),
            risks=Count("pk", filter=at_risk(OuterRef("pk"))),
        )
    )
    if unassigned["cases"]:
        rows.append(Caseload(None, unassigned["cases"], 0, unassigned["risks"]))
    return rows
