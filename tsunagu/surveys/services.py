"""Writes of needs surveys: districts, rounds, and each district's answer entered from paper."""

from collections.abc import Mapping
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tsunagu.surveys.codes import Duration, SurveyAgeBand, SurveyGender
from tsunagu.surveys.models import District, DistrictAnswer, Survey
from tsunagu.tenancy.models import Membership


@transaction.atomic
def district_save(
    *,
    actor: Membership,
    name: str,
    volunteers: str = "",
    order: int | None = None,
    district: District | None = None,
) -> District:
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the district a name.")})
    others = District.objects.filter(municipality_id=actor.municipality_id, name=name)
    if district is not None:
        others = others.exclude(pk=district.pk)
    if others.exists():
        raise ValidationError({"name": _("This municipality already has a district of this name.")})
    district = district or District(municipality_id=actor.municipality_id)
    district.name = name
    district.volunteers = volunteers.strip()
    if order is None and district.pk is None:
        order = District.objects.filter(municipality_id=actor.municipality_id).count() + 1
    if order is not None:
        district.order = order
    district.save()
    return district


@transaction.atomic
def survey_create(
    *,
    actor: Membership,
    name: str,
    conducted_on: date,
    districts: list[District] | None = None,
    note: str = "",
) -> Survey:
    """A round over the given districts (default: every district), each one's answer pending."""
    if districts is None:
        districts = list(District.objects.filter(municipality_id=actor.municipality_id))
    if not districts:
        raise ValidationError({"districts": _("Register the districts first.")})
    if any(d.municipality_id != actor.municipality_id for d in districts):
        raise ValidationError({"districts": _("Not a district of this municipality.")})
    name = " ".join(name.split())
    if not name:
        raise ValidationError({"name": _("Give the survey a name.")})
    survey = Survey.objects.create(
        municipality_id=actor.municipality_id, name=name, conducted_on=conducted_on, note=note
    )
    DistrictAnswer.objects.bulk_create(
        DistrictAnswer(
            municipality_id=actor.municipality_id, survey=survey, district=d, sent_on=conducted_on
        )
        for d in districts
    )
    return survey


def _counts(field: str, values: Mapping[str, object], keys: list[str]) -> dict[str, int]:
    cleaned: dict[str, int] = {}
    for key, value in values.items():
        if key not in keys:
            raise ValidationError({field: _("Unknown category: %(key)s") % {"key": key}})
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValidationError({field: _("Counts are whole numbers, 0 or more.")})
        if value:
            cleaned[key] = value
    return cleaned


@transaction.atomic
def answer_record(
    *,
    actor: Membership,
    answer: DistrictAnswer,
    counts: dict[str, dict[str, int]],
    durations: dict[str, int] | None = None,
    known_to_center: int = 0,
    notes: str = "",
    answered_on: date,
) -> DistrictAnswer:
    """Enter a district's answer from the paper questionnaire (replacing an earlier entry)."""
    by_band: dict[str, dict[str, int]] = {}
    for band, by_gender in counts.items():
        if band not in SurveyAgeBand.values or not isinstance(by_gender, dict):
            raise ValidationError({"counts": _("Unknown category: %(key)s") % {"key": band}})
        cleaned = _counts("counts", by_gender, list(SurveyGender.values))
        if cleaned:
            by_band[band] = cleaned
    total = sum(n for by_gender in by_band.values() for n in by_gender.values())
    how_long = _counts("durations", dict(durations or {}), list(Duration.values))
    if how_long and sum(how_long.values()) != total:
        raise ValidationError(
            {"durations": _("The people by how long must add up to %(n)s.") % {"n": total}}
        )
    if not 0 <= known_to_center <= total:
        raise ValidationError(
            {"known_to_center": _("Between 0 and the %(n)s people counted.") % {"n": total}}
        )
    answer.counts = by_band
    answer.durations = how_long
    answer.known_to_center = known_to_center
    answer.notes = notes.strip()
    answer.answered_on = answered_on
    answer.total = total
    answer.save()
    return answer


def answer_remind(*, actor: Membership, answer: DistrictAnswer, on: date) -> DistrictAnswer:
    answer.reminded_on = on
    answer.save(update_fields=["reminded_on"])
    return answer
