"""Reads of programmes: visible programmes and enrolments, completion, supporter candidates."""

from django.db.models import Count, Prefetch, Q, QuerySet

from tsunagu.policy import shown, visible
from tsunagu.programmes.codes import EnrolmentStatus, ProgrammeKind
from tsunagu.programmes.models import Enrolment, Programme, ProgrammeAttendance, ProgrammeSession
from tsunagu.tenancy.models import Membership


def with_meetings(rows: QuerySet[Programme], municipality_id: int) -> QuerySet[Programme]:
    """The programmes with their meetings and sessions, every statement naming the
    municipality (a distributed database routes on it)."""
    from tsunagu.places.models import Session

    return rows.prefetch_related(
        Prefetch(
            "meetings", queryset=ProgrammeSession.objects.filter(municipality_id=municipality_id)
        ),
        Prefetch(
            "meetings__session", queryset=Session.objects.filter(municipality_id=municipality_id)
        ),
    )


def programme_list(member: Membership) -> QuerySet[Programme]:
    return with_meetings(visible(member, Programme), member.municipality_id)


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


def waiting_of(member: Membership, programme: Programme) -> list[Enrolment]:
    """The programme's waiting list (キャンセル待ち) in the order places go, as the member may
    see it by name (logged as shown)."""
    rows = list(
        visible(member, Enrolment)
        .filter(programme=programme, status=EnrolmentStatus.WAITING)
        .select_related("person", "family_member")
        .order_by("pk")
    )
    return list(shown(member, Enrolment, rows))


def waiting_position(enrolment: Enrolment) -> int | None:
    """Where one waiting stands on the list (1 = next to move up); None when not waiting."""
    if enrolment.status != EnrolmentStatus.WAITING:
        return None
    return Enrolment.objects.filter(
        municipality_id=enrolment.municipality_id,
        programme_id=enrolment.programme_id,
        status=EnrolmentStatus.WAITING,
        pk__lte=enrolment.pk,
    ).count()


def supporter_candidates(*, municipality_id: int) -> QuerySet[Enrolment]:
    """Those who completed a supporter course: eligible for the supporter registry."""
    return Enrolment.objects.filter(
        Q(municipality_id=municipality_id)
        & Q(programme__kind=ProgrammeKind.SUPPORTER_COURSE)
        & Q(completed_on__isnull=False)
    ).order_by("completed_on", "pk")


def programme_rows(member: Membership) -> QuerySet[Programme]:
    """Programmes with their number of participants, for the list."""
    return (
        visible(member, Programme)
        .select_related("place")
        .annotate(
            enrolled=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED)),
            meeting_count=Count("meetings", distinct=True),
        )
        .order_by("name", "pk")
    )


def enrolled_count(programme: Programme) -> int:
    return programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def meeting_attendance(programme: Programme) -> dict[tuple[int, int], int]:
    """{(enrolment id, meeting id): attendance id} of the programme."""
    rows = ProgrammeAttendance.objects.filter(meeting__programme=programme).values_list(
        "enrolment_id", "meeting_id", "pk"
    )
    return {(e, m): pk for e, m, pk in rows}
