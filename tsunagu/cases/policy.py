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

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.people.models import Consent, Person
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_PERSONS, has_permission


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
