"""Reads of needs surveys: a round's table by district, totals, and two rounds compared."""

from dataclasses import dataclass

from django.db.models import QuerySet

from tsunagu.policy import visible
from tsunagu.surveys.models import District, DistrictAnswer, Survey
from tsunagu.tenancy.models import Membership


def survey_list(*, viewer: Membership) -> QuerySet[Survey]:
    return visible(viewer, Survey).prefetch_related("answers")


def answers_of(survey: Survey) -> list[DistrictAnswer]:
    return list(survey.answers.select_related("district"))


@dataclass
class Comparison:
    district: str
    before: int | None
    after: int | None

    @property
    def change(self) -> int | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def survey_compare(*, before: Survey, after: Survey) -> list[Comparison]:
    """Each district of either round, with its count in each (None: not surveyed then)."""
    first = {a.district_id: a.total for a in before.answers.all()}
    second = {a.district_id: a.total for a in after.answers.all()}
    districts = District.objects.filter(pk__in=first.keys() | second.keys())
    return [
        Comparison(d.name, first.get(d.pk), second.get(d.pk))
        for d in districts.order_by("order", "name")
    ]
