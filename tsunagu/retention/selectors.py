"""What a municipality's retention policy says is due for deletion today."""

from dataclasses import dataclass, field
from datetime import date, datetime, time

from dateutil.relativedelta import relativedelta
from django.db.models import Max, Q
from django.utils import timezone

from tsunagu.cases.codes import Stage
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.retention.models import DEFAULT_YEARS, DeletionRecord, RetentionPolicy
from tsunagu.tenancy.models import Municipality


@dataclass
class Due:
    """Ids due for deletion in one municipality (call inside its scope)."""

    years: int
    cutoff: date
    person_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)
    consultation_ids: list[int] = field(default_factory=list)
    consent_ids: list[int] = field(default_factory=list)
    family_member_ids: list[int] = field(default_factory=list)
    scans: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "persons": len(self.person_ids),
            "cases": len(self.case_ids),
            "consultations": len(self.consultation_ids),
            "consents": len(self.consent_ids),
            "consent_scans": self.scans,
            "family_members": len(self.family_member_ids),
        }

    def is_empty(self) -> bool:
        return not (self.person_ids or self.case_ids or self.consultation_ids)


def retention_years(*, municipality: Municipality) -> int:
    policy = RetentionPolicy.objects.filter(municipality=municipality).first()
    return policy.years if policy else DEFAULT_YEARS


def retention_due(*, municipality: Municipality, today: date) -> Due:
    """Closed cases whose closing lies `years` back, persons and consultations likewise.

    - a case closed before the cutoff goes, with its consultations;
    - a person goes once no case of theirs is left and nothing happened since the cutoff
      (registered, consulted, a case closed), with their consents (and scans), family
      members and remaining consultations;
    - a consultation about nobody known goes once it lies before the cutoff.
    """
    years = retention_years(municipality=municipality)
    cutoff = today - relativedelta(years=years)
    since = timezone.make_aware(datetime.combine(cutoff, time.min))
    due = Due(years=years, cutoff=cutoff)
    # Subqueries rather than lists of ids: a first run may find a decade of consultations.
    cases = Case.objects.filter(municipality=municipality)
    due_cases = cases.filter(stage=Stage.CLOSED, closed_on__lt=cutoff)
    persons = (
        Person.objects.filter(municipality=municipality, created_at__lt=since)
        .exclude(pk__in=cases.exclude(pk__in=due_cases.values("pk")).values("person_id"))
        .annotate(last_consulted=Max("consultations__occurred_at"))
        .filter(Q(last_consulted__isnull=True) | Q(last_consulted__lt=since))
    )
    consultations = Consultation.objects.filter(municipality=municipality).filter(
        Q(case__in=due_cases.values("pk"))
        | Q(person__in=persons.values("pk"))
        | Q(person__isnull=True, case__isnull=True, occurred_at__lt=since)
    )
    consents = Consent.objects.filter(municipality=municipality, person__in=persons.values("pk"))
    family = FamilyMember.objects.filter(municipality=municipality, person__in=persons.values("pk"))
    due.case_ids = list(due_cases.order_by("pk").values_list("pk", flat=True))
    due.person_ids = list(persons.order_by("pk").values_list("pk", flat=True))
    due.consultation_ids = list(consultations.order_by("pk").values_list("pk", flat=True))
    due.consent_ids = list(consents.order_by("pk").values_list("pk", flat=True))
    due.scans = consents.exclude(document="").count()
    due.family_member_ids = list(family.order_by("pk").values_list("pk", flat=True))
    return due


def deletion_records(*, municipality: Municipality, limit: int = 20) -> list[DeletionRecord]:
    return list(DeletionRecord.objects.filter(municipality=municipality)[:limit])
