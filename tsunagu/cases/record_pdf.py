"""ケース記録票: a case record on A4 paper, with the person, family, stages, plan and the
consultations of a period, dates in 和暦, printed with the embedded Japanese font.

The paper leaves the system, so it is an export in the access log (the case, the person and
every consultation printed), and it carries only what the reader may see on the case page.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.models import AccessAction
from tsunagu.cases.access import case_for_viewer
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core import eras, pdf
from tsunagu.core.downloads import PDF, ExportFile, Progress
from tsunagu.people.models import Person
from tsunagu.policy import record, shown, visible
from tsunagu.tenancy.models import Membership


class PeriodError(ValueError):
    """A period the reader typed that cannot be read; the message is for the user."""


def _day(value: date | None) -> str:
    return eras.format_wareki(value) if value else "—"


def _moment(value: object) -> str:
    local = timezone.localtime(value)  # type: ignore[arg-type]
    return f"{eras.format_wareki(local.date())} {local:%H:%M}"


def _member_name(member: Membership | None) -> str:
    if member is None:
        return "—"
    return str(member.user)  # the display name, as on every screen


def period_of(raw_from: str | None, raw_to: str | None) -> tuple[date | None, date | None]:
    """The period asked for (either end may be open); 和暦 and Western notations are read."""
    try:
        start = eras.parse_date(raw_from) if raw_from else None
        end = eras.parse_date(raw_to) if raw_to else None
    except eras.EraDateError as exc:
        raise PeriodError(str(exc)) from None
    if start and end and end < start:
        raise PeriodError(_("The end of the period is before its start."))
    return start, end


def case_record(
    *, viewer: Membership, case: Case, start: date | None = None, end: date | None = None
) -> bytes:
    """The PDF of one case, as `viewer` may see it; consultations limited to the period."""
    person: Person = case.person
    consultations = list(
        visible(viewer, Consultation)
        .filter(Q(case=case) | Q(case__isnull=True, person_id=case.person_id))
        .filter(deleted_at__isnull=True)
        .select_related("staff__user")
        .order_by("occurred_at", "pk")
    )
    if start or end:
        first, last = eras.date_range_bounds(
            start or eras.EARLIEST_SUPPORTED_DATE, end or eras.LATEST_SUPPORTED_DATE
        )
        consultations = [c for c in consultations if first <= c.occurred_at < last]
    shown(viewer, Consultation, consultations, action=AccessAction.EXPORT)
    record(viewer, Person, [person.pk], action=AccessAction.EXPORT)

    today = timezone.localdate()
    blocks: list[pdf.Block] = [
        pdf.Heading(_("Case record")),
        pdf.Paragraph(
            _("%(municipality)s · case No. %(case)s · printed %(today)s")
            % {
                "municipality": viewer.municipality.name,
                "case": case.pk,
                "today": eras.format_wareki(today),
            },
            size=9,
            align="R",
        ),
        pdf.Space(4),
        pdf.Paragraph(_("The person"), size=13),
        pdf.Table(
            [
                [_("Name"), person.name or _("(not known yet)")],
                [_("Name (kana)"), person.name_kana or "—"],
                [_("Person number"), str(person.number)],
                [_("Date of birth"), _day(person.birth_date)],
                [_("Gender"), str(person.get_gender_display())],
                [_("District"), person.district or "—"],
            ],
            header=False,
            widths=(1, 3),
        ),
    ]
    family = list(person.family_members.all())
    if family:
        blocks += [
            pdf.Paragraph(_("Family"), size=13),
            pdf.Table(
                [[_("Name"), _("Relation")]]
                + [[f.name or "—", str(f.get_relation_display())] for f in family],
                widths=(3, 1),
            ),
        ]
    assignments = list(case.assignments.select_related("membership__user"))
    blocks += [
        pdf.Paragraph(_("The case"), size=13),
        pdf.Table(
            [
                [_("Opened on"), _day(case.opened_on)],
                [_("Stage"), str(case.get_stage_display())],
                [_("Closed on"), _day(case.closed_on)],
                [
                    _("Staff in charge"),
                    "、".join(
                        _member_name(a.membership) + (_(" (main)") if a.is_primary else "")
                        for a in assignments
                    )
                    or "—",
                ],
                [_("Goal"), case.goal or "—"],
            ],
            header=False,
            widths=(1, 3),
        ),
    ]
    transitions = list(case.transitions.select_related("by__user").order_by("at", "pk"))
    if transitions:
        blocks += [
            pdf.Paragraph(_("Stage history"), size=13),
            pdf.Table(
                [[_("When"), _("From"), _("To"), _("By")]]
                + [
                    [
                        _moment(t.at),
                        str(t.get_from_stage_display()) if t.from_stage else "—",
                        str(t.get_to_stage_display()),
                        _member_name(t.by),
                    ]
                    for t in transitions
                ],
                widths=(2, 2, 2, 2),
            ),
        ]
    items = list(case.plan_items.order_by("pk"))
    if items:
        blocks += [
            pdf.Paragraph(_("Support plan"), size=13),
            pdf.Table(
                [[_("What"), _("Who"), _("By when"), _("Done on")]]
                + [[i.what or "—", i.who or "—", _day(i.due_on), _day(i.done_on)] for i in items],
                widths=(4, 2, 2, 2),
            ),
        ]
    period = (
        _("from %(start)s to %(end)s") % {"start": _day(start), "end": _day(end)}
        if start or end
        else _("all")
    )
    blocks.append(pdf.Paragraph(_("Consultations (%(period)s)") % {"period": period}, size=13))
    if consultations:
        blocks.append(
            pdf.Table(
                [[_("When"), _("Channel"), _("Consulter"), _("Staff"), _("Summary")]]
                + [
                    [
                        _moment(c.occurred_at),
                        str(c.get_channel_display()),
                        str(c.get_consulter_display()),
                        _member_name(c.staff),
                        c.summary or "",
                    ]
                    for c in consultations
                ],
                size=9,
                widths=(3, 2, 2, 2, 7),
            )
        )
    else:
        blocks.append(pdf.Paragraph(_("No consultation in this period.")))
    return pdf.render(blocks, title=_("Case record"), author=viewer.municipality.name)


def check_case_record(member: Membership, query: QueryDict) -> dict[str, Any]:
    """A case the member sees, and the period typed (export_jobs.Check)."""
    case = case_for_viewer(membership=member, pk=int(query.get("pk") or 0))
    try:
        start, end = period_of(query.get("from"), query.get("to"))
    except PeriodError as exc:
        raise ValidationError(str(exc)) from None
    return {
        "case": case.pk,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }


def case_record_export(
    viewer: Membership, params: dict[str, Any], progress: Progress
) -> ExportFile:
    """The case record as the queued export makes it, for the member who asked."""
    case = case_for_viewer(membership=viewer, pk=int(params["case"]), action=AccessAction.EXPORT)
    start = date.fromisoformat(params["from"]) if params.get("from") else None
    end = date.fromisoformat(params["to"]) if params.get("to") else None
    body = case_record(viewer=viewer, case=case, start=start, end=end)
    return ExportFile(body, PDF, f"case-{case.pk}.pdf", f"{_('Case record')}_{case.pk}.pdf")
