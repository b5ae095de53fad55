"""Audit screens: a case's change history, who saw a person, what a member saw (with CSV)."""

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit import selectors
from tsunagu.audit.access import case_for_history, person_for_access_log
from tsunagu.audit.forms import CaseNumberForm, MemberPeriodForm, PersonNumberForm
from tsunagu.audit.history import change_values
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.services import Seen, access_record
from tsunagu.cases.models import Case
from tsunagu.cases.policy import case_basis
from tsunagu.core import eras
from tsunagu.core.spreadsheet import csv_row
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    VIEW_ACCESS_LOG,
    VIEW_CHANGE_HISTORY,
    has_permission,
    require_permission,
)

PAGE_SIZE = 100
# The basis written when an auditor looks at the log itself.
AUDIT_BASIS = "audit"


@dataclass(frozen=True)
class EntryRow:
    entry: AccessLogEntry
    objects: list[str]


def _person_numbers(municipality_id: int, entries: Iterable[AccessLogEntry]) -> dict[int, int]:
    ids = {o["id"] for e in entries for o in e.objects_seen if o["type"] == "person"}
    if not ids:
        return {}
    return dict(
        Person.objects.filter(municipality_id=municipality_id, pk__in=ids).values_list(
            "pk", "number"
        )
    )


def _object_label(o: dict[str, Any], numbers: dict[int, int]) -> str:
    """ "person:45 No.12 (role)": the id the log holds, the number staff know, and the basis."""
    label = f"{o['type']}:{o['id']}"
    if o["type"] == "person" and o["id"] in numbers:
        label += f" No.{numbers[o['id']]}"
    return f"{label} ({o['basis']})"


def _rows(municipality_id: int, entries: list[AccessLogEntry]) -> list[EntryRow]:
    numbers = _person_numbers(municipality_id, entries)
    return [EntryRow(e, [_object_label(o, numbers) for o in e.objects_seen]) for e in entries]


