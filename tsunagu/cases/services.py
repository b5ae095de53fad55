"""Writes of casework: open, assign, move through stages, plan, risks, close and reopen."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.codes import ClosureReason, Stage
from tsunagu.cases.models import (
    Case,
    CaseAssignment,
    PlanItem,
    PlanReview,
    RiskFlag,
    StageTransition,
)
from tsunagu.people.models import FamilyMember, Person
from tsunagu.tenancy.models import Membership


def _same_municipality(case_or_person: Case | Person, *members: Membership | None) -> None:
    for member in members:
        if member is not None and member.municipality_id != case_or_person.municipality_id:
            raise ValueError("membership of another municipality")


@transaction.atomic
def case_open(
    *,
    actor: Membership | None,
    person: Person,
    opened_on: date,
    referral_source: str,
    primary: Membership | None = None,
    others: list[Membership] | None = None,
    family_members: list[FamilyMember] | None = None,
    goal: str = "",
    is_shared: bool = True,
    at: datetime | None = None,
) -> Case:
    others = others or []
    _same_municipality(person, primary, *others)
    case = Case(
        municipality_id=person.municipality_id,
        person=person,
        opened_on=opened_on,
        referral_source=referral_source,
        goal=goal,
        is_shared=is_shared,
    )
    case.full_clean(exclude=["municipality", "person"])
    case.save()
    if family_members:
        if any(f.person_id != person.pk for f in family_members):
            raise ValueError("family member of another person")
        case.family_members.set(family_members)
    case_assign(actor=actor, case=case, primary=primary, others=others)
    StageTransition.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        from_stage="",
        to_stage=case.stage,
        at=at or timezone.now(),
        by=actor,
        reason=_("Case opened"),
    )
    return case


@transaction.atomic
def case_assign(
    *,
    actor: Membership | None,
    case: Case,
    primary: Membership | None,
    others: list[Membership],
) -> Case:
    """Replace the case's assignments: one primary (if any) and others."""
    _same_municipality(case, primary, *others)
    wanted = {m.pk: m for m in others}
    if primary is not None:
        wanted[primary.pk] = primary
    CaseAssignment.objects.filter(case=case).exclude(membership_id__in=wanted).delete()
    # The primary comes last, so the old primary has stepped down before the new one steps
    # up: the database allows one primary per case at every moment.
    ordered = sorted(wanted.items(), key=lambda item: primary is not None and item[0] == primary.pk)
    for pk, member in ordered:
        CaseAssignment.objects.update_or_create(
            case=case,
            membership=member,
            defaults={
                "is_primary": primary is not None and pk == primary.pk,
                "municipality_id": case.municipality_id,
            },
        )
    return case


@transaction.atomic
def case_change_stage(
    *,
    actor: Membership | None,
    case: Case,
    to_stage: str,
    reason: str,
    at: datetime | None = None,
) -> StageTransition:
    if to_stage not in Stage.values or to_stage == Stage.CLOSED:
        raise ValidationError({"to_stage": _("Choose a support stage; close a case to end it.")})
    if case.is_closed:
        raise ValidationError(_("The case is closed. Reopen it first."))
    if to_stage == case.stage:
        raise ValidationError({"to_stage": _("The case is already at this stage.")})
    transition = StageTransition.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        from_stage=case.stage,
        to_stage=to_stage,
        at=at or timezone.now(),
        by=actor,
        reason=reason,
    )
    case.stage = to_stage
    case.save(update_fields=["stage", "updated_at"])
    return transition


@transaction.atomic
def case_close(
    *,
    actor: Membership | None,
    case: Case,
    reason: str,
    closed_on: date,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    if case.is_closed:
        raise ValidationError(_("The case is already closed."))
    if reason not in ClosureReason.values:
        raise ValidationError({"reason": _("Choose why the case closes.")})
    if closed_on < case.opened_on:
        raise ValidationError(
            {"closed_on": _("A case cannot close before the day it was opened.")}, code="period"
        )
    StageTransition.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        from_stage=case.stage,
        to_stage=Stage.CLOSED,
        at=at or timezone.now(),
        by=actor,
        reason=note or ClosureReason(reason).label,
    )
    case.stage = Stage.CLOSED
    case.closed_on = closed_on
    case.closure_reason = reason
    case.save(update_fields=["stage", "closed_on", "closure_reason", "updated_at"])
    return case


