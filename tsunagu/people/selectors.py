"""Reads of persons: search in any script or width, and what a person's page shows."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.cases.policy import visible_cases, visible_consultations, visible_persons
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.codes import AgeBand
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.tenancy.models import Membership


def _as_number(query: str) -> int | None:
    digits = normalize_for_search(query).removeprefix("no.")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None


def person_search(*, viewer: Membership, query: str = "") -> QuerySet[Person]:
    """Visible persons matching a number, a name or kana, or a family member's name.

    Names are compared on their normalized keys, so 山田 = やまだ = ヤマダ = ﾔﾏﾀﾞ and 髙橋 = 高橋.
    """
    persons = visible_persons(viewer)
    key = normalize_for_search(query)
    if key:
        family = FamilyMember.objects.filter(person=OuterRef("pk"), name_key__contains=key)
        match = Q(name_key__contains=key) | Q(kana_key__contains=key) | Q(Exists(family))
        number = _as_number(query)
        if number is not None:
            match |= Q(number=number)
        persons = persons.filter(match)
    return persons.order_by("-number")


def age_band_label(person: Person, today: date) -> str:
    """The age band today (from the birth date, else the estimate), as a label."""
    band = person.age_band_on(today)
    return str(AgeBand(band).label) if band in AgeBand.values else ""


def with_age_bands(persons: list[Person], today: date) -> list[Person]:
    """Give each person an `age_band_label` for templates, which cannot pass today."""
    for person in persons:
        person.age_band_label = age_band_label(person, today)  # type: ignore[attr-defined]
    return persons


def active_consents_of(person: Person, *, today: date | None = None) -> QuerySet[Consent]:
    """The person's consents in force today, with their recipients."""
    today = today or timezone.localdate()
    return (
        Consent.objects.filter(person=person, revoked_at__isnull=True, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .prefetch_related("organizations")
    )


@dataclass
class PersonPage:
    """Everything a person's page shows, each part limited to what the viewer may see."""

    family_members: list[FamilyMember]
    cases: list[Case]
    consultations: list[object]


def person_page(*, viewer: Membership, person: Person, consultations: int = 50) -> PersonPage:
    assignments = CaseAssignment.objects.select_related("membership__user")
    return PersonPage(
        family_members=list(person.family_members.all()),
        cases=list(
            visible_cases(viewer)
            .filter(person=person)
            .prefetch_related(Prefetch("assignments", queryset=assignments))
        ),
        consultations=list(
            visible_consultations(viewer)
            .filter(person=person)
            .select_related("staff__user")[:consultations]
        ),
    )
