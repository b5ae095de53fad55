"""Reads of programmes: visible programmes and enrolments, completion, supporter candidates."""

from django.db.models import Count, Q, QuerySet

from tsunagu.policy import shown, visible
from tsunagu.programmes.codes import EnrolmentStatus, ProgrammeKind
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.tenancy.models import Membership


def programme_list(member: Membership) -> QuerySet[Programme]:
    return visible(member, Programme).prefetch_related("meetings__session")


def enrolments_of(member: Membership, programme: Programme) -> list[Enrolment]:
    """The programme's participants the member may see by name (logged as shown)."""
    rows = list(
        visible(member, Enrolment)
        .filter(programme=programme, status=EnrolmentStatus.ENROLLED)
        .select_related("person", "family_member")
        .annotate(attended_count=Count("attended"))
        .order_by("enrolled_on", "pk")
    )
    return list(shown(member, Enrolment, rows))


def supporter_candidates(*, municipality_id: int) -> QuerySet[Enrolment]:
    """Those who completed a supporter course: eligible for the supporter registry."""
    return Enrolment.objects.filter(
        Q(municipality_id=municipality_id)
        & Q(programme__kind=ProgrammeKind.SUPPORTER_COURSE)
        & Q(completed_on__isnull=False)
    ).order_by("completed_on", "pk")
