"""Writes of supporters and dispatch: registry, requests, matching, approval, activity logs."""

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.models import Case
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.models import Person
from tsunagu.policy import visible
from tsunagu.programmes import services as programme_services
from tsunagu.programmes.codes import FOR_SUPPORTERS, ProgrammeKind
from tsunagu.programmes.models import Enrolment, Programme, ProgrammeSession
from tsunagu.supporters import matching
from tsunagu.supporters.codes import (
    DispatchStatus,
    RequestStatus,
    SupporterActivity,
    SupporterBackground,
    SupporterStatus,
)
from tsunagu.supporters.models import (
    ActivityLog,
    Availability,
    Dispatch,
    DispatchRequest,
    MeetingAttendance,
    Supporter,
)
from tsunagu.tenancy.models import Membership


@dataclass(frozen=True)
class WeeklySlot:
    weekday: int
    start: time
    end: time


def _names(field: str, values: list[str], *, required: bool) -> list[str]:
    """Free-text names (areas, skills): trimmed, NFKC-distinct, none empty."""
    cleaned: list[str] = []
    keys: set[str] = set()
    for value in values:
        text = " ".join(str(value).split())
        if not text or len(text) > 50:
            raise ValidationError({field: _("Each entry must have 1 to 50 characters.")})
        if normalize_for_search(text) not in keys:
            keys.add(normalize_for_search(text))
            cleaned.append(text)
    if required and not cleaned:
        raise ValidationError({field: _("Name at least one.")})
    return cleaned


def _slots(field: str, slots: list[WeeklySlot]) -> list[WeeklySlot]:
    for slot in slots:
        if not 0 <= slot.weekday <= 6:
            raise ValidationError({field: _("The weekday must be 0 (Monday) to 6 (Sunday).")})
        if slot.end <= slot.start:
            raise ValidationError({field: _("A time slot must end after it starts.")})
    return slots


def _check_supporter(supporter: Supporter) -> None:
    if supporter.status == SupporterStatus.ACTIVE and supporter.pledged_on is None:
        raise ValidationError(
            {
                "status": _(
                    "A supporter becomes active only after signing the confidentiality pledge."
                )
            }
        )
    if supporter.background not in SupporterBackground.values:
        raise ValidationError({"background": _("Unknown background.")})
    unknown = set(supporter.activities) - set(SupporterActivity.values)
    if unknown:
        raise ValidationError({"activities": _("Unknown activity.")})


@transaction.atomic
def supporter_save(
    *,
    actor: Membership,
    supporter: Supporter | None = None,
    name: str,
    background: str,
    areas: list[str],
    availability: list[WeeklySlot],
    skills: list[str] | None = None,
    activities: list[str] | None = None,
    max_active: int = 1,
    status: str = SupporterStatus.PAUSED,
    peer: bool = False,
    pledged_on: date | None = None,
    gender: str = "unknown",
    age_band: str = "",
    qualification: str = "",
    external_training: str = "",
    membership: Membership | None = None,
    course: Enrolment | None = None,
    person_id: int | None = None,
) -> Supporter:
    """Register a supporter, or change one (`supporter` given); availability is replaced.

    `person_id` links the person record of a former client or family member (元当事者・家族,
    UFE): only one the actor may see, in their municipality."""
    if max_active < 0:
        raise ValidationError({"max_active": _("Must not be negative.")})
    if membership is not None and membership.municipality_id != actor.municipality_id:
        raise ValidationError({"membership": _("Not a member of this municipality.")})
    if course is not None and (
        course.municipality_id != actor.municipality_id
        or course.programme.kind != ProgrammeKind.SUPPORTER_COURSE
        or course.completed_on is None
    ):
        raise ValidationError(
            {"course": _("Not a completed supporter course of this municipality.")}
        )
    if person_id is not None and not visible(actor, Person).filter(pk=person_id).exists():
        raise ValidationError(
            {"person_id": _("No person record you may see has this number in this municipality.")}
        )
    supporter = supporter or Supporter(municipality_id=actor.municipality_id)
    supporter.person_id = person_id
    if course is not None:
        supporter.course = course
        if supporter.person_id is None and course.person_id is not None:
            supporter.person_id = course.person_id  # a former client or family who trained
    supporter.name = " ".join(name.split())
    supporter.background = background
    supporter.areas = _names("areas", areas, required=True)
    supporter.skills = _names("skills", skills or [], required=False)
    supporter.activities = list(dict.fromkeys(activities or []))
    supporter.max_active = max_active
    supporter.status = status
    supporter.peer = peer
    supporter.pledged_on = pledged_on
    supporter.gender = gender
    supporter.age_band = age_band
    supporter.qualification = qualification
    supporter.external_training = external_training
    supporter.membership = membership
    _check_supporter(supporter)
    supporter.full_clean(exclude=["municipality", "person", "membership", "contact"])
    supporter.save()
    supporter.availability.all().delete()
    Availability.objects.bulk_create(
        Availability(
            municipality_id=supporter.municipality_id,
            supporter=supporter,
            weekday=s.weekday,
            start=s.start,
            end=s.end,
        )
        for s in _slots("availability", availability)
    )
    return supporter


