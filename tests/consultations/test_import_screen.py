from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.consultations import importer
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.core.jobs import run_queued_jobs

from .conftest import HEADER

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

GOOD = "\n".join(
    [
        HEADER,
        "2018-04-02 14:30,電話,家族,母,,toyoake-counselor,母から電話",
        "R1.5.1,来所,本人,,,,",
        "",
    ]
)


def upload(
    personas: Personas, text: str = GOOD, role: str = "lead", name: str = "calls.csv"
) -> "_MonkeyPatchedWSGIResponse":
    """Upload a file, then let a worker run the queued check, as `tsunagu worker` would."""
    file = SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")
    response = personas.client(role).post(personas.url("consultations/import/"), {"file": file})
    run_queued_jobs()
    return response


def confirm(personas: Personas, job: ImportJob, role: str = "lead") -> "_MonkeyPatchedWSGIResponse":
    response = personas.client(role).post(personas.url(f"consultations/import/{job.pk}/confirm/"))
    run_queued_jobs()
    return response


def jobs(personas: Personas) -> list[ImportJob]:
    with scope(municipality=personas.municipality):
        return list(ImportJob.objects.all())


def count(personas: Personas) -> int:
    with scope(municipality=personas.municipality):
        return Consultation.objects.count()


def imports_dir(settings: SettingsWrapper) -> Path:
    data_dir: Path = settings.DATA_DIR
    return data_dir / "imports"


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_importers_see_the_upload_form(personas: Personas, role: str) -> None:
    response = personas.client(role).get(personas.url("consultations/import/"))
    assert response.status_code == 200
    assert 'type="file"' in response.content.decode()


@pytest.mark.parametrize(
    "role", ["counselor", "professional", "committee", "place_staff", "partner"]
)
def test_other_roles_may_not_import(personas: Personas, role: str) -> None:
    assert personas.client(role).get(personas.url("consultations/import/")).status_code == 403
    assert upload(personas, role=role).status_code == 403
    assert jobs(personas) == []


def test_another_municipality_answers_404(personas: Personas) -> None:
    url = personas.url("consultations/import/", outsider=True)
    assert personas.client("lead").get(url).status_code == 404


def test_an_upload_is_checked_and_previewed_without_saving(
    personas: Personas, settings: SettingsWrapper
) -> None:
    response = upload(personas)
    [job] = jobs(personas)
    assert response.status_code == 302
    assert response["Location"] == personas.url(f"consultations/import/{job.pk}/")
    assert job.status == "checked"
    assert job.rows_total == 2
    assert job.uploaded_by == personas.members["lead"]
    assert count(personas) == 0
    assert (imports_dir(settings) / job.stored_name).exists()
    page = personas.client("lead").get(response["Location"]).content.decode()
    assert 'id="import-preview"' in page
    assert 'data-channel="phone"' in page and 'data-consulter="family"' in page
    assert "母から電話" in page
    assert 'data-iso="2018-04-02T14:30:00+09:00"' in page
    assert 'id="import-confirm"' in page


def test_confirming_imports_every_row_and_deletes_the_file(
    personas: Personas, settings: SettingsWrapper
) -> None:
    upload(personas)
    [job] = jobs(personas)
    client = personas.client("lead")
    response = confirm(personas, job)
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "done"
    assert job.imported == 2
    assert count(personas) == 2
    with scope(municipality=personas.municipality):
        assert {c.recorded_by for c in Consultation.objects.all()} == {personas.members["lead"]}
    assert not (imports_dir(settings) / job.stored_name).exists()
    page = client.get(personas.url(f"consultations/import/{job.pk}/")).content.decode()
    assert 'id="import-done"' in page


def test_confirming_twice_imports_once(personas: Personas) -> None:
    upload(personas)
    [job] = jobs(personas)
    confirm(personas, job)
    confirm(personas, job)
    assert count(personas) == 2


def test_a_file_with_errors_lists_them_all_and_cannot_be_confirmed(
    personas: Personas, settings: SettingsWrapper
) -> None:
    rows = ["2018-04-02,電話,本人,,,,", "2018-13-01,電話,本人,,,,", "2018-04-04,FAX,本人,,,,"]
    text = "\n".join([HEADER, *rows, ""])
    upload(personas, text)
    [job] = jobs(personas)
    assert job.status == "invalid"
    assert [e["line"] for e in job.errors] == [3, 4]
    assert not (imports_dir(settings) / job.stored_name).exists()
    client = personas.client("lead")
    page = client.get(personas.url(f"consultations/import/{job.pk}/")).content.decode()
    assert 'data-line="3"' in page and 'data-line="4"' in page
    assert 'id="import-confirm"' not in page
    confirm(personas, job)
    assert count(personas) == 0


def test_missing_columns_are_one_error(personas: Personas) -> None:
    upload(personas, "日時,相談者\n2018-04-02,本人\n")
    [job] = jobs(personas)
    assert job.status == "invalid"
    assert len(job.errors) == 1
    assert "相談方法" in job.errors[0]["message"]


