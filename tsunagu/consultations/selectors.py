"""Reads of consultations: the list a member may see, and the search of the quick entry."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, Field, QuerySet

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation, ConsultationCorrection, ImportJob
from tsunagu.consultations.services import CORRECTABLE_FIELDS
from tsunagu.core.eras import TOKYO, date_range_bounds, format_wareki
from tsunagu.core.ids import parse_id
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people import selectors as people_selectors
from tsunagu.people.models import ENCRYPTED_PERSON_FIELDS, Person
from tsunagu.policy import bases_of, record, shown, visible
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
        visible(viewer, Consultation)
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
        visible(viewer, Case)
        .filter(person=person)
        .order_by(F("closed_on").asc(nulls_first=True), "-opened_on", "-pk")
    )


def import_job_list(*, viewer: Membership, limit: int = 10) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(municipality=viewer.municipality, uploaded_by=viewer)[:limit]
    )


def consultations_shown(
    member: Membership, consultations: list[Consultation], *, action: str = "list"
) -> None:
    """Record a list of consultations handed out (listed, or exported), and the persons they
    name."""
    if not consultations:
        return
    shown(member, Consultation, consultations, action=action)
    named = {c.person_id: c.person for c in consultations if c.person is not None}
    shown(member, Person, sorted(named.values(), key=lambda p: p.pk), action=action)
    # Each record names its case (`case_id`, a link): the case is seen with it.
    record(member, Case, sorted({c.case_id for c in consultations if c.case_id}), action=action)


def consultation_context_shown(member: Membership, consultation: Consultation) -> None:
    """Record the person and the case one consultation names (its page or API answer)."""
    if consultation.person_id is not None:
        record(member, Person, [consultation.person_id], action="view")
    if consultation.case_id is not None:
        record(member, Case, [consultation.case_id], action="view")


def consultation_seen(member: Membership, consultations: list[Consultation]) -> list[Seen]:
    """Access-log records for consultations shown, and their persons, with bases (for callers
    that write the entry themselves; new code calls `consultations_shown`)."""
    person_ids = sorted({c.person_id for c in consultations if c.person_id is not None})
    persons = [Seen("person", pk, b) for pk, b in bases_of(member, Person, person_ids).items()]
    basis_of = {s.id: s.basis for s in persons}
    records = [
        Seen("consultation", c.pk, basis_of.get(c.person_id, "intake") if c.person_id else "intake")
        for c in consultations
    ]
    return records + persons


# Corrections (訂正履歴) ---------------------------------------------------------------------


@dataclass(frozen=True)
class ChangeView:
    field: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class CorrectionView:
    at: datetime
    by: str
    reason: str
    changes: list[ChangeView]


def _field(name: str) -> "Field[Any, Any]":
    found = Consultation._meta.get_field(name)
    assert isinstance(found, Field)
    return found


def _display(field: str, value: Any, names: dict[tuple[str, int], str]) -> str:
    """A stored value as the reader knows it: labels for codes, 和暦 for dates, numbers."""
    if value in (None, ""):
        return "—"
    if field in ("person", "case", "staff"):
        return names.get((field, value), f"#{value}")
    model_field = _field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if field == "occurred_at":
        moment = datetime.fromisoformat(value).astimezone(TOKYO)
        return f"{format_wareki(moment.date())} {moment:%H:%M}"
    if field == "next_action_on":
        return format_wareki(date.fromisoformat(value))
    return str(value)


def correction_history(consultation: Consultation) -> list[CorrectionView]:
    """The consultation's corrections, oldest first, with each earlier and later value."""
    corrections = list(
        ConsultationCorrection.objects.filter(consultation=consultation).select_related(
            "corrected_by__user"
        )
    )
    wanted: dict[str, set[int]] = {"person": set(), "case": set(), "staff": set()}
    for correction in corrections:
        for field, change in correction.changes.items():
            if field in wanted:
                wanted[field].update(v for v in change.values() if v is not None)
    names: dict[tuple[str, int], str] = {}
    # Only the numbers of persons: the name is on the record the reader already sees.
    for pk, number in Person.objects.filter(pk__in=wanted["person"]).values_list("pk", "number"):
        names[("person", pk)] = f"No.{number}"
    for member in Membership.objects.filter(pk__in=wanted["staff"]).select_related("user"):
        names[("staff", member.pk)] = str(member.user)
    fields = {f: _field(f) for f in CORRECTABLE_FIELDS}
    return [
        CorrectionView(
            at=c.corrected_at,
            by=str(c.corrected_by.user) if c.corrected_by else "—",
            reason=c.reason or "",
            changes=[
                ChangeView(
                    field=field,
                    label=str(fields[field].verbose_name) if field in fields else field,
                    before=_display(field, change.get("before"), names),
                    after=_display(field, change.get("after"), names),
                )
                for field, change in c.changes.items()
            ],
        )
        for c in corrections
    ]


