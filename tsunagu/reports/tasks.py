"""Background jobs of exports: making a file, and deleting it when its day is over."""

from django_tasks import task

from tsunagu.core.jobs import on_abandoned
from tsunagu.reports import export_jobs


@task()
def run_export(*, job_id: int, municipality_id: int) -> None:
    export_jobs.export_run(job_id, municipality_id)


@task()
def drop_export(*, job_id: int, municipality_id: int) -> None:
    export_jobs.export_expire(job_id, municipality_id)


@on_abandoned("tsunagu.reports.tasks.run_export")
def _interrupted(*, job_id: int, municipality_id: int) -> None:
    export_jobs.export_interrupted(job_id, municipality_id)
