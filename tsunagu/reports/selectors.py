"""Reads of statistics: consultation counts of one municipality over a period in Asia/Tokyo."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Min, Q
from django.shortcuts import get_object_or_404

from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO, date_range_bounds, fiscal_year
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.policy import require
from tsunagu.reports.models import ReportingGroup
from tsunagu.tenancy.models import Membership, Municipality
from tsunagu.tenancy.policy import MANAGE_REPORTING_GROUPS

# A count, or None where the disclosure module withheld it (tsunagu/reports/disclosure.py).
Figure = int | None


@dataclass(frozen=True)
class MonthCount:
    month: str  # "YYYY-MM" in Asia/Tokyo
    total: Figure
    by_channel: dict[str, Figure]


@dataclass(frozen=True)
class GroupCount:
    name: str
    channels: list[str]
    total: Figure
    people: Figure


@dataclass(frozen=True)
class ConsultationStatistics:
    """延べ件数 (contacts) and 実人数 (distinct persons) of one period, zeros included.

    Exact for the center's staff; `statistics_for` passes it through the disclosure module for
    anyone else, and then a withheld figure is None.
    """

    start: date
    end: date
    total: Figure
    people: Figure
    by_channel: dict[str, Figure]
    people_by_channel: dict[str, Figure]
    by_consulter: dict[str, Figure]
    by_month: list[MonthCount]
    groups: list[GroupCount] = field(default_factory=list)
    # 主訴 of every consultation; "" counts those where it was not recorded.
    by_main_concern: dict[str, Figure] = field(default_factory=dict)
    # Consultations with no person linked, by what the caller said of the person.
    # "" counts the records where it was not recorded.
    unlinked_by_age_band: dict[str, Figure] = field(default_factory=dict)
    unlinked_by_gender: dict[str, Figure] = field(default_factory=dict)
    # How many consultations have no person linked (both tables above add up to it).
    unlinked_total: Figure = 0


def months_between(start: date, end: date) -> list[str]:
    """Every "YYYY-MM" from the month of ``start`` to the month of ``end``, both included."""
    months = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def consultation_statistics(
    *,
    municipality: Municipality,
    start: date,
    end: date,
    groups: list[ReportingGroup] | None = None,
) -> ConsultationStatistics:
    """Count the municipality's consultations that occurred from ``start`` to ``end`` inclusive.

    Aggregates only, so it does not go through the visibility rules of persons: a committee
    member sees these figures and nothing else. Two passes over the period whatever its size:
    contacts by (month, channel, consulter), and every 実人数 figure at once.
    """
    lower, upper = date_range_bounds(start, end)
    rows = Consultation.objects.filter(
        municipality=municipality, occurred_at__gte=lower, occurred_at__lt=upper
    ).order_by()
    groups = list(groups) if groups is not None else reporting_group_list(municipality=municipality)

    channels = [code for code, _label in Channel.choices]
    months = months_between(start, end)
    by_month = {month: dict.fromkeys(channels, 0) for month in months}
    by_consulter = dict.fromkeys((code for code, _label in Consulter.choices), 0)
    by_main_concern = dict.fromkeys(["", *MainConcern.values], 0)
    # One pass answers all three: at most months x channels x consulters x concerns rows come
    # back. local_month is stored on write, so grouping needs no per-row time-zone conversion.
    grouped = rows.values("local_month", "channel", "consulter", "main_concern")
    for row in grouped.annotate(n=Count("pk")):
        month_counts = by_month.get(row["local_month"])
        if month_counts is not None and row["channel"] in month_counts:
            month_counts[row["channel"]] += row["n"]
        if row["consulter"] in by_consulter:
            by_consulter[row["consulter"]] += row["n"]
        if row["main_concern"] in by_main_concern:
            by_main_concern[row["main_concern"]] += row["n"]

    # A record with no person is a contact (延べ) but never a person (実人数): COUNT(DISTINCT)
    # skips NULL. A group's 実人数 cannot be summed from its channels (one person may call and
    # write), so it is counted here too, in the same pass.
    people_aggregates = {"people": Count("person", distinct=True)}
    for code in channels:
        people_aggregates[f"channel_{code}"] = Count(
            "person", distinct=True, filter=Q(channel=code)
        )
    for index, group in enumerate(groups):
        people_aggregates[f"group_{index}"] = Count(
            "person", distinct=True, filter=Q(channel__in=list(group.channels) or [""])
        )
    unlinked = Q(person__isnull=True)
    people_aggregates["unlinked"] = Count("pk", filter=unlinked)
    for code in ["", *AgeBand.values]:
        people_aggregates[f"age_{code}"] = Count("pk", filter=unlinked & Q(subject_age_band=code))
    for code in ["", *Gender.values]:
        people_aggregates[f"gender_{code}"] = Count("pk", filter=unlinked & Q(subject_gender=code))
    people = rows.aggregate(**people_aggregates)

    by_channel = {code: sum(counts[code] for counts in by_month.values()) for code in channels}
    shown_months: dict[str, dict[str, Figure]] = {m: dict(c) for m, c in by_month.items()}
    return ConsultationStatistics(
        start=start,
        end=end,
        total=sum(by_channel.values()),
        people=people["people"],
        by_channel=dict(by_channel),
        people_by_channel={code: people[f"channel_{code}"] for code in channels},
        by_consulter=dict(by_consulter),
        by_main_concern=dict(by_main_concern),
        unlinked_by_age_band={code: people[f"age_{code}"] for code in ["", *AgeBand.values]},
        unlinked_by_gender={code: people[f"gender_{code}"] for code in ["", *Gender.values]},
        unlinked_total=people["unlinked"],
        by_month=[
            MonthCount(
                month=month, total=sum(by_month[month].values()), by_channel=shown_months[month]
            )
            for month in months
        ],
        groups=[
            GroupCount(
                name=group.name,
                channels=list(group.channels),
                total=sum(by_channel.get(code, 0) for code in group.channels),
                people=people[f"group_{index}"],
            )
            for index, group in enumerate(groups)
        ],
    )


def reporting_group_list(*, municipality: Municipality) -> list[ReportingGroup]:
    return list(ReportingGroup.objects.filter(municipality=municipality))


def reporting_group_for_manager(*, membership: Membership, pk: int) -> ReportingGroup:
    """The only door to one reporting group: 403 for other roles, 404 outside the municipality."""
    require(membership, MANAGE_REPORTING_GROUPS)
    return get_object_or_404(ReportingGroup, pk=pk, municipality=membership.municipality)


def first_fiscal_year(*, municipality: Municipality, default: int) -> int:
    """The fiscal year of the municipality's first consultation (for the year picker)."""
    first = Consultation.objects.filter(municipality=municipality).aggregate(
        first=Min("occurred_at")
    )["first"]
    return fiscal_year(first.astimezone(TOKYO)) if first is not None else default
