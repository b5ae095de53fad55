"""Reads of consultations: the list a member may see, and the search of the quick entry."""

from datetime import date

from django.db.models import F, QuerySet

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.cases.policy import (
    seen_persons,
    visible_cases,
    visible_consultations,
)
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.core.eras import date_range_bounds
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people import selectors as people_selectors
from tsunagu.people.models import ENCRYPTED_PERSON_FIELDS, Person
from tsunagu.tenancy.models import Membership

PERSON_SEARCH_LIMIT = 10


def consultation_list(
    *,
    viewer: Membership,
    date_from: date | None = None,
    date_to: date | None = None,
    channel: str = "",
) -> QuerySet[Consultation]:
    """What the viewer may see, newest first; dates are inclusive days in Asia/Tokyo."""
    consultations = (
        visible_consultations(viewer)
        .select_related("person", "case", "staff__user")
        .defer(*(f"person__{name}" for name in ENCRYPTED_PERSON_FIELDS), "case__goal", "case__note")
    )
    if date_from is not None:
        consultations = consultations.filter(
            occurred_at__gte=date_range_bounds(date_from, date_from)[0]
        )
    if date_to is not None:
        consultations = consultations.filter(occurred_at__lt=date_range_bounds(date_to, date_to)[1])
    if channel:
        consultations = consultations.filter(channel=channel)
    return consultations.order_by("-occurred_at", "-pk")


def person_search(*, viewer: Membership, query: str) -> list[Person]:
    """The person search of the persons screen, limited for search-as-you-type."""
    if not normalize_for_search(query):
        return []
    found = people_selectors.person_search(viewer=viewer, query=query)
    return list(found.defer(*ENCRYPTED_PERSON_FIELDS)[:PERSON_SEARCH_LIMIT])


def cases_of_person(*, viewer: Membership, person: Person | None) -> list[Case]:
    """The person's cases the viewer may see, open ones first, to link a consultation to."""
    if person is None:
        return []
    return list(
        visible_cases(viewer)
        .filter(person=person)
        .order_by(F("closed_on").asc(nulls_first=True), "-opened_on", "-pk")
    )


def import_job_list(*, viewer: Membership, limit: int = 10) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(municipality=viewer.municipality, uploaded_by=viewer)[:limit]
    )


def consultation_seen(member: Membership, consultations: list[Consultation]) -> list[Seen]:
    """Access-log records for consultations shown, and their persons, with bases."""
    person_ids = sorted({c.person_id for c in consultations if c.person_id is not None})
    persons = seen_persons(member, person_ids)
    basis_of = {s.id: s.basis for s in persons}
    records = [
        Seen("consultation", c.pk, basis_of.get(c.person_id, "intake") if c.person_id else "intake")
        for c in consultations
    ]
    return records + persons