@transaction.atomic
def dispatch_request_create(
    *,
    actor: Membership,
    case: Case,
    purpose: str,
    area: str,
    when: list[WeeklySlot],
    wants: dict[str, Any] | None = None,
    refused: list[Supporter] | None = None,
    accompaniment: str = "",
    at: datetime | None = None,
) -> DispatchRequest:
    if any(s.municipality_id != case.municipality_id for s in refused or []):
        raise ValidationError({"refused_supporters": _("Not a supporter of this municipality.")})
    if not _slots("when", when):
        raise ValidationError({"when": _("Name at least one time slot.")})
    wants = dict(wants or {})
    if "skills" in wants:
        wants["skills"] = _names("wants.skills", list(wants["skills"] or []), required=False)
    request = DispatchRequest(
        municipality_id=case.municipality_id,
        case=case,
        purpose=purpose,
        area=_names("area", [area], required=True)[0],
        when=[
            {
                "weekday": s.weekday,
                "start": s.start.strftime("%H:%M"),
                "end": s.end.strftime("%H:%M"),
            }
            for s in when
        ],
        wants=wants,
        accompaniment=accompaniment,
        requested_by=actor,
        requested_at=at or timezone.now(),
    )
    request.full_clean(exclude=["municipality", "case", "requested_by"])
    request.save()
    request.refused.set(refused or [])
    return request


def _slot(raw: dict[str, Any]) -> matching.Slot:
    return matching.Slot(
        int(raw["weekday"]), time.fromisoformat(raw["start"]), time.fromisoformat(raw["end"])
    )


def as_request(request: DispatchRequest) -> matching.Request:
    wants = request.wants or {}
    return matching.Request(
        id=request.pk,
        area=request.area,
        when=tuple(_slot(w) for w in request.when),
        wants=matching.Wants(
            gender=wants.get("gender") or "",
            peer=wants.get("peer"),
            skills=tuple(wants.get("skills") or ()),
        ),
        refused=frozenset(s.pk for s in request.refused.all()),
    )


def as_candidate(supporter: Supporter, current: int) -> matching.Candidate:
    return matching.Candidate(
        id=supporter.pk,
        areas=tuple(supporter.areas),
        availability=tuple(
            matching.Slot(a.weekday, a.start, a.end) for a in supporter.availability.all()
        ),
        active=supporter.status == SupporterStatus.ACTIVE,
        max_active=supporter.max_active,
        current=current,
        gender=supporter.gender,
        peer=supporter.peer,
        skills=tuple(supporter.skills),
    )


