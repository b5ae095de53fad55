"""While a large import is saved by a worker process, staff reads in another process succeed,
each with its access-log entry (issue 13, item 6).

On SQLite every read appends to the access log, a write: an import that held the database's
single write lock for its whole save made them fail with "database is locked". The import
now stages its rows outside the database file and publishes them in one short transaction.
"""

import json
import subprocess
import sys
from pathlib import Path

from .databases import ROOT, Database

ROWS = 60000

SETUP = f"""
from datetime import date
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scope, scopes_disabled
from tsunagu.accounts.models import User
from tsunagu.cases.services import case_open
from tsunagu.consultations import importer
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.people.services import person_create
from tsunagu.tenancy.models import Membership, Municipality

with scopes_disabled():
    m = Municipality.objects.create(code="232297", name="豊明市", prefecture="愛知県",
                                    population=68000, population_as_of=date(2018, 10, 1))
    user = User.objects.create_user(username="toyoake-lead", password="x" * 16)
    lead = Membership.objects.create(municipality=m, user=user, role="lead")
    TOTP.activate(user, generate_totp_secret())
rows = "".join(f"2018-04-{{i % 28 + 1:02d}},電話,本人,,,,相談{{i}}\\n" for i in range({ROWS}))
text = "日時,相談方法,相談者,続柄,対象者番号,担当,内容\\n" + rows
with scope(municipality=m):
    person = person_create(actor=None, municipality=m, name="架空 太郎")
    case_open(actor=lead, person=person, opened_on=date(2018, 4, 1), referral_source="self",
              primary=lead)
    job = importer.import_job_create(
        uploader=lead, upload=SimpleUploadedFile("big.csv", text.encode())
    )
run_queued_jobs()
job.refresh_from_db()
assert job.status == "checked", job.errors
with scope(municipality=m):
    assert importer.import_job_confirm(job=job)
print(person.pk)
"""

# Reads the person's page as the lead, again and again, until the import is done.
READER = """
import json, os, time
from django.test import Client
from django_scopes import scopes_disabled
from tsunagu.accounts.mfa import mark_enrolled_session
from tsunagu.accounts.models import User
from tsunagu.consultations.models import ImportJob

client = Client(raise_request_exception=False, HTTP_HOST="localhost")
client.force_login(User.objects.get(username="toyoake-lead"))
session = client.session
mark_enrolled_session(session)
session.save()
url = "/m/232297/persons/%s/" % os.environ["PERSON"]
statuses, waits, while_saving = [], [], 0
# The first read loads the views and templates: done before the worker starts, so that it
# does not take up the save's window (the save takes about two seconds on PostgreSQL).
started = time.monotonic()
statuses.append(client.get(url).status_code)
waits.append(time.monotonic() - started)
print("ready", flush=True)
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    with scopes_disabled():
        status = ImportJob.objects.get().status
    if status in ("done", "failed"):
        break
    started = time.monotonic()
    response = client.get(url)
    waits.append(time.monotonic() - started)
    statuses.append(response.status_code)
    while_saving += status == "saving"
    time.sleep(0.05)
print(json.dumps({"statuses": statuses, "waits": waits,
                  "while_saving": while_saving, "job": status}))
"""


def test_staff_reads_succeed_while_a_large_import_is_saved(tmp_path: Path) -> None:
    db = Database(tmp_path, name="busy")
    worker = None
    try:
        db.manage("migrate", "-v0")
        person = db.manage("shell", "-c", SETUP).stdout.split()[-1]
        entries_before = db.query("SELECT COUNT(*) FROM audit_accesslogentry")
        errors = tmp_path / "reader.err"  # a file: a full pipe nobody reads would block it
        with errors.open("w") as reader_errors:
            reader = subprocess.Popen(
                [sys.executable, "manage.py", "shell", "-c", READER],
                cwd=ROOT,
                env={**db.env, "PERSON": person},
                stdout=subprocess.PIPE,
                stderr=reader_errors,
                text=True,
            )
            assert reader.stdout is not None
            line = "start"  # until the reader has made its first read (the shell may talk first)
            while line and line.strip() != "ready":
                line = reader.stdout.readline()
            assert line, errors.read_text()
            worker = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--interval", "0.1"],
                cwd=ROOT,
                env=db.env,
            )
            out, _ = reader.communicate(timeout=600)
        assert reader.returncode == 0, errors.read_text()
        found = json.loads(out.strip().splitlines()[-1])
        assert found["job"] == "done"
        assert found["while_saving"] >= 5, found  # the reads did overlap the save
        assert set(found["statuses"]) == {200}, found
        # Each read has its entry: none was served unlogged.
        logged = db.query("SELECT COUNT(*) FROM audit_accesslogentry") - entries_before
        assert logged == len(found["statuses"])
        assert db.query("SELECT COUNT(*) FROM consultations_consultation") == ROWS
        first, *rest = found["waits"]  # the first read also loads the views and templates
        print(
            f"{len(found['statuses'])} reads: the first {first * 1000:.0f} ms,"
            f" the longest of the others {max(rest) * 1000:.0f} ms"
        )
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        db.drop()
