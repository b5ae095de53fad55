"""The import template: a workbook with the header row, an example row in 和暦, and the codes.

Offered on the import screen so a center moving from Excel starts from a file the import
accepts as it is (the example row imports cleanly; a test holds it to that).
"""

from collections.abc import Mapping

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from tsunagu.consultations import importer
from tsunagu.consultations.codes import CHANNEL_LABELS_JA, CONSULTER_LABELS_JA
from tsunagu.core.downloads import XLSX
from tsunagu.core.spreadsheet import SheetSpec, xlsx_bytes
from tsunagu.tenancy.policy import IMPORT_CONSULTATIONS, require_permission
from tsunagu.tenancy.requests import StaffRequest

FILENAME = "tsunagu-import-template.xlsx"

# One row a counselor recognises: a mother's phone call, dated the way offices write dates.
EXAMPLE = {
    importer.COL_WHEN: "R7.4.1 14:30",
    importer.COL_CHANNEL: "電話",
    importer.COL_CONSULTER: "家族",
    importer.COL_RELATION: "母",
    importer.COL_PERSON: "",
    importer.COL_STAFF: "",
    importer.COL_SUMMARY: "息子が半年ほど外出していないとの相談",
}


def import_template_workbook() -> bytes:
    tables: list[tuple[str, Mapping[str, str]]] = [
        (importer.COL_CHANNEL, CHANNEL_LABELS_JA),
        (importer.COL_CONSULTER, CONSULTER_LABELS_JA),
        (importer.COL_RELATION, importer.RELATION_LABELS_JA),
    ]
    codes: list[list[str]] = [["列", "書き方", "コード"]]
    codes += [
        [column, label, str(code)] for column, labels in tables for label, code in labels.items()
    ]
    return xlsx_bytes(
        [
            SheetSpec("相談記録", [list(importer.COLUMNS), [EXAMPLE[c] for c in importer.COLUMNS]]),
            SheetSpec("記入できる値", codes, landscape=False),
        ]
    )


@require_GET
def consultation_import_template(request: StaffRequest, code: str) -> HttpResponse:
    require_permission(request.membership, IMPORT_CONSULTATIONS)
    response = HttpResponse(
        import_template_workbook(),
        content_type=XLSX,
    )
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    return response
