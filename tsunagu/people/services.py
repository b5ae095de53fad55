"""Writes of persons, family members and consents."""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.crypto import email_index, phone_index
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.models import Consent, FamilyMember, Person, PersonNumberCounter
from tsunagu.people.scans import scan_delete, scan_kind, scan_save
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
    """Take the municipality's next person number; call inside the transaction that uses it.

    The counter row stays locked until that transaction ends, so two desks numbering at once
    take turns (PostgreSQL: SELECT ... FOR UPDATE; SQLite: its IMMEDIATE write lock). A
    municipality's first number continues after persons loaded without the counter.
    """
    counter = (
        PersonNumberCounter.objects.select_for_update().filter(municipality=municipality).first()
    )
    if counter is None:
        loaded = Person.objects.filter(municipality=municipality).aggregate(n=Max("number"))["n"]
        try:
            with transaction.atomic():
                counter = PersonNumberCounter.objects.create(
                    municipality=municipality, last_number=loaded or 0
                )
        except IntegrityError:
            # Another desk created the row first; wait for its lock like any later number.
            counter = PersonNumberCounter.objects.select_for_update().get(municipality=municipality)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@transaction.atomic
def person_create(*, actor: Membership | None, municipality: Municipality, **fields: Any) -> Person:
    """Create a person with the next number of the municipality; every field is optional."""
    unknown = set(fields) - PERSON_FIELDS
    if unknown:
        raise TypeError(f"unknown person fields: {sorted(unknown)}")
    person = Person(municipality=municipality, **fields)
    _person_keys(person)
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
    document: File | None = None,
) -> Consent:
    """Record a consent; a scan is stored encrypted under consents/<municipality code>/."""
    if any(o.municipality_id != person.municipality_id for o in organizations):
        raise ValueError("recipient of another municipality")
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError(
            {"valid_until": _("The end date cannot be before the start date.")}, code="period"
        )
    kind = scan_kind(document) if document is not None else None
    consent = Consent(
        municipality_id=person.municipality_id,
        person=person,
        purposes=purposes,
        valid_from=valid_from,
        valid_until=valid_until,
        form=form,
        recorded_by=actor,
    )
    consent.full_clean(exclude=["municipality", "person", "recorded_by", "document"])
    if document is not None and kind is not None:
        scan_save(consent, document, kind=kind, municipality_code=person.municipality.code)
    try:
        consent.save()
        consent.organizations.set(organizations)
    except Exception:
        # No row, no scan: a stored file nobody can reach would only be a leak waiting.
        scan_delete(consent)
        raise
    return consent


@transaction.atomic
def consent_revoke(
    *, actor: Membership | None, consent: Consent, at: datetime | None = None
) -> Consent:
    """Revoke a consent from now on; partners lose sight of the person on their next request."""
    current = Consent.objects.select_for_update().get(pk=consent.pk)
    if current.revoked_at is not None:
        raise ValidationError(_("This consent was already revoked."), code="already_revoked")
    current.revoked_at = at or timezone.now()
    current.save(update_fields=["revoked_at"])
    consent.revoked_at = current.revoked_at
    return consent
