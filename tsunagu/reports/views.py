"""Staff screens of statistics: the page with its chart, its exports, and reporting groups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.consultations.codes import Channel
from tsunagu.core.eras import TOKYO, fiscal_year, fiscal_year_label, fiscal_year_label_western
from tsunagu.policy import can, require
from tsunagu.reports import exports, services
from tsunagu.reports.disclosure import (
    consultation_statistics_for,
    referral_statistics_for,
    sees_exact_figures,
)
from tsunagu.reports.forms import PeriodForm, ReportingGroupForm
from tsunagu.reports.selectors import (
    ConsultationStatistics,
    first_fiscal_year,
    reporting_group_for_manager,
    reporting_group_list,
)
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import MANAGE_REPORTING_GROUPS, VIEW_STATISTICS
from tsunagu.tenancy.requests import StaffRequest


def _this_fiscal_year() -> int:
    return fiscal_year(timezone.now().astimezone(TOKYO))


def _chart_data(stats: ConsultationStatistics) -> dict[str, Any]:
    """Chart.js data; a withheld cell is left out (null) rather than shown as a bar."""
    return {
        "labels": [m.month for m in stats.by_month],
        "datasets": [
            {
                "label": str(label),
                "code": code,
                "data": [m.by_channel[code] for m in stats.by_month],
            }
            for code, label in Channel.choices
        ],
        "yLabel": _("Contacts"),
    }


def _fiscal_year_options(member: Membership, selected: int | None) -> list[dict[str, Any]]:
    current = _this_fiscal_year()
    first = min(first_fiscal_year(municipality=member.municipality, default=current), current)
    years = set(range(first, current + 1))
    if selected is not None:
        years.add(selected)
    return [
        {
            "value": year,
            "label": f"{fiscal_year_label(year)}（{fiscal_year_label_western(year)}）",
            "selected": year == selected,
        }
        for year in sorted(years, reverse=True)
    ]


def _period_query(form: PeriodForm) -> str:
    period = form.period
    if period.fiscal_year is not None:
        return urlencode({"fiscal_year": period.fiscal_year})
    return urlencode({"from": period.start.isoformat(), "to": period.end.isoformat()})


def statistics(request: StaffRequest, code: str) -> HttpResponse:
    member: Membership = request.membership
    require(member, VIEW_STATISTICS)
    form = PeriodForm(request.GET or None, default_fiscal_year=_this_fiscal_year())
    if form.is_bound and not form.is_valid():
        context = {"form": form, "layout": None, "fiscal_years": _fiscal_year_options(member, None)}
        return render(request, "reports/statistics.html", context, status=400)
    period = form.period
    suppressed = not sees_exact_figures(member)
    try:
        stats = consultation_statistics_for(member, start=period.start, end=period.end)
    except ValidationError as exc:
        validation_error_to_form(form, exc)
        context = {"form": form, "layout": None, "fiscal_years": _fiscal_year_options(member, None)}
        return render(request, "reports/statistics.html", context, status=400)
    layout = exports.statistics_layout(
        stats,
        municipality=member.municipality,
        fiscal_year=period.fiscal_year,
        suppressed=suppressed,
        referrals=referral_statistics_for(member, start=period.start, end=period.end),
    )
    query = _period_query(form)
    return render(
        request,
        "reports/statistics.html",
        {
            "form": form,
            "period": period,
            "layout": layout,
            "chart": _chart_data(stats),
            "fiscal_years": _fiscal_year_options(member, period.fiscal_year),
            "query": query,
            "may_manage_groups": can(member, MANAGE_REPORTING_GROUPS),
        },
    )


def reporting_groups(request: StaffRequest, code: str) -> HttpResponse:
    member: Membership = request.membership
    require(member, MANAGE_REPORTING_GROUPS)
    form = ReportingGroupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            group = services.reporting_group_save(
                municipality=member.municipality, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": group.name})
            return redirect("staff:reporting_groups", code=code)
    labels = dict(Channel.choices)
    groups = reporting_group_list(municipality=member.municipality)
    for group in groups:
        group.channel_labels = [str(labels.get(c, c)) for c in group.channels]  # type: ignore[attr-defined]
    return render(request, "reports/reporting_groups.html", {"groups": groups, "form": form})


def reporting_group_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member: Membership = request.membership
    group = reporting_group_for_manager(membership=member, pk=pk)
    initial = {"name": group.name, "channels": group.channels, "position": group.position}
    form = ReportingGroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reporting_group_save(
                municipality=member.municipality, group=group, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": group.name})
            return redirect("staff:reporting_groups", code=code)
    return render(request, "reports/reporting_group_edit.html", {"group": group, "form": form})


@require_POST
def reporting_group_delete(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member: Membership = request.membership
    group = reporting_group_for_manager(membership=member, pk=pk)
    name = group.name
    services.reporting_group_delete(group=group)
    messages.success(request, _("Deleted %(name)s.") % {"name": name})
    return redirect("staff:reporting_groups", code=code)