@transaction.atomic
def dispatch_approve(
    *,
    actor: Membership,
    request: DispatchRequest,
    supporter: Supporter,
    briefing: str = "",
    override_reason: str = "",
    proposal: matching.Proposal | None = None,
    at: datetime | None = None,
) -> Dispatch:
    """The lead assigns a supporter: the proposal as made, or another one with a reason.

    The hard rules hold for an override too (a refused or inactive supporter is never sent);
    only the preference can be overridden, and the reason is kept.
    """
    request = DispatchRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.OPEN:
        raise ValidationError({"request": _("This request is no longer open.")})
    if supporter.municipality_id != request.municipality_id:
        raise ValidationError({"supporter": _("Not a supporter of this municipality.")})
    current = Dispatch.objects.filter(supporter=supporter, status=DispatchStatus.ACTIVE).count()
    if not matching.feasible(as_request(request), as_candidate(supporter, current)):
        raise ValidationError(
            {
                "supporter": _(
                    "This supporter cannot take this request (area, time, status, refusal or load)."
                )
            }
        )
    overriding = proposal is not None and proposal.supporter_id != supporter.pk
    if overriding and not override_reason.strip():
        raise ValidationError({"override_reason": _("Say why you chose another supporter.")})
    points, reasons = matching.score(as_request(request), as_candidate(supporter, current))
    dispatch = Dispatch.objects.create(
        municipality_id=request.municipality_id,
        request=request,
        supporter=supporter,
        score=points,
        reasons=list(reasons),
        proposed_supporter_id=proposal.supporter_id if proposal else None,
        override_reason=override_reason.strip(),
        briefing=briefing,
        approved_by=actor,
        approved_at=at or timezone.now(),
    )
    request.status = RequestStatus.MATCHED
    request.save(update_fields=["status"])
    return dispatch


@transaction.atomic
def activity_log_create(
    *,
    actor: Membership,
    dispatch: Dispatch,
    date: date,
    start: time,
    end: time,
    what_happened: str,
    response: str = "",
    next_step: str = "",
    place: str = "",
    went_with: str = "",
    travel_yen: int = 0,
) -> ActivityLog:
    if end <= start:
        raise ValidationError({"end": _("The activity must end after it starts.")})
    if date > timezone.localdate():
        raise ValidationError({"date": _("An activity cannot be logged for a future day.")})
    log = ActivityLog(
        municipality_id=dispatch.municipality_id,
        dispatch=dispatch,
        date=date,
        start=start,
        end=end,
        what_happened=what_happened,
        response=response,
        next_step=next_step,
        place=place,
        went_with=went_with,
        travel_yen=travel_yen,
        recorded_by=actor,
    )
    log.full_clean(exclude=["municipality", "dispatch", "recorded_by"])
    log.save()
    return log


@transaction.atomic
def supporter_meeting_add(
    *,
    actor: Membership,
    kind: str,
    name: str,
    day: date,
    start: time,
    end: time,
    title: str = "",
) -> ProgrammeSession:
    """A session of a supporter meeting or follow-up training: added to the programme of that
    kind and name (one programme gathers e.g. the year's monthly meetings), created if new."""
    if kind not in FOR_SUPPORTERS:
        raise ValidationError({"kind": _("Choose a supporter meeting or a follow-up training.")})
    name = " ".join(name.split())
    meeting = programme_services.MeetingIn(date=day, start=start, end=end, title=title)
    programme = Programme.objects.filter(
        municipality_id=actor.municipality_id, kind=kind, name=name
    ).first()
    if programme is None:
        programme = programme_services.programme_create(
            actor=actor, municipality_id=actor.municipality_id, name=name, kind=kind
        )
    return programme_services.programme_session_add(
        actor=actor, programme=programme, meeting=meeting
    )


@transaction.atomic
def meeting_attendance_set(
    *, actor: Membership, meeting: ProgrammeSession, supporters: list[Supporter]
) -> list[MeetingAttendance]:
    """Record exactly these supporters as present at a supporter meeting or training."""
    if meeting.programme.kind not in FOR_SUPPORTERS:
        raise ValidationError({"meeting": _("Not a supporter meeting or follow-up training.")})
    if meeting.session.is_cancelled:
        raise ValidationError({"meeting": _("This session is cancelled.")})
    if any(s.municipality_id != meeting.municipality_id for s in supporters):
        raise ValidationError({"supporters": _("Not a supporter of this municipality.")})
    present = {s.pk for s in supporters}
    MeetingAttendance.objects.filter(meeting=meeting).exclude(supporter_id__in=present).delete()
    known = set(
        MeetingAttendance.objects.filter(meeting=meeting).values_list("supporter_id", flat=True)
    )
    MeetingAttendance.objects.bulk_create(
        MeetingAttendance(
            municipality_id=meeting.municipality_id,
            supporter_id=pk,
            meeting=meeting,
            recorded_by=actor,
        )
        for pk in sorted(present - known)
    )
    return list(MeetingAttendance.objects.filter(meeting=meeting))
