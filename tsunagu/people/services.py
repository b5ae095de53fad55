"""Writes of persons, family members and consents."""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max

from tsunagu.core.crypto import email_index, phone_index
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.tenancy.models import Membership, Municipality, Organization

PERSON_FIELDS = {
    "name",
    "name_kana",
    "birth_date",
    "age_band",
    "gender",
    "district",
    "household",
    "withdrawal_since_year",
    "withdrawal_since_month",
    "backgrounds",
    "background_note",
    "guideline_axes",
}
FAMILY_FIELDS = {
    "name",
    "name_kana",
    "relation",
    "phone",
    "email",
    "address",
    "consults_on_behalf",
    "note",
}


def _person_keys(person: Person) -> None:
    person.name_key = normalize_for_search(person.name)
    person.kana_key = normalize_for_search(person.name_kana)


def next_person_number(municipality: Municipality) -> int:
    current = Person.objects.filter(municipality=municipality).aggregate(n=Max("number"))["n"]
    return (current or 0) + 1


@transaction.atomic
def person_create(*, actor: Membership | None, municipality: Municipality, **fields: Any) -> Person:
    """Create a person with the next number of the municipality; every field is optional."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    person = Person(municipality=municipality, **fields)
    _person_keys(person)
    # SQLite runs in IMMEDIATE mode and PostgreSQL has a unique constraint, so two desks
    # numbering at once either wait or fail loudly; neither gets a duplicate.
    person.number = next_person_number(municipality)
    person.full_clean(exclude=["municipality"])
    person.save()
    return person


@transaction.atomic
def person_update(*, actor: Membership | None, person: Person, **fields: Any) -> Person:
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(person, name, value)
    _person_keys(person)
    person.full_clean(exclude=["municipality"])
    person.save()
    return person


def _family_keys(member: FamilyMember) -> None:
    member.name_key = (
        normalize_for_search(member.name) + " " + normalize_for_search(member.name_kana)
    )
    member.name_key = member.name_key.strip()
    member.phone_index = phone_index(member.phone or "")
    member.email_index = email_index(member.email or "")


@transaction.atomic
def family_member_create(
    *, actor: Membership | None, person: Person, **fields: Any
) -> FamilyMember:
    unknown = set(fields) - FAMILY_FIELDS
    if unknown:
        raise TypeError(f"unknown family member fields: {sorted(unknown)}")
    member = FamilyMember(municipality_id=person.municipality_id, person=person, **fields)
    _family_keys(member)
    member.full_clean(exclude=["municipality", "person"])
    member.save()
    return member


@transaction.atomic
def family_member_update(
    *, actor: Membership | None, member: FamilyMember, **fields: Any
) -> FamilyMember:
    unknown = set(fields) - FAMILY_FIELDS
    if unknown:
        raise TypeError(f"unknown family member fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(member, name, value)
    _family_keys(member)
    member.full_clean(exclude=["municipality", "person"])
    member.save()
    return member


@transaction.atomic
def consent_record(
    *,
    actor: Membership | None,
    person: Person,
    organizations: list[Organization],
    purposes: str,
    valid_from: date,
    valid_until: date | None,
    form: str,
) -> Consent:
    if any(o.municipality_id != person.municipality_id for o in organizations):
        raise ValueError("recipient of another municipality")
    consent = Consent.objects.create(
        municipality_id=person.municipality_id,
        person=person,
        purposes=purposes,
        valid_from=valid_from,
        valid_until=valid_until,
        form=form,
        recorded_by=actor,
    )
    consent.organizations.set(organizations)
    return consent
