"""Background jobs of consultations: checking and saving an uploaded import file."""

from django_tasks import task

from tsunagu.consultations import importer
from tsunagu.core.jobs import on_abandoned


@task()
def check_import(*, job_id: int) -> None:
    importer.check_job(job_id)


@task()
def save_import(*, job_id: int) -> None:
    importer.save_job(job_id)


@on_abandoned("tsunagu.consultations.tasks.check_import")
@on_abandoned("tsunagu.consultations.tasks.save_import")
def _interrupted(*, job_id: int) -> None:
    importer.import_job_interrupted(job_id=job_id)
