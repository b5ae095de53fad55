"""The bases of casework: who sees which persons, cases and consultations.

- role: a member who sees every case (`VIEW_ALL_CASES`, the lead) sees every person, case
  and consultation of the municipality;
- assignment: cases the member is assigned to, and their persons;
- consent:<id>: persons under a consent in force naming the member's organization
  (`VIEW_UNDER_CONSENT`), and their cases;
- shared: cases the center shares among counselors (`VIEW_SHARED_CASES`), and their persons;
- meeting:<id>: cases listed for a 支援会議 in force whose duty of secrecy the member
  acknowledged, and their persons;
- intake: persons with no case yet, and anonymous consultations (`VIEW_INTAKE`);
- a consultation is otherwise seen on the basis of its person or its case.
Every basis needs `VIEW_PERSONS`: a role without it sees no row at all. A member whose cases
are only those booked with it (`BOOKED_CASES_ONLY`, the visiting professional) gets none of
these bases; its basis booking:<id> is in places.py, and consultations follow its cases.
"""

from collections.abc import Iterable
from datetime import date

from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.consultations.models import Consultation
from tsunagu.network.models import SupportMeetingMember
from tsunagu.people.models import Consent, Person
from tsunagu.policy.registry import (
    EVERY_ROW,
    Grant,
    Probe,
    bases_of,
    register,
    subject,
    visible_through,
)
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    BOOKED_CASES_ONLY,
    VIEW_ALL_CASES,
    VIEW_CONSULTATIONS,
    VIEW_INTAKE,
    VIEW_PERSONS,
    VIEW_SHARED_CASES,
    VIEW_UNDER_CONSENT,
    has_permission,
)

subject(Person, "person")
subject(Case, "case")
subject(Consultation, "consultation")


# --- defined once ------------------------------------------------------------------------


def consent_in_force(*, today: date | None = None, prefix: str = "") -> Q:
    """Consents neither revoked nor outside their validity today (a filter on Consent, or on
    a relation to it when `prefix` is e.g. "consents__")."""
    today = today or timezone.localdate()
    return Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}valid_from__lte": today}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today})
    )


def consents_for(member: Membership, *, today: date | None = None) -> QuerySet[Consent]:
    """Consents in force that name the member's organization."""
    if not member.organization_id:
        return Consent.objects.none()
    return Consent.objects.filter(
        consent_in_force(today=today),
        municipality_id=member.municipality_id,
        organizations=member.organization_id,
    )


def meeting_in_force(*, today: date | None = None) -> Q:
    """支援会議 held and not ended, as a filter on SupportMeetingMember."""
    today = today or timezone.localdate()
    return Q(meeting__held_on__lte=today) & (
        Q(meeting__ends_on__isnull=True) | Q(meeting__ends_on__gte=today)
    )


def meeting_seats(member: Membership) -> QuerySet[SupportMeetingMember]:
    """The member's acknowledged seats in 支援会議 in force: the basis for listed cases."""
    return SupportMeetingMember.objects.filter(
        meeting_in_force(),
        municipality_id=member.municipality_id,
        membership=member,
        acknowledged_at__isnull=False,
    )


def sees_every_case(member: Membership) -> bool:
    return has_permission(member, VIEW_ALL_CASES)


def _first_by(pairs: Iterable[tuple[int, int]], prefix: str) -> dict[int, str]:
    """{key: "prefix:<smallest value>"} from (key, value) rows."""
    first: dict[int, int] = {}
    for key, value in pairs:
        if key is not None and (key not in first or value < first[key]):
            first[key] = value
    return {key: f"{prefix}:{value}" for key, value in first.items()}


def _viewer(member: Membership, permission: str = VIEW_PERSONS) -> bool:
    return (
        has_permission(member, VIEW_PERSONS)
        and has_permission(member, permission)
        and not has_permission(member, BOOKED_CASES_ONLY)
    )


# --- cases -------------------------------------------------------------------------------


@register(Case, "role")
def _case_role(member: Membership) -> Grant:
    return EVERY_ROW if _viewer(member) and sees_every_case(member) else None


@register(Case, "assignment")
def _case_assignment(member: Membership) -> Grant:
    if not _viewer(member):
        return None
    return Q(Probe(CaseAssignment.objects.filter(case=OuterRef("pk"), membership=member)))


def _case_consent_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    person_of = dict(Case.objects.filter(pk__in=ids).values_list("pk", "person_id"))
    by_person = _first_by(
        consents_for(member)
        .filter(person_id__in=set(person_of.values()))
        .values_list("person_id", "pk"),
        "consent",
    )
    return {pk: by_person[p] for pk, p in person_of.items() if p in by_person}


