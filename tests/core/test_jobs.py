"""Background jobs: queued in the database, run by the worker loop, failed when a worker dies."""

import os
import socket
import subprocess
import sys
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult

from tests.conftest import Personas
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.core import jobs
from tsunagu.core.models import WorkerBeat

CSV = "日時,相談方法,相談者\n2018-04-02,電話,本人\n2018-04-03,来所,家族\n"


def _upload(personas: Personas) -> ImportJob:
    file = SimpleUploadedFile("calls.csv", CSV.encode(), content_type="text/csv")
    personas.client("lead").post(personas.url("consultations/import/"), {"file": file})
    with scope(municipality=personas.municipality):
        return ImportJob.objects.get()


def _dead_pid() -> int:
    """The id of a process that has just ended."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_an_upload_waits_in_the_queue_until_a_worker_takes_it(personas: Personas) -> None:
    job = _upload(personas)
    # Nothing runs in the request: the check is a queued row any worker will find,
    # also after every process has restarted.
    assert job.status == "checking"
    [queued] = DBTaskResult.objects.all()
    assert (queued.status, queued.task_path) == (
        "READY",
        "tsunagu.consultations.tasks.check_import",
    )
    assert queued.args_kwargs["kwargs"] == {"job_id": job.pk}

    jobs.run_queued_jobs()

    job.refresh_from_db()
    assert (job.status, job.rows_total) == ("checked", 2)
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"


def _claimed_by_a_dead_worker(job: ImportJob) -> "DBTaskResult[..., Any]":
    """The job's task as a worker killed with -9 leaves it: running, on a worker now gone."""
    [queued] = DBTaskResult.objects.filter(status="READY")
    WorkerBeat.objects.create(
        worker_id="killed",
        host=socket.gethostname(),
        pid=_dead_pid(),
        started_at=timezone.now(),
        beat_at=timezone.now(),
    )
    queued.claim("killed")
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.pk).update(status="saving")
    return queued


def test_a_job_whose_worker_died_is_failed_with_a_clear_message_and_can_be_retried(
    personas: Personas,
) -> None:
    job = _upload(personas)
    jobs.run_queued_jobs()
    client = personas.client("lead")
    client.post(personas.url(f"consultations/import/{job.pk}/confirm/"))
    task = _claimed_by_a_dead_worker(job)

    # The page polling the job notices the dead worker.
    page = client.get(personas.url(f"consultations/import/{job.pk}/progress/")).content.decode()

    job.refresh_from_db()
    task.refresh_from_db()
    assert (task.status, task.exception_class_path) == ("FAILED", jobs.WORKER_DIED)
    assert (job.status, job.interrupted) == ("failed", True)
    assert "取り込みを処理していたサーバーのプロセスが終了したため" in page
    assert 'id="import-retry"' in page
    assert "hx-trigger" not in page

    client.post(personas.url(f"consultations/import/{job.pk}/retry/"))
    jobs.run_queued_jobs()
    job.refresh_from_db()
    assert job.status == "checked"
    client.post(personas.url(f"consultations/import/{job.pk}/confirm/"))
    jobs.run_queued_jobs()
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 2)
    with scope(municipality=personas.municipality):
        assert Consultation.objects.count() == 2


def test_a_job_on_a_live_worker_is_left_alone(personas: Personas) -> None:
    job = _upload(personas)
    [queued] = DBTaskResult.objects.all()
    WorkerBeat.objects.create(
        worker_id="alive",
        host=socket.gethostname(),
        pid=os.getpid(),
        started_at=timezone.now(),
        beat_at=timezone.now(),
    )
    queued.claim("alive")
    assert jobs.reap() == 0
    job.refresh_from_db()
    assert job.status == "checking"


def test_a_silent_worker_on_another_machine_is_taken_for_dead(personas: Personas) -> None:
    _upload(personas)
    [queued] = DBTaskResult.objects.all()
    WorkerBeat.objects.create(
        worker_id="far",
        host="another-machine",
        pid=1,
        started_at=timezone.now(),
        beat_at=timezone.now() - jobs.DEAD_AFTER * 2,
    )
    queued.claim("far")
    assert jobs.reap() == 1


def test_retry_is_refused_for_a_job_that_was_not_interrupted(personas: Personas) -> None:
    job = _upload(personas)
    jobs.run_queued_jobs()
    response = personas.client("lead").post(personas.url(f"consultations/import/{job.pk}/retry/"))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == "checked"
    assert not DBTaskResult.objects.filter(status="READY").exists()


def test_another_municipality_cannot_retry(personas: Personas) -> None:
    job = _upload(personas)
    url = personas.url(f"consultations/import/{job.pk}/retry/", outsider=True)
    assert personas.client("lead").post(url).status_code == 404
    assert (
        personas.client("admin")
        .post(personas.url(f"consultations/import/{job.pk}/retry/"))
        .status_code
        == 404
    )
