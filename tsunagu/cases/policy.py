"""Which persons and cases a membership may see, and on what basis (for the access log).

Roles say *whether* someone may look at person data at all (tenancy.policy, 403 otherwise);
these rules say *which rows* (404 for the rest, so existence does not leak):
- lead: every person and case of the municipality (basis "role");
- counselor: cases assigned to them ("assignment") or shared with the center ("shared"),
  and persons of those cases or with no case yet ("intake");
- professional: cases assigned to them and their persons ("assignment");
- partner: persons under an active consent naming their organization ("consent:<id>"),
  and those persons' cases.
"""

from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.people.models import Consent, Person
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_PERSONS, has_permission

if TYPE_CHECKING:
    from tsunagu.consultations.models import Consultation


def active_consents(member: Membership, *, today: date | None = None) -> QuerySet[Consent]:
    today = today or timezone.localdate()
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
    assigned = CaseAssignment.objects.filter(case=OuterRef("pk"), membership=member)
    if member.role == Role.LEAD:
        return cases
    if member.role == Role.COUNSELOR:
        return cases.filter(Q(Exists(assigned)) | Q(is_shared=True))
    if member.role == Role.PROFESSIONAL:
        return cases.filter(Exists(assigned))
    if member.role == Role.PARTNER and member.organization_id:
        consented = active_consents(member).filter(person=OuterRef("person"))
        return cases.filter(Exists(consented))
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
    if member.role == Role.PARTNER and member.organization_id:
        consented = active_consents(member).filter(person=OuterRef("pk"))
        return persons.filter(Exists(consented))
    return persons.filter(with_visible_case)


def case_basis(member: Membership, case: Case) -> str:
    """Why this member may see this case (call only for a visible case)."""
    if member.role == Role.LEAD:
        return "role"
    if CaseAssignment.objects.filter(case=case, membership=member).exists():
        return "assignment"
    if member.role == Role.PARTNER:
        consent = active_consents(member).filter(person=case.person_id).first()
        return f"consent:{consent.pk}" if consent else "none"
    return "shared"


def person_basis(member: Membership, person: Person) -> str:
    """Why this member may see this person (call only for a visible person)."""
    if member.role == Role.LEAD:
        return "role"
    if member.role == Role.PARTNER:
        consent = active_consents(member).filter(person=person).first()
        return f"consent:{consent.pk}" if consent else "none"
    assigned = CaseAssignment.objects.filter(case__person=person, membership=member)
    if assigned.exists():
        return "assignment"
    if not Case.objects.filter(person=person).exists():
        return "intake"
    return "shared"


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


def seen_cases(member: Membership, cases: list[Case]) -> list[Seen]:
    bases = _bases(member, list({c.person_id for c in cases}))
    if member.role in (Role.COUNSELOR, Role.PROFESSIONAL):
        assigned = set(
            CaseAssignment.objects.filter(
                membership=member, case_id__in=[c.pk for c in cases]
            ).values_list("case_id", flat=True)
        )
        return [Seen("case", c.pk, "assignment" if c.pk in assigned else "shared") for c in cases]
    return [Seen("case", c.pk, bases.get(c.person_id, "role")) for c in cases]


def _bases(member: Membership, person_ids: list[int]) -> dict[int, str]:
    if member.role == Role.LEAD or not person_ids:
        return dict.fromkeys(person_ids, "role")
    if member.role == Role.PARTNER:
        consent_of: dict[int, int] = {}
        for consent_id, person_id in (
            active_consents(member)
            .filter(person_id__in=person_ids)
            .values_list("pk", "person_id")
            .order_by("pk")
        ):
            consent_of.setdefault(person_id, consent_id)
        return {pk: f"consent:{consent_of[pk]}" for pk in person_ids if pk in consent_of}
    assigned = set(
        CaseAssignment.objects.filter(
            membership=member, case__person_id__in=person_ids
        ).values_list("case__person_id", flat=True)
    )
    with_case = set(
        Case.objects.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    return {
        pk: "assignment" if pk in assigned else ("shared" if pk in with_case else "intake")
        for pk in person_ids
    }
