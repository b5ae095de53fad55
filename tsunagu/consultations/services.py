"""Writes of consultations: one from the quick entry or the API, many from an import."""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.models import Case
from tsunagu.consultations.codes import Consulter
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO, EraDateError, check_supported
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership, Municipality


def local_month(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime")
    return moment.astimezone(TOKYO).strftime("%Y-%m")


def consultation_build(
    *,
    actor: Membership | None,
    municipality: Municipality,
    occurred_at: datetime,
    channel: str,
    consulter: str,
    consulter_relation: str = "",
    staff: Membership | None = None,
    minutes: int | None = None,
    summary: str = "",
    next_action: str = "",
    next_action_on: date | None = None,
    person: Person | None = None,
    case: Case | None = None,
) -> Consultation:
    """A validated, unsaved consultation (the import saves many at once)."""
    for related in (staff, person, case):
        if related is not None and related.municipality_id != municipality.pk:
            raise ValueError("related object of another municipality")
    if case is not None:
        if person is None:
            person = case.person
        elif case.person_id != person.pk:
            raise ValidationError({"case": _("The case belongs to another person.")})
    if consulter != Consulter.FAMILY:
        consulter_relation = ""
    try:
        # Its own offset's date: converting year 1 or 9999 to Tokyo time would overflow.
        check_supported(occurred_at.date())
    except EraDateError as exc:
        raise ValidationError({"occurred_at": str(exc)}) from None
    consultation = Consultation(
        municipality=municipality,
        occurred_at=occurred_at,
        local_month=local_month(occurred_at),
        channel=channel,
        consulter=consulter,
        consulter_relation=consulter_relation,
        staff=staff,
        minutes=minutes,
        summary=summary,
        next_action=next_action,
        next_action_on=next_action_on,
        person=person,
        case=case,
        recorded_by=actor,
    )
    consultation.full_clean(exclude=["municipality", "staff", "person", "case", "recorded_by"])
    return consultation


@transaction.atomic
def consultation_record(**kwargs: object) -> Consultation:
    """Record one consultation; takes the arguments of consultation_build."""
    consultation = consultation_build(**kwargs)  # type: ignore[arg-type]
    consultation.save()
    return consultation


@transaction.atomic
def consultation_bulk_create(
    *, consultations: Iterable[Consultation], batch_size: int = 2000
) -> int:
    """Save many built consultations in one transaction: all or none."""
    created = Consultation.objects.bulk_create(list(consultations), batch_size=batch_size)
    return len(created)


@transaction.atomic
def consultation_follow_up_done(
    *, actor: Membership | None, consultation: Consultation, at: datetime | None = None
) -> Consultation:
    """Mark the consultation's next action as done: it leaves the home pages' follow-ups."""
    if consultation.next_action_done_at is not None:
        raise ValidationError(_("This follow-up was already marked done."))
    consultation.next_action_done_at = at or timezone.now()
    consultation.save(update_fields=["next_action_done_at"])
    return consultation
