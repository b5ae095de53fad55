"""A queued export as a member meets it: press the button, the worker runs, download the file."""

import re
from typing import TYPE_CHECKING

from django.test import Client

from tsunagu.core.jobs import run_queued_jobs

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

_DOWNLOAD = re.compile(r'id="export-download" href="([^"]+)"')


def export(client: Client, url: str, **headers: str) -> "_MonkeyPatchedWSGIResponse":
    """POST the export button's form; when the job is queued, run the queue and answer the
    download (else the refusal, e.g. 400 or 403, as it came)."""
    started = client.post(url, headers=headers)
    if started.status_code != 302:
        return started
    job_page = started["Location"]
    run_queued_jobs()
    page = client.get(job_page, headers=headers).content.decode()
    found = _DOWNLOAD.search(page)
    assert found, page
    return client.get(found.group(1), headers=headers)
