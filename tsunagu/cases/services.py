"""Writes of casework: open, assign, move through stages, plan, risks, close and reopen."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.cases import signals
from tsunagu.cases.codes import ClosureReason, ReferralSource, Stage
from tsunagu.cases.models import (
    Case,
    CaseAssignment,
    PlanItem,
    PlanReview,
    RiskFlag,
    StageTransition,
)
from tsunagu.cases.selectors import assignable_members
from tsunagu.core.forms import validate_supported_date
from tsunagu.people import services as people_services
from tsunagu.people.models import FamilyMember, Person
from tsunagu.policy import can, record_seen, visible
from tsunagu.policy.recording import collecting
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_ALL_CASES


def _written(actor: Membership | None, case: Case, action: str = AccessAction.UPDATE) -> None:
    """Write the change to the access log as the actor's, with the request's entry (a
    command's writes are in the change history only)."""
    if actor is not None and collecting():
        record_seen(actor, [Seen("case", case.pk, "role")], action=action)


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
    _assign(case=case, primary=primary, others=others)
    StageTransition.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        from_stage="",
        to_stage=case.stage,
        at=at or timezone.now(),
        by=actor,
        reason=_("Case opened"),
    )
    _written(actor, case, AccessAction.CREATE)
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
    _assign(case=case, primary=primary, others=others)
    _written(actor, case)
    return case


def _assign(*, case: Case, primary: Membership | None, others: list[Membership]) -> None:
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
    _written(actor, case)
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
    _written(actor, case)
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
    _written(actor, case)
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
    item = PlanItem.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        what=what,
        who=who,
        due_on=due_on,
        review_on=review_on,
        created_by=actor,
    )
    _written(actor, case)
    return item


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
    _written(actor, item.case)
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
    _written(actor, case)
    signals.risk_raised.send(sender=RiskFlag, case=case, flag=flag, actor=actor)
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
    _written(actor, flag.case)
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
    expected_version: int | None = None,
) -> Case:
    """Change what may change freely; the stage moves only through its own services.

    With `expected_version` (the version the editor's form started from) the save is refused,
    and nothing is written, when someone else saved the case in between.
    """
    if expected_version is not None:
        # One conditional UPDATE: of two saves from the same version, one wins; the row
        # stays locked until this transaction ends.
        bumped = Case.objects.filter(pk=case.pk, version=expected_version).update(
            version=F("version") + 1
        )
        if not bumped:
            raise ValidationError(
                _(
                    "Someone else saved this case while you were editing it. Nothing was "
                    "saved: open the case again to see their changes."
                ),
                code="stale",
            )
        case.version = expected_version + 1
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
    _written(actor, case)
    return case


# Intake: the one way a case is opened, from the screen and from the API ----------------------


@dataclass(frozen=True)
class FamilyContact:
    """Who came to the desk for the person (a family member consulting on their behalf)."""

    relation: str
    name: str = ""
    phone: str = ""


def case_intake(
    *,
    actor: Membership,
    person: Person | None,
    new_person: bool = False,
    new_person_name: str = "",
    opened_on: date | None = None,
    referral_source: str,
    goal: str = "",
    is_shared: bool | None = None,
    primary: Membership | None = None,
    others: list[Membership] | None = None,
    family: FamilyContact | None = None,
) -> Case:
    """Open a case for a person the actor sees, or for a new unknown person; one set of rules.

    - the actor edits cases (403 otherwise);
    - exactly one of `person` (visible to the actor) and `new_person`;
    - the day it opens is a supported date, and defaults to today;
    - only a member who sees every case (the lead) chooses its staff or keeps it from the
      center's counselors (403 for anyone else); anyone else becomes its primary staff and the
      case is shared;
    - staff must be members a case can be assigned to.
    """
    if not can(actor, EDIT_CASES):
        raise PermissionDenied(EDIT_CASES)
    others = list(others or [])
    may_assign = can(actor, VIEW_ALL_CASES)
    if not may_assign:
        if primary is not None or others or is_shared is False:
            raise PermissionDenied(VIEW_ALL_CASES)
        primary, is_shared = actor, True
    if new_person == (person is not None):
        raise ValidationError(
            {"person": _("Give a person number or create a new person, not both.")}
            if new_person
            else {"person": _("Give the person's number, or create an unknown person.")}
        )
    if person is not None and not visible(actor, Person).filter(pk=person.pk).exists():
        # A person outside sight answers like one that does not exist.
        raise ValidationError({"person": _("No such person.")})
    if referral_source not in ReferralSource.values:
        raise ValidationError({"referral_source": _("Choose a referral source.")})
    opened_on = opened_on or timezone.localdate()
    try:
        validate_supported_date(opened_on)
    except ValidationError as exc:
        raise ValidationError({"opened_on": exc.messages}) from None
    staff = [m for m in (primary, *others) if m is not None]
    assignable = set(
        assignable_members(municipality_id=actor.municipality_id).values_list("pk", flat=True)
    )
    if any(m.pk not in assignable for m in staff):
        raise ValidationError({"primary": _("Choose staff a case can be assigned to.")})
    others = [m for m in others if primary is None or m.pk != primary.pk]
    with transaction.atomic():
        if person is None:
            person = people_services.person_create(
                actor=actor, municipality=actor.municipality, name=new_person_name
            )
        family_members = []
        if family is not None and family.relation:
            family_members.append(
                people_services.family_member_create(
                    actor=actor,
                    person=person,
                    relation=family.relation,
                    name=family.name,
                    phone=family.phone,
                    consults_on_behalf=True,
                )
            )
        return case_open(
            actor=actor,
            person=person,
            opened_on=opened_on,
            referral_source=referral_source,
            primary=primary,
            others=list(dict.fromkeys(others)),
            family_members=family_members,
            goal=goal,
            is_shared=True if is_shared is None else is_shared,
        )


# A form sent twice (a double click, a resent page) opens one case ----------------------------

SUBMISSION_TTL = 60 * 60


class AlreadySubmitted(Exception):
    """This form was sent before; `case_id` is the case it opened (None: still being saved)."""

    def __init__(self, case_id: int | None) -> None:
        super().__init__(case_id)
        self.case_id = case_id


def case_intake_once(*, token: str, actor: Membership, **fields: Any) -> Case:
    """`case_intake`, at most once per form token (a hidden field of the form as served).

    The token is claimed in the shared cache before the case is written; a second request
    with it is refused with the case the first opened. A refused intake frees the token, so
    the corrected form can be sent again.
    """
    if not token:
        return case_intake(actor=actor, **fields)
    key = f"tsunagu:case-intake:{actor.pk}:{token}"
    if not cache.add(key, 0, SUBMISSION_TTL):
        raise AlreadySubmitted(cache.get(key) or None)
    try:
        case = case_intake(actor=actor, **fields)
    except BaseException:
        cache.delete(key)
        raise
    cache.set(key, case.pk, SUBMISSION_TTL)
    return case
