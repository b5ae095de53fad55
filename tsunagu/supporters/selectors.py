"""Reads of supporters and dispatch, each limited by the policy layer."""

import math
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from django.db.models import IntegerField, Prefetch, QuerySet
from django.db.models.functions import Cast, ExtractHour, ExtractMinute
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.models import Case
from tsunagu.cases.selectors import TimelineEntry
from tsunagu.places.models import Session
from tsunagu.policy import shown, visible, visible_through
from tsunagu.programmes.codes import FOR_SUPPORTERS, ProgrammeKind
from tsunagu.programmes.models import Enrolment, ProgrammeSession
from tsunagu.supporters import matching
from tsunagu.supporters.codes import (
    DispatchStatus,
    RequestStatus,
    SupporterBackground,
    SupporterStatus,
)
from tsunagu.supporters.models import (
    ActivityLog,
    Availability,
    Dispatch,
    DispatchRequest,
    MeetingAttendance,
    Supporter,
)
from tsunagu.supporters.services import as_candidate, as_request
from tsunagu.tenancy.models import Membership


def supporter_list(*, viewer: Membership) -> QuerySet[Supporter]:
    return visible(viewer, Supporter).prefetch_related(
        Prefetch("availability", queryset=Availability.objects.order_by("weekday", "start"))
    )


def dispatch_request_list(*, viewer: Membership, status: str = "") -> QuerySet[DispatchRequest]:
    # The refusals pinned to the municipality too (a sharded table is read within one).
    refusals = Supporter.objects.filter(municipality_id=viewer.municipality_id)
    requests = visible(viewer, DispatchRequest).prefetch_related(
        Prefetch("refused", queryset=refusals)
    )
    return requests.filter(status=status) if status else requests


def dispatch_list(*, viewer: Membership) -> QuerySet[Dispatch]:
    return visible(viewer, Dispatch).select_related("request", "supporter")


def current_load(supporter_ids: Sequence[int]) -> Counter[int]:
    active = Dispatch.objects.filter(supporter_id__in=supporter_ids, status=DispatchStatus.ACTIVE)
    return Counter(active.values_list("supporter_id", flat=True))


def _minutes(field: str) -> Cast:
    return Cast(ExtractHour(field) * 60 + ExtractMinute(field), IntegerField())


def matching_registry(
    supporters: QuerySet[Supporter], *, municipality_id: int
) -> matching.Registry:
    """The supporters as the columns matching works on, read as value lists (no instances)."""
    rows = list(supporters.values_list("pk", "max_active", "gender", "peer", "areas", "skills"))
    ids, max_active, gender, peer, areas, skills = zip(*rows, strict=True) if rows else [()] * 6
    dispatched = Dispatch.objects.filter(
        municipality_id=municipality_id,
        supporter__in=supporters.values("pk"),
        status=DispatchStatus.ACTIVE,
    )
    busy = np.sort(np.array(list(dispatched.values_list("supporter_id", flat=True)), np.int64))
    slots = Availability.objects.filter(
        municipality_id=municipality_id, supporter__in=supporters.values("pk")
    ).values_list("supporter_id", "weekday", _minutes("start"), _minutes("end"))
    return matching.Registry.build(
        ids=ids,
        active=[True] * len(ids),
        max_active=max_active,
        current=np.searchsorted(busy, ids, "right") - np.searchsorted(busy, ids, "left"),
        gender=gender,
        peer=peer,
        areas=areas,
        skills=skills,
        slots=list(slots),
    )


def matching_run(
    *,
    viewer: Membership,
    request_ids: Sequence[int] | None = None,
    supporter_ids: Sequence[int] | None = None,
) -> matching.Result:
    """Proposals for the open requests and active supporters (or the ones named)."""
    requests = dispatch_request_list(viewer=viewer, status=RequestStatus.OPEN)
    if request_ids is not None:
        requests = requests.filter(pk__in=request_ids)
    supporters = visible(viewer, Supporter).filter(status=SupporterStatus.ACTIVE)
    if supporter_ids is not None:
        supporters = supporters.filter(pk__in=supporter_ids)
    return matching.match(
        [as_request(r) for r in requests.order_by("requested_at", "pk")],
        matching_registry(supporters, municipality_id=viewer.municipality_id),
    )


