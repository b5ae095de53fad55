"""Reads of supporters and dispatch, each limited by the policy layer."""

from collections import Counter
from collections.abc import Sequence

from django.db.models import Prefetch, QuerySet

from tsunagu.policy import visible
from tsunagu.supporters import matching
from tsunagu.supporters.codes import DispatchStatus, RequestStatus, SupporterStatus
from tsunagu.supporters.models import Availability, Dispatch, DispatchRequest, Supporter
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
