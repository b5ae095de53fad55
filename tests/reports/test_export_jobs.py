"""Exports made by the job queue: the page with its progress, the download for the member
who asked only, a failure said plainly with a retry, the file kept a day; and the statistics
PDF (A4, embedded Japanese font, 和暦, fiscal year) with the committee's figures withheld
exactly as the page withholds them."""

import io
import os
import re
import stat
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.conftest import Personas
from tests.exporting import export
from tests.reports.conftest import Consult
from tests.reports.test_exports import seed
from tests.reports.test_page import row, table
from tsunagu.audit.models import AccessLogEntry
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.people.models import Person
from tsunagu.reports.export_jobs import export_path
from tsunagu.reports.models import ExportJob

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


FY = "?fiscal_year=2018"


def start(personas: Personas, role: str = "lead", path: str = "statistics/export.csv" + FY) -> str:
    response = personas.client(role).post(personas.url(path))
    assert response.status_code == 302, response.content.decode()
    location: str = response["Location"]
    return location


def job_of(location: str) -> ExportJob:
    found = re.search(r"/exports/(\d+)/", location)
    assert found is not None, location
    pk = int(found.group(1))
    with scopes_disabled():
        return ExportJob.objects.get(pk=pk)


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "\n".join(p.extract_text().replace("\x00", "") for p in reader.pages)


def test_the_page_shows_progress_until_the_file_is_ready(personas: Personas) -> None:
    client = personas.client("lead")
    location = start(personas)
    page = client.get(location).content.decode()
    # Polled without reloading (htmx), and reloaded by the browser itself without JavaScript.
    assert 'id="export-progress"' in page and 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page
    assert 'id="export-download"' not in page
    job = job_of(location)
    with scopes_disabled():
        ExportJob.objects.filter(pk=job.pk).update(status="running", percent=40)
    panel = client.get(f"{location}progress/").content.decode()
    assert 'value="40"' in panel
    with scopes_disabled():
        ExportJob.objects.filter(pk=job.pk).update(status="queued", percent=0)
    run_queued_jobs()
    page = client.get(location).content.decode()
    assert 'id="export-download"' in page and "hx-get" not in page
    assert "http-equiv" not in page


def test_the_file_is_the_requesters_alone(personas: Personas) -> None:
    location = start(personas)
    run_queued_jobs()
    job = job_of(location)
    path = export_path(job)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    download = f"{location}download/"
    assert personas.client("lead").get(download).status_code == 200
    # Another member of the same municipality, even the admin, and another municipality.
    for client in (personas.client("admin"), personas.client("counselor")):
        for url in (location, f"{location}progress/", download):
            assert client.get(url).status_code == 404, url
        assert client.post(f"{location}retry/").status_code == 404
    outsider = personas.client("lead", outsider=True)
    code, other = personas.municipality.code, personas.outsider.code
    assert outsider.get(download.replace(code, other)).status_code == 404
    assert outsider.get(download).status_code == 404


def test_the_file_is_deleted_after_a_day(personas: Personas) -> None:
    location = start(personas)
    run_queued_jobs()
    job = job_of(location)
    path = export_path(job)
    assert path.exists()
    a_day_later = timezone.now() - timedelta(seconds=1)
    with scopes_disabled():
        ExportJob.objects.filter(pk=job.pk).update(expires_at=a_day_later)
    # The deletion was queued for the day after; the worker runs it once the day is over.
    DBTaskResult.objects.filter(task_path="tsunagu.reports.tasks.drop_export").update(
        run_after=a_day_later
    )
    run_queued_jobs()
    assert not path.exists()
    client = personas.client("lead")
    assert client.get(f"{location}download/").status_code == 404
    page = client.get(location, headers={"Accept-Language": "ja"}).content.decode()
    assert 'id="export-expired"' in page and "削除" in page


def test_an_expired_file_is_not_handed_out_even_before_its_deletion_ran(personas: Personas) -> None:
    location = start(personas)
    run_queued_jobs()
    job = job_of(location)
    with scopes_disabled():
        ExportJob.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    assert personas.client("lead").get(f"{location}download/").status_code == 404
    assert not export_path(job).exists()


