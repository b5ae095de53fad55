"""An import whose worker is killed with -9 mid-save leaves no row behind and can be redone.

A real `tsunagu worker` process runs the save against a real database (a SQLite file, or a
throw-away PostgreSQL database when the suite runs on PostgreSQL) and is killed once it has
written several batches (on SQLite to its staging table, on PostgreSQL inside its transaction).
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from .databases import ROOT, Database

ROWS = 20000

SETUP = f"""
from datetime import date
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled
from tsunagu.accounts.models import User
from tsunagu.consultations import importer
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.tenancy.models import Membership, Municipality

with scopes_disabled():
    m = Municipality.objects.create(code="232297", name="豊明市", prefecture="愛知県",
                                    population=68000, population_as_of=date(2018, 10, 1))
    user = User.objects.create_user(username="toyoake-lead", password="x" * 16)
    lead = Membership.objects.create(municipality=m, user=user, role="lead")
rows = "".join(f"2018-04-{{i % 28 + 1:02d}},電話,本人,,,,相談{{i}}\\n" for i in range({ROWS}))
text = "日時,相談方法,相談者,続柄,対象者番号,担当,内容\\n" + rows
with scope(municipality=m):
    job = importer.import_job_create(
        uploader=lead, upload=SimpleUploadedFile("big.csv", text.encode())
    )
run_queued_jobs()
job.refresh_from_db()
assert job.status == "checked", job.errors
with scope(municipality=m):
    assert importer.import_job_confirm(job=job)
"""

REDO = f"""
from django_scopes import scopes_disabled
from tsunagu.consultations import importer
from tsunagu.consultations.models import ImportJob
from tsunagu.core.jobs import reap, run_queued_jobs

assert reap() == 1
with scopes_disabled():
    job = ImportJob.objects.get()
    assert (job.status, job.interrupted) == ("failed", True), job.status
    assert importer.import_job_retry(job=job)
    run_queued_jobs()
    job.refresh_from_db()
    assert job.status == "checked", job.errors
    assert importer.import_job_confirm(job=job)
    run_queued_jobs()
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", {ROWS}), (job.status, job.errors)
"""


def _saved_rows(db: Database, tmp_path: Path) -> int:
    """Rows the running save has reported, through the channel pages read."""
    if db.postgres:
        return db.query("SELECT rows_done FROM consultations_importjob")
    for progress in (tmp_path / "imports").glob("*.progress"):
        try:
            return int(progress.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return 0
    return 0


def test_a_worker_killed_mid_import_leaves_nothing_and_the_file_imports_again(
    tmp_path: Path,
) -> None:
    db = Database(tmp_path)
    worker = None
    try:
        db.manage("migrate", "-v0")
        db.manage("shell", "-c", SETUP)
        worker = subprocess.Popen(
            [sys.executable, "manage.py", "worker", "--interval", "0.1"],
            cwd=ROOT,
            env=db.env,
        )
        deadline = time.monotonic() + 120
        # Past the first batches (2,000 rows each), staged and not yet published.
        while _saved_rows(db, tmp_path) < 5000:
            assert worker.poll() is None, "the worker ended"
            assert time.monotonic() < deadline, "the save did not get going"
            time.sleep(0.05)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()

        assert db.query("SELECT COUNT(*) FROM consultations_consultation") == 0
        if not db.postgres:
            with sqlite3.connect(db.path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)

        db.manage("shell", "-c", REDO)
        assert db.query("SELECT COUNT(*) FROM consultations_consultation") == ROWS
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait()
        db.drop()
