"""Writes of persons, family members and consents."""

import json
from datetime import date, datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.core.crypto import email_index, phone_index
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.codes import Gender
from tsunagu.people.models import Consent, FamilyMember, Person, PersonMerge, PersonNumberCounter
from tsunagu.people.scans import scan_delete, scan_kind, scan_save
from tsunagu.policy import record_seen
from tsunagu.policy.recording import collecting
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


def _written(actor: Membership | None, action: str, *seen: tuple[str, int]) -> None:
    """Write the change to the access log as the actor's, with the request's entry (a
    command's writes are in the change history only)."""
    if actor is not None and collecting():
        record_seen(actor, [Seen(kind, pk, "role") for kind, pk in seen], action=action)


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
        # Merged records keep their numbers (all_objects): never give one out again.
        loaded = Person.all_objects.filter(municipality=municipality).aggregate(n=Max("number"))[
            "n"
        ]
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
    _written(actor, AccessAction.CREATE, ("person", person.pk))
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
    _written(actor, AccessAction.UPDATE, ("person", person.pk))
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
    _written(actor, AccessAction.CREATE, ("person", person.pk), ("family_member", member.pk))
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
    _written(actor, AccessAction.UPDATE, ("person", member.person_id), ("family_member", member.pk))
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
    document: File[bytes] | None = None,
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
    _written(actor, AccessAction.CREATE, ("person", person.pk), ("consent", consent.pk))
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
    _written(actor, AccessAction.UPDATE, ("person", consent.person_id), ("consent", consent.pk))
    return consent


# Merging duplicates ------------------------------------------------------------------------


def _blank(value: Any) -> bool:
    return value in (None, "", [], {}) or value == Gender.UNKNOWN


def _rows_pointing_at(person: Person) -> list[tuple[models.Model, str]]:
    """Every row of any app whose foreign key names this person (deleted records included)."""
    rows: list[tuple[models.Model, str]] = []
    for rel in Person._meta.related_objects:
        if not rel.one_to_many or rel.related_model in (Person, PersonMerge):
            continue
        field = rel.field.name
        model = rel.related_model
        rows.extend((row, field) for row in model._base_manager.filter(**{field: person}))
    return rows


def _open_cases(person: Person) -> int:
    return Case.objects.filter(person=person, closed_on__isnull=True).count()


@transaction.atomic
def person_merge(
    *,
    actor: Membership | None,
    survivor: Person,
    merged: Person,
    reason: str,
    allow_two_open_cases: bool = False,
) -> PersonMerge:
    """Merge `merged` into `survivor`: every case, consultation, family member, consent and any
    other row naming it moves to the survivor, whose empty fields take the merged record's
    values; the merged record stays (hidden) so that `person_merge_undo` can take it back."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the two records are one person.")})
    if survivor.pk == merged.pk or survivor.municipality_id != merged.municipality_id:
        raise ValidationError(_("Choose two different persons."))
    if survivor.merged_into_id or merged.merged_into_id:
        raise ValidationError(_("One of them was already merged."))
    if _open_cases(survivor) and _open_cases(merged) and not allow_two_open_cases:
        raise ValidationError(
            {
                "allow_two_open_cases": _(
                    "Both have an open case. Close one first, or confirm that the person "
                    "keeps two open cases."
                )
            }
        )
    moved: dict[str, list[int]] = {}
    for row, field in _rows_pointing_at(merged):
        setattr(row, field, survivor)
        # One save per row: each move is in the change history of the row that moved.
        row.save(update_fields=[field])
        moved.setdefault(row._meta.label, []).append(row.pk)
    filled: dict[str, Any] = {}
    for name in sorted(PERSON_FIELDS):
        mine, theirs = getattr(survivor, name), getattr(merged, name)
        if _blank(mine) and not _blank(theirs):
            setattr(survivor, name, theirs)
            filled[name] = theirs.isoformat() if isinstance(theirs, date) else theirs
    if filled:
        _person_keys(survivor)
        survivor.save()
    merged.merged_into = survivor
    merged.save(update_fields=["merged_into", "updated_at"])
    merge = PersonMerge(
        municipality=survivor.municipality,
        survivor=survivor,
        merged=merged,
        merged_by=actor,
        reason=reason,
    )
    merge.detail_json = json.dumps({"moved": moved, "filled": filled}, ensure_ascii=False)
    merge.save()
    _written(actor, AccessAction.UPDATE, ("person", survivor.pk), ("person", merged.pk))
    return merge


@transaction.atomic
def person_merge_undo(*, actor: Membership | None, merge: PersonMerge) -> Person:
    """Take a merge back: the rows that moved return, the filled fields are emptied again."""
    if merge.undone_at is not None:
        raise ValidationError(_("This merge was already undone."))
    detail = json.loads(merge.detail_json or "{}")
    merged = Person.all_objects.get(pk=merge.merged_id)
    survivor = Person.all_objects.get(pk=merge.survivor_id)
    for label, ids in detail.get("moved", {}).items():
        model = apps.get_model(label)
        field = next(
            f.name
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is Person
        )
        for row in model._base_manager.filter(pk__in=ids):
            setattr(row, field, merged)
            row.save(update_fields=[field])
    empty = {f.name: f.get_default() for f in Person._meta.concrete_fields}
    for name in detail.get("filled", {}):
        setattr(survivor, name, empty[name])
    if detail.get("filled"):
        _person_keys(survivor)
        survivor.save()
    merged.merged_into = None
    merged.save(update_fields=["merged_into", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = actor
    merge.save(update_fields=["undone_at", "undone_by"])
    _written(actor, AccessAction.UPDATE, ("person", survivor.pk), ("person", merged.pk))
    return merged
