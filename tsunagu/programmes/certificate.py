"""The completion certificate (修了証) of an enrolment, as PDF bytes (tsunagu.core.pdf)."""

from django.utils.translation import gettext as _

from tsunagu.core import pdf
from tsunagu.core.templatetags.wareki import wareki
from tsunagu.programmes.models import Enrolment


def certificate_pdf(enrolment: Enrolment, *, attended: int) -> bytes:
    """Only for a completed enrolment: its name, the programme and the day it was completed."""
    if enrolment.completed_on is None:
        raise ValueError("not completed")
    programme = enrolment.programme
    municipality = programme.municipality
    total = programme.meetings.count()
    return pdf.render(
        [
            pdf.Space(25),
            pdf.Heading(_("Certificate of completion"), size=32),
            pdf.Space(15),
            pdf.Paragraph(_("%(name)s 殿") % {"name": enrolment.display_name}, size=20, align="C"),
            pdf.Space(15),
            pdf.Paragraph(
                _(
                    "This certifies that you attended %(attended)s of the %(total)s sessions of "
                    "“%(programme)s” held by %(municipality)s and completed the course."
                )
                % {
                    "attended": attended,
                    "total": total,
                    "programme": programme.name,
                    "municipality": municipality.name,
                },
                size=14,
            ),
            pdf.Space(20),
            pdf.Paragraph(wareki(enrolment.completed_on), size=14, align="R"),
            pdf.Paragraph(municipality.name, size=16, align="R"),
        ],
        title=_("Certificate of completion"),
        author=municipality.name,
    )
