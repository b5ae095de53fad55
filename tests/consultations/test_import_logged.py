"""An import is seen and written under record: its preview is access-logged, and the saved job
leaves one change-history entry naming the job and its row count (not one per row)."""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogEntry, ChangeRecord
from tsunagu.consultations.models import ImportedFile

from .test_import_screen import confirm, jobs, upload


def _last() -> AccessLogEntry:
    with scopes_disabled():
        entry = AccessLogEntry.objects.order_by("seq").last()
    assert entry is not None
    return entry


def test_the_preview_of_an_import_is_logged(personas: Personas) -> None:
    upload(personas)
    [job] = jobs(personas)
    page = personas.client("lead").get(personas.url(f"consultations/import/{job.pk}/"))
    assert "母から電話" in page.content.decode()
    entry = _last()
    assert (entry.action, entry.username) == ("view", "toyoake-lead")
    assert entry.objects_seen == [{"type": "import_job", "id": job.pk, "basis": "uploader"}]


def test_a_saved_import_has_one_change_history_entry_with_its_job_and_row_count(
    personas: Personas,
) -> None:
    upload(personas)
    [job] = jobs(personas)
    confirm(personas, job)
    job.refresh_from_db()
    assert job.status == "done" and job.imported == 2
    with scopes_disabled():
        imported = ImportedFile.objects.get()
        [entry] = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(ImportedFile)
        )
        record = ChangeRecord.objects.get(log_entry=entry)
        consultation_entries = LogEntry.objects.filter(
            content_type__model="consultation", action=LogEntry.Action.CREATE
        ).count()
    assert entry.object_pk == str(imported.pk)
    assert entry.changes["import_job"][1] == str(job.pk)
    assert entry.changes["rows"][1] == "2"
    assert f"import job #{job.pk}" in entry.object_repr and "2" in entry.object_repr
    assert entry.actor == personas.members["lead"].user
    assert record.municipality_id == personas.municipality.pk
    # bulk_create sends no signals: the job's entry is the history of its rows.
    assert consultation_entries == 0
