"""Import files do not linger: a file waiting more than a day for a confirmation or a retry, or
left behind by a crash, is dropped by the worker's hourly chore (issue 13, item 8)."""

import os
import time
from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.consultations.test_import_screen import GOOD, imports_dir, jobs, upload
from tsunagu.consultations import importer
from tsunagu.consultations.models import ImportJob
from tsunagu.core.jobs import housekeeping

DAY = 24 * 3600


def age(job: ImportJob, settings: SettingsWrapper, *, days: float) -> None:
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(days=days))
    path = imports_dir(settings) / job.stored_name
    then = time.time() - days * DAY
    os.utime(path, (then, then))


def test_files_older_than_a_day_are_dropped_and_younger_ones_kept(
    personas: Personas, settings: SettingsWrapper
) -> None:
    for name in ("old.csv", "interrupted.csv", "young.csv"):
        upload(personas, GOOD, name=name)
    old, interrupted, young = (
        next(j for j in jobs(personas) if j.original_name == name)
        for name in ("old.csv", "interrupted.csv", "young.csv")
    )
    with scopes_disabled():  # its worker died: the file is kept for "Try again"
        ImportJob.objects.filter(pk=interrupted.pk).update(
            status=ImportJob.Status.FAILED, interrupted=True
        )
    for job in (old, interrupted):
        age(job, settings, days=1.1)
    crash_left = imports_dir(settings) / "0123456789abcdef.csv"
    crash_left.write_text("日時\n")
    os.utime(crash_left, (time.time() - 2 * DAY,) * 2)

    housekeeping()  # as the worker does when it starts, and hourly

    files = {p.name for p in imports_dir(settings).iterdir()}
    assert files == {young.stored_name}
    with scopes_disabled():
        status = dict(ImportJob.objects.values_list("original_name", "status"))
    assert status == {
        "old.csv": "cancelled",
        "interrupted.csv": "cancelled",
        "young.csv": "checked",
    }


def test_the_file_of_a_job_being_saved_is_kept_however_old(
    personas: Personas, settings: SettingsWrapper
) -> None:
    upload(personas, GOOD)
    [job] = jobs(personas)
    with scopes_disabled():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SAVING)
    age(job, settings, days=3)
    assert importer.drop_stale_import_files() == 0
    assert (imports_dir(settings) / job.stored_name).exists()
