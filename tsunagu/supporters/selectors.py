"""Reads of supporters and dispatch, each limited by the policy layer."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Prefetch, QuerySet

from tsunagu.policy import visible
from tsunagu.supporters import matching
from tsunagu.supporters.codes import DispatchStatus, RequestStatus, SupporterStatus
from tsunagu.supporters.models import (
    ActivityLog,
    Availability,
    Dispatch,
    DispatchRequest,
    Supporter,
)
from tsunagu.supporters.services import as_candidate, as_request
from tsunagu.tenancy.models import Membership


def supporter_list(*, viewer: Membership) -> QuerySet[Supporter]:
    return visible(viewer, Supporter).prefetch_related(
        Prefetch("availability", queryset=Availability.objects.order_by("weekday", "start"))
    )


def dispatch_request_list(*, viewer: Membership, status: str = "") -> QuerySet[DispatchRequest]:
    requests = visible(viewer, DispatchRequest).prefetch_related("refused")
    return requests.filter(status=status) if status else requests


def dispatch_list(*, viewer: Membership) -> QuerySet[Dispatch]:
    return visible(viewer, Dispatch).select_related("request", "supporter")


def current_load(supporter_ids: Sequence[int]) -> Counter[int]:
    active = Dispatch.objects.filter(supporter_id__in=supporter_ids, status=DispatchStatus.ACTIVE)
    return Counter(active.values_list("supporter_id", flat=True))


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
    supporters = supporter_list(viewer=viewer).filter(status=SupporterStatus.ACTIVE)
    if supporter_ids is not None:
        supporters = supporters.filter(pk__in=supporter_ids)
    supporters_list = list(supporters)
    load = current_load([s.pk for s in supporters_list])
    return matching.match(
        [as_request(r) for r in requests.order_by("requested_at", "pk")],
        [as_candidate(s, load[s.pk]) for s in supporters_list],
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
            dispatch__in=visible(viewer, Dispatch).values("pk"), date__gte=first, date__lt=after
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