def _csv(filename: str, municipality_id: int, entries: QuerySet[AccessLogEntry]) -> HttpResponse:
    """A leak report's attachment: utf-8-sig so Excel reads Japanese, ISO times for machines."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(
        csv_row(
            [
                _("Entry"),
                _("When"),
                _("User"),
                _("Role"),
                _("Action"),
                _("Through"),
                _("Objects"),
                _("Page"),
                _("IP address"),
                _("Hash"),
            ]
        )
    )
    chunk: list[AccessLogEntry] = []

    def flush() -> None:
        for row in _rows(municipality_id, chunk):
            e = row.entry
            writer.writerow(
                csv_row(
                    [
                        e.seq,
                        timezone.localtime(e.at).isoformat(timespec="seconds"),
                        e.username,
                        e.role,
                        e.action,
                        e.channel,
                        "; ".join(row.objects),
                        e.path,
                        e.ip or "",
                        e.hash,
                    ]
                )
            )
        chunk.clear()

    for entry in entries.iterator(chunk_size=1000):
        chunk.append(entry)
        if len(chunk) >= 1000:
            flush()
    flush()
    return response


def audit_index(request: HttpRequest, code: str) -> HttpResponse:
    """The way in: find a person's accesses by number, a case's history by number."""
    member = request.membership  # type: ignore[attr-defined]
    require_permission(member, VIEW_ACCESS_LOG)
    person_form = PersonNumberForm(request.GET if "number" in request.GET else None)
    case_form = CaseNumberForm(request.GET if "case" in request.GET else None)
    if person_form.is_bound and person_form.is_valid():
        person = Person.objects.filter(
            municipality=member.municipality, number=person_form.cleaned_data["number"]
        ).first()
        if person is not None:
            return redirect("staff:access_person", code=code, pk=person.pk)
        person_form.add_error("number", _("No person has this number."))
    may_see_history = has_permission(member, VIEW_CHANGE_HISTORY)
    if may_see_history and case_form.is_bound and case_form.is_valid():
        case_id = case_form.cleaned_data["case"]
        if Case.objects.filter(municipality=member.municipality, pk=case_id).exists():
            return redirect("staff:case_history", code=code, pk=case_id)
        case_form.add_error("case", _("No case has this number."))
    return render(
        request,
        "audit/index.html",
        {
            "person_form": person_form,
            "case_form": case_form if may_see_history else None,
            "member_form": MemberPeriodForm(municipality=member.municipality),
        },
    )


def case_history(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    case = case_for_history(membership=member, pk=pk)
    entries = selectors.case_history(municipality=member.municipality, case_id=case.pk)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    access_record(
        membership=member,
        action=AccessAction.VIEW,
        seen=[Seen("case", case.pk, case_basis(member, case))],
        request=request,
    )
    usernames = dict(
        Membership.objects.filter(municipality=member.municipality).values_list(
            "pk", "user__username"
        )
    )
    rows = []
    for e in page.object_list:
        model = e.content_type.model_class()
        rows.append(
            {
                "entry": e,
                "model": model._meta.verbose_name if model else e.content_type.model,
                "changes": change_values(e, usernames),
            }
        )
    return render(request, "audit/case_history.html", {"case": case, "page": page, "rows": rows})


def access_person(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    person = person_for_access_log(membership=member, pk=pk)
    access_record(
        membership=member,
        action=AccessAction.VIEW,
        seen=[Seen("person", person.pk, AUDIT_BASIS)],
        request=request,
    )
    entries = selectors.access_entries_seeing(
        municipality=member.municipality, objects=selectors.person_objects(person_id=person.pk)
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/access_person.html",
        {"person": person, "page": page, "rows": _rows(member.municipality_id, list(page))},
    )


def access_person_csv(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    person = person_for_access_log(membership=member, pk=pk)
    access_record(
        membership=member,
        action=AccessAction.EXPORT,
        seen=[Seen("person", person.pk, AUDIT_BASIS)],
        request=request,
    )
    entries = selectors.access_entries_seeing(
        municipality=member.municipality, objects=selectors.person_objects(person_id=person.pk)
    )
    return _csv(f"access-person-{person.number}.csv", member.municipality_id, entries)


def _member_period(
    request: HttpRequest,
) -> tuple[MemberPeriodForm, tuple[datetime, datetime] | None]:
    """The member-and-period form, and the period's bounds once the form is valid."""
    member = request.membership  # type: ignore[attr-defined]
    form = MemberPeriodForm(
        request.GET if "member" in request.GET else None, municipality=member.municipality
    )
    if not form.is_bound or not form.is_valid():
        return form, None
    return form, eras.date_range_bounds(form.cleaned_data["start"], form.cleaned_data["end"])


def access_user(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    require_permission(member, VIEW_ACCESS_LOG)
    form, period = _member_period(request)
    if period is None:
        return render(request, "audit/access_user.html", {"form": form, "page": None})
    start, end = period
    target = form.cleaned_data["member"]
    access_record(
        membership=member,
        action=AccessAction.SEARCH,
        seen=[Seen("membership", target.pk, AUDIT_BASIS)],
        request=request,
    )
    entries = selectors.access_entries_by_member(
        municipality=member.municipality, member=target, start=start, end=end
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/access_user.html",
        {
            "form": form,
            "target": target,
            "page": page,
            "rows": _rows(member.municipality_id, list(page)),
            "query": query.urlencode(),
        },
    )


def access_user_csv(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    require_permission(member, VIEW_ACCESS_LOG)
    form, period = _member_period(request)
    if period is None:
        return redirect("staff:access_user", code=code)
    start, end = period
    target = form.cleaned_data["member"]
    access_record(
        membership=member,
        action=AccessAction.EXPORT,
        seen=[Seen("membership", target.pk, AUDIT_BASIS)],
        request=request,
    )
    entries = selectors.access_entries_by_member(
        municipality=member.municipality, member=target, start=start, end=end
    )
    filename = "access-{user}-{start}-{end}.csv".format(
        user=re.sub(r"[^A-Za-z0-9._-]", "_", target.user.username),
        start=form.cleaned_data["start"].isoformat(),
        end=form.cleaned_data["end"].isoformat(),
    )
    return _csv(filename, member.municipality_id, entries)
