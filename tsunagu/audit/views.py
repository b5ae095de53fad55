"""Audit screens: a case's change history, who saw a person, what a member saw (with CSV)."""

import csv
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from tsunagu.audit import selectors
from tsunagu.audit.access import case_for_history, person_for_access_log
from tsunagu.audit.forms import CaseNumberForm, MemberPeriodForm, PersonNumberForm
from tsunagu.audit.history import change_values
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.selectors import PersonRef
from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.core import eras
from tsunagu.core.spreadsheet import csv_row
from tsunagu.policy import can, flush, record, record_seen, require
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ACCESS_LOG, VIEW_CHANGE_HISTORY
from tsunagu.tenancy.requests import StaffRequest

PAGE_SIZE = 50
# The basis written when an auditor looks at the log itself.
AUDIT_BASIS = "audit"
# A screen that reads the log writes its own look first (`flush`), so the look is part of
# what it shows, as the leak report needs.


# What a logged object is, in the auditor's words ("相談記録 #3496").
OBJECT_TYPES: dict[str, Promise] = {
    "person": _l("person"),
    "case": _l("case"),
    "consultation": _l("consultation record"),
    "consent": _l("consent"),
    "family_member": _l("family member or contact"),
    "referral": _l("referral"),
    "enrolment": _l("enrolment"),
    "membership": _l("staff member"),
    "import_job": _l("consultation import"),
}
# Why it was visible: the basis the policy layer wrote ("consent:12" names the consent).
BASES: dict[str, Promise] = {
    "assignment": _l("assigned"),
    "shared": _l("shared case"),
    "role": _l("role"),
    "intake": _l("intake"),
    "consent": _l("consent"),
    "meeting": _l("case conference"),
    "case": _l("the case"),
    "person": _l("the person"),
    "attendance": _l("attendance"),
    "booking": _l("booking"),
    "uploader": _l("uploader"),
    "dispatch": _l("dispatch"),
    AUDIT_BASIS: _l("audit"),
    "none": _l("no basis"),
}
CHANNELS: dict[str, Promise] = {"web": _l("screen"), "api": _l("API"), "cli": _l("command")}


@dataclass(frozen=True)
class EntryRow:
    entry: AccessLogEntry
    member: str
    role: str
    channel: str
    objects: list[tuple[str, str]]  # (object, basis) in words, for the screen
    codes: list[str]  # "person:45 No.12 (role)": the log's own ids, for the CSV


def _basis_label(basis: str) -> str:
    name, _sep, ref = basis.partition(":")
    label = str(BASES.get(name, name))
    return f"{label} #{ref}" if ref else label


def _object_label(
    o: dict[str, Any], persons: dict[tuple[str, int], PersonRef], members: dict[int, str]
) -> str:
    """ "相談記録 #3496（山田 太郎）": what it is, its number, and whose (name, else number)."""
    kind, pk = o["type"], int(o["id"])
    label = str(OBJECT_TYPES.get(kind, kind))
    person = persons.get((kind, pk))
    if kind == "person" and person is not None:
        label = f"{label} No.{person.number}"
        return f"{label}（{person.name}）" if person.name else label
    label = f"{label} #{pk}"
    if person is not None:
        return f"{label}（{person.name or f'No.{person.number}'}）"
    if kind == "membership" and pk in members:
        return f"{label}（{members[pk]}）"
    return label


def _object_code(o: dict[str, Any], persons: dict[tuple[str, int], PersonRef]) -> str:
    label = f"{o['type']}:{o['id']}"
    person = persons.get((o["type"], int(o["id"])))
    if o["type"] == "person" and person is not None:
        label += f" No.{person.number}"
    return f"{label} ({o['basis']})"


def _rows(member: Membership, entries: list[AccessLogEntry], action: str) -> list[EntryRow]:
    """The entries as an auditor reads them; names of persons only for one who may see them.

    Names shown are themselves a read, recorded on the audit basis with the page's `action`.
    """
    keys = {(o["type"], int(o["id"])) for e in entries for o in e.objects_seen}
    persons = selectors.persons_of_objects(viewer=member, objects=keys)
    seen = {Seen("person", p.pk, AUDIT_BASIS) for p in persons.values() if p.name is not None}
    if seen:
        record_seen(member, sorted(seen, key=lambda s: s.id), action=action)
    members = selectors.member_names(municipality=member.municipality)
    roles = dict(Role.choices)
    return [
        EntryRow(
            entry=e,
            member=members.get(e.membership_id_at_time or 0, e.username),
            role=str(roles.get(e.role, e.role)),
            channel=str(CHANNELS.get(e.channel, e.channel)),
            objects=[
                (_object_label(o, persons, members), _basis_label(o["basis"]))
                for o in e.objects_seen
            ],
            codes=[_object_code(o, persons) for o in e.objects_seen],
        )
        for e in entries
    ]


