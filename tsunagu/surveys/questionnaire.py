"""The printable questionnaire (調査票) of one district in a survey round, as PDF bytes.

What the 民生委員 and 福祉委員 of the district fill in by hand and return: counts by age band
and gender, how long, how many are known to the center, and notes without any name. The
reference number lets staff find the district's answer when they enter it from paper.
"""

from django.utils.translation import gettext as _

from tsunagu.core import pdf
from tsunagu.core.templatetags.wareki import wareki
from tsunagu.surveys.codes import Duration, SurveyAgeBand, SurveyGender
from tsunagu.surveys.models import DistrictAnswer

BLANK = ""


def reference(answer: DistrictAnswer) -> str:
    return f"S{answer.survey_id}-{answer.pk}"


def questionnaire_pdf(answer: DistrictAnswer) -> bytes:
    survey, district = answer.survey, answer.district
    municipality = survey.municipality
    genders = [str(label) for _value, label in SurveyGender.choices]
    counts: list[list[str]] = [
        [_("Age"), *genders, _("Total")],
        *([str(label), *([BLANK] * len(genders)), BLANK] for _v, label in SurveyAgeBand.choices),
        [_("Total"), *([BLANK] * len(genders)), BLANK],
    ]
    durations: list[list[str]] = [
        [_("How long"), _("People")],
        *([str(label), BLANK] for _v, label in Duration.choices),
    ]
    blocks: list[pdf.Block] = [
        pdf.Heading(_("Questionnaire: %(survey)s") % {"survey": survey.name}, size=18),
        pdf.Paragraph(
            _("%(municipality)s, district: %(district)s")
            % {"municipality": municipality.name, "district": district.name},
            size=13,
        ),
    ]
    if district.volunteers:
        blocks.append(
            pdf.Paragraph(_("Covered by: %(names)s") % {"names": district.volunteers}, size=11)
        )
    blocks += [
        pdf.Paragraph(
            _("Survey of %(when)s. Reference number: %(ref)s")
            % {"when": wareki(survey.conducted_on), "ref": reference(answer)},
            size=11,
        ),
        pdf.Space(4),
        pdf.Paragraph(
            _(
                "Please write how many people in your district you think have been withdrawn "
                "at home (ひきこもり) for six months or more. Write numbers only: never a name, "
                "an address or anything else that could identify a person."
            ),
            size=11,
        ),
        pdf.Space(3),
        pdf.Paragraph(_("1. People by age and gender"), size=12),
        pdf.Table(counts, size=10),
        pdf.Space(3),
        pdf.Paragraph(_("2. People by how long they have been withdrawn"), size=12),
        pdf.Table(durations, size=10, widths=(3, 1)),
        pdf.Space(3),
        pdf.Paragraph(
            _("3. Of them, the family is already known to the center: ______ people"), size=12
        ),
        pdf.Space(3),
        pdf.Paragraph(_("4. Notes (what you notice, what would help; no names):"), size=12),
        pdf.Table([[BLANK], [BLANK], [BLANK], [BLANK]], header=False, size=14),
        pdf.Space(4),
        pdf.Paragraph(
            _("Thank you. Please return this sheet to %(municipality)s.")
            % {"municipality": municipality.name},
            size=11,
        ),
    ]
    return pdf.render(
        blocks,
        title=_("Questionnaire: %(survey)s") % {"survey": survey.name},
        author=municipality.name,
    )
