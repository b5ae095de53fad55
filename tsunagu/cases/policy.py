"""Compatibility shim over tsunagu.policy while callers move to it (to be removed)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import QuerySet

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.people.models import Consent, Person
from tsunagu.policy import bases_of, visible
from tsunagu.policy.casework import consents_for
from tsunagu.tenancy.models import Membership


def active_consents(member: Membership, *, today: date | None = None) -> QuerySet[Consent]:
    return consents_for(member, today=today)


def visible_cases(member: Membership) -> QuerySet[Case]:
    return visible(member, Case)


def visible_persons(member: Membership) -> QuerySet[Person]:
    return visible(member, Person)


def visible_consultations(member: Membership) -> QuerySet[Consultation]:
    return visible(member, Consultation)


def case_basis(member: Membership, case: Case) -> str:
    return bases_of(member, Case, [case.pk])[case.pk]


def person_basis(member: Membership, person: Person) -> str:
    return bases_of(member, Person, [person.pk])[person.pk]


def seen_persons(member: Membership, person_ids: list[int]) -> list[Seen]:
    return [Seen("person", pk, b) for pk, b in bases_of(member, Person, person_ids).items()]


def seen_cases(member: Membership, cases: Sequence[Any]) -> list[Seen]:
    bases = bases_of(member, Case, [c.pk for c in cases])
    return [Seen("case", c.pk, bases[c.pk]) for c in cases if c.pk in bases]