def _csv(filename: str, member: Membership, entries: QuerySet[AccessLogEntry]) -> HttpResponse:
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
        for row in _rows(member, chunk, AccessAction.EXPORT):
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
                        "; ".join(row.codes),
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


def audit_index(request: StaffRequest, code: str) -> HttpResponse:
    """The way in: find a person's accesses by number, a case's history by number."""
    member = request.membership
    require(member, VIEW_ACCESS_LOG)
    person_form = PersonNumberForm(request.GET if "number" in request.GET else None)
    case_form = CaseNumberForm(request.GET if "case" in request.GET else None)
    if person_form.is_bound and person_form.is_valid():
        person_id = selectors.person_id_by_number(
            municipality=member.municipality, number=person_form.cleaned_data["number"]
        )
        if person_id is not None:
            return redirect("staff:access_person", code=code, pk=person_id)
        person_form.add_error("number", _("No person has this number."))
    may_see_history = can(member, VIEW_CHANGE_HISTORY)
    if may_see_history and case_form.is_bound and case_form.is_valid():
        case_id = case_form.cleaned_data["case"]
        if selectors.case_exists(municipality=member.municipality, case_id=case_id):
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


def case_history(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    case = case_for_history(membership=member, pk=pk)
    entries = selectors.case_history(municipality=member.municipality, case_id=case.pk)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    # The case on the basis the lead sees it by (the history names its person).
    record(member, Case, [case.pk], action=AccessAction.VIEW)
    names = {
        "tenancy.Membership": selectors.member_names(municipality=member.municipality),
        "people.Person": {case.person_id: f"No.{case.person.number}"},
    }
    rows = []
    for e in page.object_list:
        model = e.content_type.model_class()
        rows.append(
            {
                "entry": e,
                "model": model._meta.verbose_name if model else e.content_type.model,
                "changes": change_values(e, names),
            }
        )
    return render(request, "audit/case_history.html", {"case": case, "page": page, "rows": rows})


def access_person(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_access_log(membership=member, pk=pk)
    record_seen(member, [Seen("person", person.pk, AUDIT_BASIS)], action=AccessAction.VIEW)
    flush()
    entries = selectors.access_entries_seeing(
        municipality=member.municipality, objects=selectors.person_objects(person_id=person.pk)
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/access_person.html",
        {"person": person, "page": page, "rows": _rows(member, list(page), AccessAction.VIEW)},
    )


def access_person_csv(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_access_log(membership=member, pk=pk)
    record_seen(member, [Seen("person", person.pk, AUDIT_BASIS)], action=AccessAction.EXPORT)
    flush()
    entries = selectors.access_entries_seeing(
        municipality=member.municipality, objects=selectors.person_objects(person_id=person.pk)
    )
    return _csv(f"access-person-{person.number}.csv", member, entries)


def _member_period(
    request: StaffRequest,
) -> tuple[MemberPeriodForm, tuple[datetime, datetime] | None]:
    """The member-and-period form, and the period's bounds once the form is valid."""
    member = request.membership
    form = MemberPeriodForm(
        request.GET if "member" in request.GET else None, municipality=member.municipality
    )
    if not form.is_bound or not form.is_valid():
        return form, None
    return form, eras.date_range_bounds(form.cleaned_data["start"], form.cleaned_data["end"])


def _filtered_entries(
    request: StaffRequest, form: MemberPeriodForm, period: tuple[datetime, datetime], action: str
) -> QuerySet[AccessLogEntry]:
    """The log's entries the filters choose; choosing a member is itself a logged search."""
    member = request.membership
    target = form.cleaned_data["member"]
    if target is not None:
        record_seen(member, [Seen("membership", target.pk, AUDIT_BASIS)], action=action)
    flush()
    start, end = period
    return selectors.access_entries_by_member(
        municipality=member.municipality,
        member=target,
        start=start,
        end=end,
        action=form.cleaned_data["action"],
    )


def access_user(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_ACCESS_LOG)
    form, period = _member_period(request)
    if period is None:
        return render(request, "audit/access_user.html", {"form": form, "page": None})
    entries = _filtered_entries(request, form, period, AccessAction.SEARCH)
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/access_user.html",
        {
            "form": form,
            "target": form.cleaned_data["member"],
            "page": page,
            "rows": _rows(member, list(page), AccessAction.SEARCH),
            "query": query.urlencode(),
        },
    )


def access_user_csv(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_ACCESS_LOG)
    form, period = _member_period(request)
    if period is None:
        return redirect("staff:access_user", code=code)
    entries = _filtered_entries(request, form, period, AccessAction.EXPORT)
    target = form.cleaned_data["member"]
    filename = "access-{user}-{start}-{end}.csv".format(
        user=re.sub(r"[^A-Za-z0-9._-]", "_", target.user.username) if target else "all",
        start=form.cleaned_data["start"].isoformat(),
        end=form.cleaned_data["end"].isoformat(),
    )
    return _csv(filename, member, entries)
