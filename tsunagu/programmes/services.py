"""Writes of programmes: create with sessions, enrol, record attendance, completion (修了)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.services import Seen
from tsunagu.people.models import FamilyMember, Person
from tsunagu.places import services as place_services
from tsunagu.places.models import Attendance, Place, Session
from tsunagu.policy import record_seen
from tsunagu.programmes.codes import EnrolmentStatus, ProgrammeKind
from tsunagu.programmes.models import Enrolment, Programme, ProgrammeAttendance, ProgrammeSession
from tsunagu.tenancy.models import Membership


class Full(Exception):
    """The programme has no free place (満員)."""


# Sent when a place came free and the first on the waiting list became a participant.
moved_up = Signal()


@dataclass(frozen=True)
class MeetingIn:
    date: date
    start: time
    end: time
    title: str = ""


def _check(meetings: Sequence[MeetingIn]) -> None:
    errors: dict[str, str] = {}
    for i, m in enumerate(meetings):
        if not 1873 <= m.date.year <= 2999:
            errors[f"sessions.{i}.date"] = _("Enter a date between 1873 and 2999.")
        if m.end <= m.start:
            errors[f"sessions.{i}.end"] = _("The end must be after the start.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def programme_create(
    *,
    actor: Membership | None,
    municipality_id: int,
    name: str,
    kind: str,
    meetings: Sequence[MeetingIn] = (),
    min_sessions_to_complete: int | None = None,
    capacity: int | None = None,
    place: Place | None = None,
    public: bool = False,
    description: str = "",
) -> Programme:
    if kind not in ProgrammeKind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    if not name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    if capacity is not None and capacity < 1:
        raise ValidationError({"capacity": _("The capacity must be at least 1, or empty.")})
    if min_sessions_to_complete is not None and min_sessions_to_complete < 1:
        raise ValidationError({"min_sessions_to_complete": _("Enter at least 1, or leave empty.")})
    _check(meetings)
    if place is not None and place.municipality_id != municipality_id:
        raise ValueError("place of another municipality")
    programme = Programme.objects.create(
        municipality_id=municipality_id,
        name=name.strip(),
        kind=kind,
        place=place,
        capacity=capacity,
        min_sessions_to_complete=min_sessions_to_complete,
        public=public,
        description=description,
    )
    for meeting in meetings:
        programme_session_add(actor=actor, programme=programme, meeting=meeting)
    return programme


@transaction.atomic
def programme_session_add(
    *, actor: Membership | None, programme: Programme, meeting: MeetingIn
) -> ProgrammeSession:
    _check([meeting])
    session = Session.objects.create(
        municipality_id=programme.municipality_id,
        place=programme.place,
        date=meeting.date,
        start=meeting.start,
        end=meeting.end,
    )
    number = programme.meetings.count() + 1
    return ProgrammeSession.objects.create(
        municipality_id=programme.municipality_id,
        programme=programme,
        session=session,
        number=number,
        title=meeting.title,
    )


def enrolment_create(
    *,
    actor: Membership | None,
    programme: Programme,
    person: Person | None = None,
    family_member: FamilyMember | None = None,
    name: str = "",
    contact: str = "",
    enrolled_on: date | None = None,
    over_capacity: bool = False,
    waiting: bool = False,
) -> Enrolment:
    """Enrol a person, a family member or a citizen; `Full` when no place is left, or with
    `waiting` a place on the waiting list (status waiting). The programme row is locked while
    places are counted, so the last one goes once."""
    given = [x for x in (person, family_member) if x is not None]
    if len(given) > 1 or (given and name) or not (given or name.strip()):
        raise ValidationError(
            {"person_id": _("Give one participant: a person, a family member or a name.")}
        )
    for row in given:
        if row.municipality_id != programme.municipality_id:
            raise ValueError("participant of another municipality")
    with transaction.atomic():
        locked = Programme.objects.select_for_update().get(pk=programme.pk)
        existing = Enrolment.objects.filter(programme=locked, status=EnrolmentStatus.ENROLLED)
        if person is not None and existing.filter(person=person).exists():
            return existing.get(person=person)
        if family_member is not None and existing.filter(family_member=family_member).exists():
            return existing.get(family_member=family_member)
        if (
            locked.capacity is not None
            and not over_capacity
            and existing.count() >= locked.capacity
        ):
            if not waiting:
                raise Full(_("This programme is full (満席)."))
            status = EnrolmentStatus.WAITING
        else:
            status = EnrolmentStatus.ENROLLED
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    municipality_id=locked.municipality_id,
                    programme=locked,
                    person=person,
                    family_member=family_member,
                    name=name.strip(),
                    contact=contact,
                    status=status,
                    enrolled_on=enrolled_on or timezone.localdate(),
                    created_by=actor,
                )
        except IntegrityError:
            # Enrolled before and withdrawn: enrol again on the same row.
            enrolment = Enrolment.objects.get(
                programme=locked, person=person, family_member=family_member
            )
            enrolment.status = status
            enrolment.save(update_fields=["status"])
    if actor is not None:
        seen = [Seen("enrolment", enrolment.pk, "role")]
        if person is not None:
            seen.append(Seen("person", person.pk, "role"))
        record_seen(actor, seen, action="create")
    return enrolment


@transaction.atomic
def enrolment_withdraw(*, actor: Membership | None, enrolment: Enrolment) -> Enrolment:
    """Withdraw a participant (or one waiting); a place that comes free goes to the first on
    the waiting list, who is told through `moved_up`."""
    locked = Programme.objects.select_for_update().get(pk=enrolment.programme_id)
    was_participant = enrolment.status == EnrolmentStatus.ENROLLED
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.save(update_fields=["status"])
    if was_participant:
        _move_up(locked)
    return enrolment


def _move_up(programme: Programme) -> None:
    """Free places go to those waiting, first come first served."""
    rows = Enrolment.objects.filter(municipality_id=programme.municipality_id, programme=programme)
    free = (
        None
        if programme.capacity is None
        else programme.capacity - rows.filter(status=EnrolmentStatus.ENROLLED).count()
    )
    waiting = rows.filter(status=EnrolmentStatus.WAITING).order_by("pk")
    for enrolment in waiting if free is None else waiting[: max(free, 0)]:
        enrolment.status = EnrolmentStatus.ENROLLED
        enrolment.save(update_fields=["status"])
        moved_up.send(sender=Enrolment, enrolment=enrolment)


def _update_completion(enrolment: Enrolment) -> None:
    needed = enrolment.programme.min_sessions_to_complete
    days = sorted(
        ProgrammeAttendance.objects.filter(enrolment=enrolment).values_list(
            "meeting__session__date", flat=True
        )
    )
    completed = days[needed - 1] if needed is not None and len(days) >= needed else None
    if completed != enrolment.completed_on:
        enrolment.completed_on = completed
        enrolment.save(update_fields=["completed_on"])


@transaction.atomic
def programme_attendance_record(
    *, actor: Membership | None, enrolment: Enrolment, meeting: ProgrammeSession
) -> ProgrammeAttendance:
    """Mark a participant present; a person's attendance also counts at the place."""
    if meeting.programme_id != enrolment.programme_id:
        raise ValueError("session of another programme")
    if meeting.session.is_cancelled:
        raise ValidationError({"session": _("This session is cancelled.")})
    row, _created = ProgrammeAttendance.objects.get_or_create(
        enrolment=enrolment,
        meeting=meeting,
        defaults={"municipality_id": enrolment.municipality_id, "recorded_by": actor},
    )
    if enrolment.person is not None:
        place_services.attendance_record(
            actor=actor, session=meeting.session, person=enrolment.person
        )
    _update_completion(enrolment)
    return row


@transaction.atomic
def programme_attendance_remove(
    *, actor: Membership | None, enrolment: Enrolment, meeting: ProgrammeSession
) -> None:
    ProgrammeAttendance.objects.filter(enrolment=enrolment, meeting=meeting).delete()
    if enrolment.person_id:
        Attendance.objects.filter(session=meeting.session, person=enrolment.person_id).delete()
    _update_completion(enrolment)


def attendance_at_session(
    *, actor: Membership | None, session: Session, person: Person
) -> Attendance | None:
    """A person present at a programme's session (the sessions API): enrolled if not yet
    (a walk-in at a lecture), marked present, completion updated. None when `session` is
    not a programme's."""
    meeting = ProgrammeSession.objects.filter(session=session).select_related("programme").first()
    if meeting is None:
        return None
    enrolment = enrolment_create(
        actor=actor, programme=meeting.programme, person=person, over_capacity=True
    )
    programme_attendance_record(actor=actor, enrolment=enrolment, meeting=meeting)
    return Attendance.objects.get(session=session, person=person)