def feasible_supporters(*, viewer: Membership, request: DispatchRequest) -> list[Supporter]:
    """Every supporter the hard rules allow for this request (the lead's override choices)."""
    candidates = list(supporter_list(viewer=viewer).filter(status=SupporterStatus.ACTIVE))
    load = current_load([s.pk for s in candidates])
    wanted = as_request(request)
    return [s for s in candidates if matching.feasible(wanted, as_candidate(s, load[s.pk]))]


@dataclass
class MonthOfWork:
    """A supporter's activities of one month, with hours and travel for 謝金."""

    supporter: Supporter
    activities: list[ActivityLog]

    @property
    def minutes(self) -> int:
        return sum(a.minutes for a in self.activities)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    @property
    def travel_yen(self) -> int:
        return sum(a.travel_yen for a in self.activities)


def month_of_work(*, viewer: Membership, month: date) -> list[MonthOfWork]:
    """Activities of every visible dispatch in the month of `month`, by supporter."""
    first = month.replace(day=1)
    after = (first + timedelta(days=32)).replace(day=1)
    logs = (
        ActivityLog.objects.filter(
            visible_through(viewer, Dispatch, "dispatch"), date__gte=first, date__lt=after
        )
        .select_related("dispatch__supporter")
        .order_by("dispatch__supporter__name", "date", "start")
        .defer("what_happened", "response", "next_step")
    )
    by_supporter: dict[int, MonthOfWork] = {}
    for log in logs:
        supporter = log.dispatch.supporter
        by_supporter.setdefault(supporter.pk, MonthOfWork(supporter, [])).activities.append(log)
    return list(by_supporter.values())


@dataclass
class SupporterStatistics:
    """Dispatches, activities, hours and people reached in a period, by month and background,
    and the waiting time from a request to the first visit."""

    start: date
    end: date
    dispatches: int
    activities: int
    hours: float
    people: int
    by_month: list[dict[str, object]]
    by_background: list[dict[str, object]]
    waits: list[int]

    @property
    def wait_median(self) -> float | None:
        return statistics.median(self.waits) if self.waits else None

    @property
    def wait_p90(self) -> float | None:
        if not self.waits:
            return None
        ordered = sorted(self.waits)
        # Nearest rank: the smallest wait that 90% of the requests did not exceed.
        return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


@dataclass
class _Tally:
    dispatches: int = 0
    activities: int = 0
    minutes: int = 0
    people: set[int] = field(default_factory=set)

    def add(self, minutes: int, person: int) -> None:
        self.activities += 1
        self.minutes += minutes
        self.people.add(person)

    def row(self, **label: str) -> dict[str, object]:
        hours = round(self.minutes / 60, 1)
        return {
            **label,
            "dispatches": self.dispatches,
            "activities": self.activities,
            "hours": hours,
            "people": len(self.people),
        }


def supporter_statistics(*, viewer: Membership, start: date, end: date) -> SupporterStatistics:
    dispatches = visible(viewer, Dispatch)
    logs = ActivityLog.objects.filter(
        dispatch__in=dispatches.values("pk"), date__gte=start, date__lte=end
    ).values_list(
        "date",
        "start",
        "end",
        "dispatch__supporter__background",
        "dispatch__request__case__person_id",
    )
    total = _Tally()
    months: dict[str, _Tally] = {}
    backgrounds: dict[str, _Tally] = {}
    for day, begin, finish, background, person in logs:
        minutes = (finish.hour * 60 + finish.minute) - (begin.hour * 60 + begin.minute)
        for tally in (
            total,
            months.setdefault(f"{day:%Y-%m}", _Tally()),
            backgrounds.setdefault(background, _Tally()),
        ):
            tally.add(minutes, person)
    # Dispatches decided in the period, by the month of the decision and the background.
    decided = dispatches.filter(
        approved_at__date__gte=start, approved_at__date__lte=end
    ).values_list("approved_at", "supporter__background")
    count = 0
    for at, background in decided:
        count += 1
        months.setdefault(f"{timezone.localtime(at):%Y-%m}", _Tally()).dispatches += 1
        backgrounds.setdefault(background, _Tally()).dispatches += 1
    first_visit: dict[int, date] = {}
    for request_id, day in ActivityLog.objects.filter(
        dispatch__in=dispatches.values("pk")
    ).values_list("dispatch__request_id", "date"):
        if request_id not in first_visit or day < first_visit[request_id]:
            first_visit[request_id] = day
    waits = [
        (first_visit[pk] - timezone.localtime(at).date()).days
        for pk, at in visible(viewer, DispatchRequest)
        .filter(pk__in=first_visit)
        .values_list("pk", "requested_at")
        if start <= first_visit[pk] <= end
    ]
    labels = dict(SupporterBackground.choices)
    return SupporterStatistics(
        start=start,
        end=end,
        dispatches=count,
        activities=total.activities,
        hours=round(total.minutes / 60, 1),
        people=len(total.people),
        by_month=[t.row(month=m) for m, t in sorted(months.items())],
        by_background=[t.row(background=str(labels.get(b, b))) for b, t in backgrounds.items()],
        waits=waits,
    )