@transaction.atomic
def case_reopen(
    *,
    actor: Membership | None,
    case: Case,
    reason: str,
    stage: str = Stage.ENCOUNTER,
    at: datetime | None = None,
) -> Case:
    if not case.is_closed:
        raise ValidationError(_("The case is open."))
    if stage not in Stage.values or stage == Stage.CLOSED:
        raise ValidationError({"stage": _("Choose the stage the case reopens at.")})
    StageTransition.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        from_stage=Stage.CLOSED,
        to_stage=stage,
        at=at or timezone.now(),
        by=actor,
        reason=reason,
    )
    case.stage = stage
    case.closed_on = None
    case.closure_reason = ""
    case.save(update_fields=["stage", "closed_on", "closure_reason", "updated_at"])
    return case


@transaction.atomic
def plan_item_add(
    *,
    actor: Membership | None,
    case: Case,
    what: str,
    who: str = "",
    due_on: date | None = None,
    review_on: date | None = None,
) -> PlanItem:
    if not what.strip():
        raise ValidationError({"what": _("Say what will be done.")})
    return PlanItem.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        what=what,
        who=who,
        due_on=due_on,
        review_on=review_on,
        created_by=actor,
    )


@transaction.atomic
def plan_item_review(
    *,
    actor: Membership | None,
    item: PlanItem,
    note: str,
    next_review_on: date | None = None,
    done: bool = False,
    at: datetime | None = None,
) -> PlanReview:
    at = at or timezone.now()
    review = PlanReview.objects.create(
        municipality_id=item.municipality_id,
        plan_item=item,
        reviewed_at=at,
        by=actor,
        note=note,
        next_review_on=next_review_on,
    )
    item.review_on = next_review_on
    if done:
        item.done_on = timezone.localdate(at)
    item.save(update_fields=["review_on", "done_on"])
    return review


@transaction.atomic
def risk_raise(
    *,
    actor: Membership | None,
    case: Case,
    kind: str,
    detail: str = "",
    at: datetime | None = None,
) -> RiskFlag:
    flag = RiskFlag(
        municipality_id=case.municipality_id,
        case=case,
        kind=kind,
        detail=detail,
        raised_at=at or timezone.now(),
        raised_by=actor,
    )
    flag.full_clean(exclude=["municipality", "case"])
    flag.save()
    return flag


@transaction.atomic
def risk_clear(
    *, actor: Membership | None, flag: RiskFlag, note: str, at: datetime | None = None
) -> RiskFlag:
    if flag.cleared_at is not None:
        raise ValidationError(_("This risk was already cleared."))
    flag.cleared_at = at or timezone.now()
    flag.cleared_by = actor
    flag.clear_note = note
    flag.save(update_fields=["cleared_at", "cleared_by", "clear_note"])
    return flag


@transaction.atomic
def case_update(
    *,
    actor: Membership | None,
    case: Case,
    goal: str | None = None,
    referral_source: str | None = None,
    is_shared: bool | None = None,
    family_members: list[FamilyMember] | None = None,
) -> Case:
    """Change what may change freely; the stage moves only through its own services."""
    changed = ["updated_at"]
    if goal is not None:
        case.goal = goal
        changed.append("goal")
    if referral_source is not None:
        case.referral_source = referral_source
        changed.append("referral_source")
    if is_shared is not None:
        case.is_shared = is_shared
        changed.append("is_shared")
    case.full_clean(exclude=["municipality", "person", "family_members"])
    case.save(update_fields=changed)
    if family_members is not None:
        if any(f.person_id != case.person_id for f in family_members):
            raise ValueError("family member of another person")
        case.family_members.set(family_members)
    return case