def test_a_failed_job_says_why_in_japanese_and_can_be_tried_again(personas: Personas) -> None:
    location = start(personas, role="counselor")
    counselor = personas.members["counselor"]
    # The member lost the role that sees statistics before the worker started on the file.
    counselor.role = "place_staff"
    counselor.save()
    run_queued_jobs()
    client = personas.client("counselor")
    page = client.get(location, headers={"Accept-Language": "ja"}).content.decode()
    assert 'id="export-failed"' in page and 'id="export-retry"' in page
    assert "作成できませんでした" in page
    counselor.role = "counselor"
    counselor.save()
    assert client.post(f"{location}retry/").status_code == 302
    run_queued_jobs()
    assert 'id="export-download"' in client.get(location).content.decode()


def test_a_job_whose_worker_died_is_failed_and_can_be_tried_again(personas: Personas) -> None:
    from tsunagu.core.jobs import reap

    location = start(personas)
    job = job_of(location)
    result = DBTaskResult.objects.get(task_path="tsunagu.reports.tasks.run_export")
    result.status, result.worker_ids = "RUNNING", ["gone"]
    result.save()
    with scopes_disabled():
        ExportJob.objects.filter(pk=job.pk).update(status="running", percent=30)
    assert reap() == 1
    client = personas.client("lead")
    page = client.get(location, headers={"Accept-Language": "ja"}).content.decode()
    assert 'id="export-failed"' in page and "もう一度" in page
    client.post(f"{location}retry/")
    run_queued_jobs()
    assert 'id="export-download"' in client.get(location).content.decode()


def test_statistics_carry_no_personal_record_into_the_access_log(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    seed(consult, person)
    with scopes_disabled():
        before = AccessLogEntry.objects.count()
    response = export(personas.client("lead"), personas.url("statistics/export.csv" + FY))
    assert response.status_code == 200
    with scopes_disabled():
        assert AccessLogEntry.objects.count() == before


# The statistics PDF -------------------------------------------------------------------------


def statistics_pdf(personas: Personas, role: str) -> "_MonkeyPatchedWSGIResponse":
    response = export(personas.client(role), personas.url("statistics/export.pdf" + FY))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response


def test_the_statistics_pdf_is_a4_in_wareki_with_the_japanese_font_embedded(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    seed(consult, person)
    response = statistics_pdf(personas, "lead")
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert sorted((round(float(box.width)), round(float(box.height)))) == [595, 842]  # A4
    resources = reader.pages[0]["/Resources"].get_object()
    assert isinstance(resources, DictionaryObject)
    fonts = resources["/Font"].get_object()
    assert isinstance(fonts, DictionaryObject)
    names = [str(f.get_object()["/BaseFont"]) for f in fonts.values()]
    assert names and all(re.fullmatch(r"/[A-Z]{6}\+.+", n) for n in names)  # embedded subsets
    text = pdf_text(response.content)
    assert "平成30年度" in text and "豊明市" in text
    assert "平成30年4月" in text  # the months in 和暦
    assert 'filename="consultations_232297_fy2018.pdf"' in response["Content-Disposition"]


def _row(text: str, label: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(label + " "))
    return line.split()[1:]


def test_the_committees_pdf_withholds_what_the_page_withholds(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    seed(consult, person)
    lead = pdf_text(statistics_pdf(personas, "lead").content)
    committee = pdf_text(statistics_pdf(personas, "committee").content)
    assert _row(lead, "電話") == ["6", "1"]
    assert _row(lead, "来所") == ["2", "0"]
    # Every row of the page's tables reads the same on the committee's paper: the figures the
    # page withholds (X) are withheld there, and no count of 1–4 is left.
    html = personas.client("committee").get(personas.url("statistics/" + FY)).content.decode()
    compared = 0
    for key in ("channel", "consulter", "main_concern", "unlinked_age", "unlinked_gender"):
        on_page = table(html, key)
        found = re.search(r"<caption[^>]*>([^<]+)</caption>", on_page)
        assert found is not None, key
        caption = found.group(1)
        on_paper = committee.split("\n" + caption + "\n", 1)[1]  # the PDF's same table
        for label in re.findall(r'<th scope="row">([^<]+)</th>', on_page):
            assert _row(on_paper, label) == row(on_page, label), label
            compared += 1
    assert compared > 20
    assert _row(committee, "電話") == ["6", "X"]
    assert _row(committee, "来所") == ["X", "0"]
    counts = {c for line in committee.splitlines() for c in line.split()[1:]}
    assert "X" in counts and not {"1", "2", "3", "4"} & counts