# --- course graduates, supporter meetings and follow-up trainings ---------------------------


def course_graduates(*, viewer: Membership) -> list[Enrolment]:
    """Who completed a supporter course (修了) and is not in the registry yet: eligible to be
    registered (names shown: logged)."""
    registered = Supporter.objects.filter(
        municipality_id=viewer.municipality_id, course__isnull=False
    ).values("course")
    rows = list(
        visible(viewer, Enrolment)
        .filter(programme__kind=ProgrammeKind.SUPPORTER_COURSE, completed_on__isnull=False)
        .exclude(pk__in=registered)
        .select_related("programme", "person", "family_member")
        .order_by("completed_on", "pk")
    )
    return list(shown(viewer, Enrolment, rows))


def course_graduate(*, viewer: Membership, pk: int) -> Enrolment | None:
    return next((e for e in course_graduates(viewer=viewer) if e.pk == pk), None)


def supporter_meetings(
    *, viewer: Membership, since: date, until: date | None = None
) -> QuerySet[ProgrammeSession]:
    """Sessions of supporter meetings and follow-up trainings the member may see, by date."""
    sessions = visible(viewer, Session).filter(date__gte=since)
    if until is not None:
        sessions = sessions.filter(date__lte=until)
    return (
        ProgrammeSession.objects.filter(
            municipality_id=viewer.municipality_id,
            programme__kind__in=FOR_SUPPORTERS,
            session__in=sessions.values("pk"),
        )
        .select_related("programme", "session")
        .order_by("session__date", "session__start", "pk")
    )


def meeting_attendance(*, viewer: Membership, meetings: Sequence[int]) -> dict[int, set[int]]:
    """{meeting id: ids of the supporters present} for the attendance the member may see."""
    present: dict[int, set[int]] = {m: set() for m in meetings}
    for meeting, supporter in (
        visible(viewer, MeetingAttendance)
        .filter(meeting_id__in=meetings)
        .values_list("meeting_id", "supporter_id")
    ):
        present[meeting].add(supporter)
    return present


def training_history(*, viewer: Membership, supporter: Supporter) -> list[str]:
    """What a supporter trained in: the course completed here, training elsewhere, and the
    follow-up trainings and meetings attended (plain lines for the lead)."""
    lines: list[str] = []
    if supporter.course_id is not None:
        course = Enrolment.objects.select_related("programme").get(pk=supporter.course_id)
        lines.append(
            _("%(name)s, completed on %(day)s")
            % {"name": course.programme.name, "day": course.completed_on}
        )
    if supporter.external_training:
        lines.append(_("Elsewhere: %(what)s") % {"what": supporter.external_training})
    attended = (
        visible(viewer, MeetingAttendance)
        .filter(supporter=supporter)
        .select_related("meeting__programme", "meeting__session")
        .order_by("meeting__session__date")
    )
    for row in attended:
        lines.append(
            _("%(name)s (%(day)s): attended")
            % {"name": row.meeting.programme.name, "day": row.meeting.session.date}
        )
    return lines


def case_timeline_activities(
    sender: object, *, viewer: Membership, case: Case, kinds: set[str], **kwargs: object
) -> list[TimelineEntry]:
    """The case timeline's activity logs of supporters (`cases.signals.timeline_read`), as the
    viewer may see them; the read is recorded in the access log."""
    if "activity" not in kinds:
        return []
    logs = list(
        visible(viewer, ActivityLog)
        .filter(dispatch__request__case=case)
        .select_related("dispatch__supporter")
    )
    shown(viewer, ActivityLog, logs)
    zone = timezone.get_current_timezone()
    return [
        TimelineEntry("activity", datetime.combine(log.date, log.start, tzinfo=zone), log)
        for log in logs
    ]
