"""A survey round's table by district as XLSX, made by the job queue
(tsunagu.reports.export_jobs). Counts only, no personal data."""

from __future__ import annotations

from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _

from tsunagu.core.downloads import XLSX, ExportFile, Progress
from tsunagu.core.spreadsheet import SheetSpec, xlsx_bytes
from tsunagu.policy import one
from tsunagu.surveys import selectors
from tsunagu.surveys.models import Survey
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_SURVEYS


def check_survey(member: Membership, query: QueryDict) -> dict[str, Any]:
    """A round the member sees (export_jobs.Check)."""
    survey = one(member, Survey, int(query.get("pk") or 0), permission=VIEW_SURVEYS)
    return {"pk": survey.pk}


def survey_xlsx(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    survey = one(viewer, Survey, int(params["pk"]), permission=VIEW_SURVEYS)
    answers = selectors.answers_of(survey)
    rows: list[list[Any]] = [
        [survey.name, survey.conducted_on],
        [
            _("District"),
            _("People"),
            _("Of them known to the center"),
            _("Answered on"),
            _("Reminded on"),
        ],
        *(
            [a.district.name, a.total, a.known_to_center, a.answered_on, a.reminded_on]
            for a in answers
        ),
        [_("Total"), sum(a.total for a in answers), sum(a.known_to_center for a in answers)],
    ]
    sheet = SheetSpec(_("By district"), rows, header_row=2, bold_rows=(1,))
    return ExportFile(xlsx_bytes([sheet]), XLSX, f"survey-{survey.pk}.xlsx")