@register(Case, "consent", label=_case_consent_labels)
def _case_consent(member: Membership) -> Grant:
    if not _viewer(member, VIEW_UNDER_CONSENT):
        return None
    return Q(Probe(consents_for(member).filter(person=OuterRef("person"))))


@register(Case, "shared")
def _case_shared(member: Membership) -> Grant:
    return Q(is_shared=True) if _viewer(member, VIEW_SHARED_CASES) else None


def _case_meeting_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    return _first_by(
        meeting_seats(member)
        .filter(meeting__cases__in=ids)
        .values_list("meeting__cases", "meeting_id"),
        "meeting",
    )


@register(Case, "meeting", label=_case_meeting_labels)
def _case_meeting(member: Membership) -> Grant:
    if not _viewer(member):
        return None
    return Q(Probe(meeting_seats(member).filter(meeting__cases=OuterRef("pk"))))


# --- persons -----------------------------------------------------------------------------


@register(Person, "role")
def _person_role(member: Membership) -> Grant:
    return EVERY_ROW if _viewer(member) and sees_every_case(member) else None


@register(Person, "assignment")
def _person_assignment(member: Membership) -> Grant:
    if not _viewer(member):
        return None
    assigned = CaseAssignment.objects.filter(case__person=OuterRef("pk"), membership=member)
    return Q(Probe(assigned))


def _person_consent_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    return _first_by(
        consents_for(member).filter(person_id__in=ids).values_list("person_id", "pk"), "consent"
    )


@register(Person, "consent", label=_person_consent_labels)
def _person_consent(member: Membership) -> Grant:
    if not _viewer(member, VIEW_UNDER_CONSENT):
        return None
    return Q(Probe(consents_for(member).filter(person=OuterRef("pk"))))


@register(Person, "shared")
def _person_shared(member: Membership) -> Grant:
    if not _viewer(member, VIEW_SHARED_CASES):
        return None
    return Q(Probe(Case.objects.filter(person=OuterRef("pk"), is_shared=True)))


def _person_meeting_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    return _first_by(
        meeting_seats(member)
        .filter(meeting__cases__person_id__in=ids)
        .values_list("meeting__cases__person_id", "meeting_id"),
        "meeting",
    )


@register(Person, "meeting", label=_person_meeting_labels)
def _person_meeting(member: Membership) -> Grant:
    if not _viewer(member):
        return None
    return Q(Probe(meeting_seats(member).filter(meeting__cases__person=OuterRef("pk"))))


@register(Person, "intake")
def _person_intake(member: Membership) -> Grant:
    if not _viewer(member, VIEW_INTAKE):
        return None
    return ~Q(Probe(Case.objects.filter(person=OuterRef("pk"))))


# --- consultations -----------------------------------------------------------------------


@register(Consultation, "role")
def _consultation_role(member: Membership) -> Grant:
    return EVERY_ROW if _viewer(member, VIEW_CONSULTATIONS) and sees_every_case(member) else None


@register(Consultation, "intake")
def _consultation_intake(member: Membership) -> Grant:
    if not (_viewer(member, VIEW_CONSULTATIONS) and has_permission(member, VIEW_INTAKE)):
        return None
    return Q(person__isnull=True)


def _consultation_person_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    person_of = dict(
        Consultation.objects.filter(pk__in=ids, person__isnull=False).values_list("pk", "person_id")
    )
    of_person = bases_of(member, Person, set(person_of.values()))
    return {pk: of_person[p] for pk, p in person_of.items() if p in of_person}


@register(Consultation, "person", label=_consultation_person_labels)
def _consultation_person(member: Membership) -> Grant:
    # The center's own counselors see what was said about any person they see.
    if not (_viewer(member, VIEW_CONSULTATIONS) and has_permission(member, VIEW_INTAKE)):
        return None
    return visible_through(member, Person, "person_id")


def _consultation_case_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    case_of = dict(
        Consultation.objects.filter(pk__in=ids, case__isnull=False).values_list("pk", "case_id")
    )
    of_case = bases_of(member, Case, set(case_of.values()))
    return {pk: of_case[c] for pk, c in case_of.items() if c in of_case}


@register(Consultation, "case", label=_consultation_case_labels)
def _consultation_case(member: Membership) -> Grant:
    # Whatever opens the case (a booking included) opens what was said in it.
    if not (has_permission(member, VIEW_PERSONS) and has_permission(member, VIEW_CONSULTATIONS)):
        return None
    return visible_through(member, Case, "case_id")
