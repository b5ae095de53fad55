"""Minutes of a network meeting as a PDF, with the Japanese font embedded (tsunagu.core.pdf)."""

from collections.abc import Iterable
from datetime import date

from django.utils.translation import gettext as _

from tsunagu.core import pdf
from tsunagu.core.eras import EraDateError, format_wareki
from tsunagu.network import selectors
from tsunagu.network.models import ActionItem, Meeting


def _day(day: date) -> str:
    try:
        return f"{format_wareki(day)}（{day.isoformat()}）"
    except EraDateError:
        return day.isoformat()


def minutes_pdf(meeting: Meeting) -> bytes:
    """The record a member may already read on the meeting's page, on A4 paper."""
    blocks: list[pdf.Block] = [
        pdf.Heading(_("Minutes: %(title)s") % {"title": meeting.title}, size=16),
        pdf.Paragraph(
            " / ".join(
                part
                for part in (
                    str(meeting.get_kind_display()),
                    meeting.body.name if meeting.body else "",
                    _day(meeting.held_on),
                    meeting.place,
                )
                if part
            ),
            align="C",
        ),
        pdf.Space(4),
    ]
    present = [a.organization.name for a in meeting.attendance.select_related("organization")]
    if present:
        blocks.append(pdf.Paragraph(_("Present: %(names)s") % {"names": "、".join(present)}))
    for caption, text in (
        (_("Agenda"), meeting.agenda),
        (_("Minutes of the meeting"), meeting.minutes),
        (_("Decisions"), meeting.decisions),
    ):
        blocks += [pdf.Paragraph(caption, size=13), pdf.Paragraph(text or "—"), pdf.Space(3)]
    header = [_("Action item"), _("Owner"), _("Due on"), _("Done")]

    def item_rows(items: Iterable[ActionItem]) -> list[list[str]]:
        return [
            [
                item.what,
                str(item.owner.user),
                item.due_on.isoformat(),
                item.done_at.date().isoformat() if item.done_at else "",
            ]
            for item in items
        ]

    carried = item_rows(selectors.carried_action_items(meeting))
    if carried:
        blocks += [
            pdf.Paragraph(_("Open action items from earlier meetings"), size=13),
            pdf.Table([header, *carried], widths=(80, 40, 30, 20)),
        ]
    decided = item_rows(meeting.action_items.select_related("owner__user"))
    if decided:
        blocks += [
            pdf.Paragraph(_("Action items"), size=13),
            pdf.Table([header, *decided], widths=(80, 40, 30, 20)),
        ]
    return pdf.render(blocks, title=meeting.title, author=meeting.municipality.name)
