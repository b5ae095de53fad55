"""The committee's dashboard page, under /m/<code>/statistics/dashboard/ (its XLSX pack is a
queued export: tsunagu.reports.dashboard.dashboard_xlsx)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from tsunagu.core.eras import TOKYO, fiscal_year
from tsunagu.reports.dashboard import chart_data, dashboard, last_year_of, year_label
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_STATISTICS, require_permission
from tsunagu.tenancy.requests import StaffRequest


def _last_year(request: StaffRequest) -> int | None:
    return last_year_of(request.GET.get("fiscal_year", ""))


def dashboard_page(request: StaffRequest, code: str) -> HttpResponse:
    member: Membership = request.membership
    require_permission(member, VIEW_STATISTICS)
    current = fiscal_year(timezone.now().astimezone(TOKYO))
    choices = [{"value": y, "label": year_label(y)} for y in range(current, current - 10, -1)]
    last = _last_year(request)
    if last is None:
        context = {"board": None, "choices": choices, "invalid": True}
        return render(request, "reports/dashboard.html", context, status=400)
    board = dashboard(member, last_year=last)
    return render(
        request,
        "reports/dashboard.html",
        {"board": board, "chart": chart_data(board), "choices": choices, "last": last},
    )
