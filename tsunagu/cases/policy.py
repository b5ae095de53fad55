"""Which persons and cases a membership may see, and on what basis (for the access log).

Roles say *whether* someone may look at person data at all (tenancy.policy, 403 otherwise);
these rules say *which rows* (404 for the rest, so existence does not leak):
- lead: every person and case of the municipality (basis "role");
- counselor: cases assigned to them ("assignment") or shared with the center ("shared"),
  and persons of those cases or with no case yet ("intake");
- professional: cases assigned to them and their persons ("assignment");
- partner: persons under an active consent naming their organization ("consent:<id>"),
  and those persons' cases;
- and for counselors, professionals and partners: the cases listed for a 支援会議 in force
  whose duty of secrecy they acknowledged ("meeting:<id>"), with those cases' persons.
"""

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.network.selectors import acknowledged_memberships
from tsunagu.people.models import Consent, Person
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_PERSONS, has_permission

if TYPE_CHECKING:
    from tsunagu.consultations.models import Consultation


def active_consents(member: Membership, *, today: date | None = None) -> QuerySet[Consent]:
    today = today or timezone.localdate()
    if not member.organization_id:
        return Consent.objects.none()
    return Consent.objects.filter(
        municipality=member.municipality,
        organizations=member.organization_id,
        revoked_at__isnull=True,
        valid_from__lte=today,
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))


def visible_cases(member: Membership) -> QuerySet[Case]:
    cases = Case.objects.filter(municipality=member.municipality)
    if not has_permission(member, VIEW_PERSONS):
        return cases.none()
    if member.role == Role.LEAD:
        return cases
    assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), membership=member)
    in_meeting = Exists(acknowledged_memberships(member).filter(meeting__cases=OuterRef("pk")))
    if member.role == Role.COUNSELOR:
        return cases.filter(Q(Exists(assigned)) | Q(is_shared=True) | in_meeting)
    if member.role == Role.PROFESSIONAL:
        return cases.filter(Exists(assigned) | in_meeting)
    if member.role == Role.PARTNER:
        consented = active_consents(member).filter(person=OuterRef("person"))
        return cases.filter(Exists(consented) | in_meeting)
    return cases.none()


def visible_persons(member: Membership) -> QuerySet[Person]:
    persons = Person.objects.filter(municipality=member.municipality)
    if not has_permission(member, VIEW_PERSONS):
        return persons.none()
    if member.role == Role.LEAD:
        return persons
    with_visible_case = Exists(visible_cases(member).filter(person=OuterRef("pk")))
    if member.role == Role.COUNSELOR:
        without_case = ~Exists(Case.objects.filter(person=OuterRef("pk")))
        return persons.filter(with_visible_case | without_case)
    if member.role == Role.PARTNER:
        consented = active_consents(member).filter(person=OuterRef("pk"))
        return persons.filter(Exists(consented) | with_visible_case)
    return persons.filter(with_visible_case)


def case_basis(member: Membership, case: Case) -> str:
    """Why this member may see this case (call only for a visible case)."""
    return seen_cases(member, [case])[0].basis


def person_basis(member: Membership, person: Person) -> str:
    """Why this member may see this person (call only for a visible person)."""
    return _bases(member, [person.pk])[person.pk]


def visible_consultations(member: Membership) -> "QuerySet[Consultation]":
    """Consultations of visible persons; anonymous ones only for the center's own staff."""
    from tsunagu.consultations.models import Consultation

    consultations = Consultation.objects.filter(municipality=member.municipality)
    if not has_permission(member, VIEW_PERSONS):
        return consultations.none()
    if member.role == Role.LEAD:
        return consultations
    if member.role == Role.COUNSELOR:
        return consultations.filter(
            Q(person__isnull=True) | Q(person__in=visible_persons(member).values("pk"))
        )
    if member.role == Role.PROFESSIONAL:
        return consultations.filter(case__in=visible_cases(member).values("pk"))
    return consultations.none()


def seen_persons(member: Membership, person_ids: list[int]) -> list[Seen]:
    """Access-log records for persons shown in a list, each with its basis, in two queries."""
    return [Seen("person", pk, basis) for pk, basis in _bases(member, person_ids).items()]


class ShownCase(Protocol):
    """A case as a list shows it: a model instance or a row of plain values."""

    @property
    def pk(self) -> Any: ...

    @property
    def person_id(self) -> Any: ...

    @property
    def is_shared(self) -> bool: ...


def seen_cases(member: Membership, cases: Sequence[ShownCase]) -> list[Seen]:
    """Access-log records for cases shown in a list, each with its basis, in a few queries."""
    if member.role == Role.LEAD:
        return [Seen("case", c.pk, "role") for c in cases]
    case_ids = [c.pk for c in cases]
    assigned = set(
        CaseAssignment.objects.filter(membership=member, case_id__in=case_ids).values_list(
            "case_id", flat=True
        )
    )
    meeting_of = _first_by(
        acknowledged_memberships(member)
        .filter(meeting__cases__in=case_ids)
        .values_list("meeting__cases", "meeting_id")
    )
    consent_of = (
        _first_by(
            active_consents(member)
            .filter(person_id__in={c.person_id for c in cases})
            .values_list("person_id", "pk")
        )
        if member.role == Role.PARTNER
        else {}
    )
    seen = []
    for case in cases:
        if case.pk in assigned:
            basis = "assignment"
        elif case.person_id in consent_of:
            basis = f"consent:{consent_of[case.person_id]}"
        elif case.pk in meeting_of and not (member.role == Role.COUNSELOR and case.is_shared):
            basis = f"meeting:{meeting_of[case.pk]}"
        else:
            basis = "shared"
        seen.append(Seen("case", case.pk, basis))
    return seen


def _first_by(pairs: "QuerySet[Any]") -> dict[int, int]:
    """{key: smallest value} from (key, value) rows."""
    first: dict[int, int] = {}
    for key, value in pairs:
        if key is not None and (key not in first or value < first[key]):
            first[key] = value
    return first


def _bases(member: Membership, person_ids: list[int]) -> dict[int, str]:
    if member.role == Role.LEAD or not person_ids:
        return dict.fromkeys(person_ids, "role")
    meeting_of = _first_by(
        acknowledged_memberships(member)
        .filter(meeting__cases__person_id__in=person_ids)
        .values_list("meeting__cases__person_id", "meeting_id")
    )
    if member.role == Role.PARTNER:
        consent_of = _first_by(
            active_consents(member).filter(person_id__in=person_ids).values_list("person_id", "pk")
        )
        return {
            pk: f"consent:{consent_of[pk]}" if pk in consent_of else f"meeting:{meeting_of[pk]}"
            for pk in person_ids
            if pk in consent_of or pk in meeting_of
        }
    assigned = set(
        CaseAssignment.objects.filter(
            membership=member, case__person_id__in=person_ids
        ).values_list("case__person_id", flat=True)
    )
    with_case = set(
        Case.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    bases = {}
    for pk in person_ids:
        if pk in assigned:
            bases[pk] = "assignment"
        elif pk in meeting_of and member.role == Role.PROFESSIONAL:
            bases[pk] = f"meeting:{meeting_of[pk]}"
        elif pk in with_case:
            bases[pk] = "shared"
        else:
            bases[pk] = "intake"
    return bases