def test_an_xlsx_upload_is_previewed(personas: Personas, tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    assert workbook.active is not None
    workbook.active.append(HEADER.split(","))
    workbook.active.append([datetime(2018, 4, 2, 9, 0), "訪問", "本人", None, None, None, "訪問"])
    path = tmp_path / "calls.xlsx"
    workbook.save(path)
    file = SimpleUploadedFile("calls.xlsx", path.read_bytes())
    personas.client("lead").post(personas.url("consultations/import/"), {"file": file})
    run_queued_jobs()
    [job] = jobs(personas)
    assert job.status == "checked"
    assert job.preview[0]["channel"] == "home_visit"


def test_other_files_are_refused_at_upload(personas: Personas) -> None:
    response = upload(personas, "hello", name="notes.txt")
    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert jobs(personas) == []


def test_the_progress_endpoint_polls_while_a_job_runs(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        job = ImportJob.objects.create(
            municipality=personas.municipality,
            uploaded_by=personas.members["lead"],
            original_name="big.csv",
            status=ImportJob.Status.CHECKING,
            rows_done=40000,
            percent=40,
        )
    url = personas.url(f"consultations/import/{job.pk}/progress/")
    page = personas.client("lead").get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert f'hx-get="{url}"' in page
    assert 'value="40"' in page and "40000" in page


@pytest.mark.django_db(transaction=True)
def test_the_progress_of_a_save_is_seen_by_other_processes(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        job = ImportJob.objects.create(
            municipality=personas.municipality,
            uploaded_by=personas.members["lead"],
            original_name="big.csv",
            stored_name="big.csv",
            status=ImportJob.Status.SAVING,
            rows_total=100000,
        )
    # What the worker's save reports, outside its own transaction.
    progress = importer._SaveProgress(job)
    try:
        progress(75000, None)
        page = personas.client("lead").get(personas.url(f"consultations/import/{job.pk}/progress/"))
    finally:
        progress.close()
    assert 'value="75"' in page.content.decode()
    assert "75000" in page.content.decode()


def test_the_progress_endpoint_stops_polling_when_done(personas: Personas) -> None:
    upload(personas)
    [job] = jobs(personas)
    page = personas.client("lead").get(personas.url(f"consultations/import/{job.pk}/progress/"))
    assert "hx-trigger" not in page.content.decode()
    assert 'data-status="checked"' in page.content.decode()


def test_a_job_is_seen_only_by_its_uploader(personas: Personas) -> None:
    upload(personas)
    [job] = jobs(personas)
    url = personas.url(f"consultations/import/{job.pk}/")
    assert personas.client("admin").get(url).status_code == 404
    assert personas.client("admin").post(f"{url}confirm/").status_code == 404
    assert count(personas) == 0


def test_discarding_deletes_the_file(personas: Personas, settings: SettingsWrapper) -> None:
    upload(personas)
    [job] = jobs(personas)
    personas.client("lead").post(personas.url(f"consultations/import/{job.pk}/cancel/"))
    job.refresh_from_db()
    assert job.status == "cancelled"
    assert not (imports_dir(settings) / job.stored_name).exists()


def test_an_upload_left_unconfirmed_for_a_day_is_dropped_at_the_next_upload(
    personas: Personas, settings: SettingsWrapper
) -> None:
    upload(personas)
    [old] = jobs(personas)
    with scope(municipality=personas.municipality):
        ImportJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    upload(personas)
    old.refresh_from_db()
    assert old.status == "cancelled"
    assert not (imports_dir(settings) / old.stored_name).exists()


def test_the_navigation_offers_import_to_importers_only(personas: Personas) -> None:
    url = personas.url("consultations/import/")
    assert url in personas.client("admin").get(personas.url()).content.decode()
    assert url not in personas.client("counselor").get(personas.url()).content.decode()


def test_an_uploaded_file_is_readable_by_the_service_only(
    personas: Personas, settings: SettingsWrapper
) -> None:
    # Kept while the job waits for confirmation; it holds consultations.
    upload(personas)
    [stored] = [p for p in imports_dir(settings).iterdir() if p.is_file()]
    assert stored.stat().st_mode & 0o777 == 0o600
    assert imports_dir(settings).stat().st_mode & 0o777 == 0o700


def test_the_same_file_uploaded_again_is_refused_unless_forced(personas: Personas) -> None:
    upload(personas)
    [job] = jobs(personas)
    personas.client("lead").post(personas.url(f"consultations/import/{job.pk}/confirm/"))
    run_queued_jobs()
    assert count(personas) == 2
    upload(personas, name="again.csv")
    again = max(jobs(personas), key=lambda j: j.pk)
    assert again.status == "invalid"
    assert "toyoake-lead" in again.errors[0]["message"]
    file = SimpleUploadedFile("forced.csv", GOOD.encode("utf-8"), content_type="text/csv")
    client = personas.client("lead")
    client.post(personas.url("consultations/import/"), {"file": file, "force": "on"})
    run_queued_jobs()
    forced = max(jobs(personas), key=lambda j: j.pk)
    assert forced.status == "checked"
    client.post(personas.url(f"consultations/import/{forced.pk}/confirm/"))
    run_queued_jobs()
    assert count(personas) == 4