def correction_entries(consultation: Consultation) -> list[dict[str, Any]]:
    """The corrections as the API answers them: [{"at", "by", "reason", "changes"}]."""
    corrections = ConsultationCorrection.objects.filter(consultation=consultation).select_related(
        "corrected_by__user"
    )
    return [
        {
            "at": c.corrected_at.astimezone(TOKYO),
            "by": c.corrected_by.user.username if c.corrected_by else None,
            "reason": c.reason or "",
            "changes": c.changes,
        }
        for c in corrections
    ]


def visible_case(*, viewer: Membership, pk: int) -> Case | None:
    return visible(viewer, Case).filter(pk=pk).first()


def visible_person(*, viewer: Membership, pk: str | int | None) -> Person | None:
    """The person picked in a form before a refusal, if the viewer may see them."""
    person_id = parse_id(pk)
    if person_id is None:
        return None
    return visible(viewer, Person).filter(pk=person_id).first()


def consultation_page(*, viewer: Membership, consultation: Consultation) -> dict[str, Any]:
    """What the page of one consultation shows: the record or its tombstone, its corrections,
    and which changes the viewer may make."""
    from tsunagu.consultations.access import may_correct, may_delete, may_link

    if consultation.deleted_at is not None:
        return {"consultation": consultation, "tombstone": True}
    # The person and the case are logged with the record (the page names and links them).
    consultation_context_shown(viewer, consultation)
    return {
        "consultation": consultation,
        "tombstone": False,
        "corrections": correction_history(consultation),
        "may_correct": may_correct(viewer, consultation),
        "may_link": may_link(viewer, consultation),
        "may_delete": may_delete(viewer),
    }


# Quick entry ------------------------------------------------------------------------------


def only_open_case(cases: list[Case]) -> str:
    """The case to preselect: the person's open case when there is exactly one."""
    open_cases = [c for c in cases if c.closed_on is None]
    return str(open_cases[0].pk) if len(open_cases) == 1 else ""


def quick_entry_initial(*, viewer: Membership, case_pk: str | None) -> dict[str, Any]:
    """Quick entry opened from a case page (?case=): that case and its person, preselected."""
    case_id = parse_id(case_pk)
    if case_id is None:
        return {}
    case = visible(viewer, Case).filter(pk=case_id).first()
    if case is None:
        return {}
    return {"person": case.person_id, "case": case.pk}


def quick_entry_choices(*, viewer: Membership, form: Any) -> dict[str, Any]:
    """The person and case shown picked: what was sent (kept when the form is refused), else
    what the page was opened for; the person's cases, with the only open one preselected."""
    source = form.data if form.is_bound else form.initial
    person = visible_person(viewer=viewer, pk=source.get("person"))
    cases = cases_of_person(viewer=viewer, person=person)
    if cases:
        shown(viewer, Case, cases)
    chosen_case = str(source.get("case") or "")
    if not form.is_bound and not chosen_case:
        chosen_case = only_open_case(cases)
    return {"chosen_person": person, "cases": cases, "chosen_case": chosen_case}
