"""In the browser: an export is asked for, its page shows the progress, and the download link
appears when the worker has made the file, polled with JavaScript and reloaded without it."""

import re

import pytest
from playwright.sync_api import Browser, Page, Route
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas
from tsunagu.core.jobs import run_queued_jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ask_for_the_pdf(page: Page, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/m/232297/statistics/?fiscal_year=2018")
    page.locator("#export-pdf").click()
    page.wait_for_url(f"{live_server.url}/m/232297/exports/*/")
    page.locator("#export-progress").wait_for()


JOB_PAGE = re.compile(r"/exports/\d+/(progress/)?$")  # the job's page, and its panel's poll


def run_the_worker_while_the_page_waits(page: Page) -> None:
    """Run the queued jobs while the page's next request for the job is held in the browser.

    With SQLite in memory, Django's live server answers on the test's own connection: a poll
    answered while the worker writes the job fails one of them ("database table is locked").
    The page asks again and again (a poll, or a reload without JavaScript); once one of its
    requests is held here, the one before it has been answered, and the worker runs alone.
    """
    held: list[Route] = []
    page.route(JOB_PAGE, lambda route: held.append(route))
    while not held:
        page.wait_for_timeout(50)
    run_queued_jobs()
    page.unroute(JOB_PAGE)  # lets the held request go on to the server


def test_the_download_link_appears_when_the_worker_is_done(
    live_server: LiveServer, personas: Personas, page: Page, settings: SettingsWrapper
) -> None:
    log_in_as_demo(page, live_server, settings, personas.members["lead"])
    ask_for_the_pdf(page, live_server)
    run_the_worker_while_the_page_waits(page)
    # The page polls its panel: the link comes without a reload.
    page.locator("#export-download").wait_for()
    with page.expect_download() as download:
        page.locator("#export-download").click()
    name = download.value.suggested_filename
    assert name.startswith("相談記録_豊明市_平成30年度") and name.endswith(".pdf")


def test_without_javascript_the_page_reloads_itself(
    live_server: LiveServer,
    personas: Personas,
    chromium_browser: Browser,
    settings: SettingsWrapper,
) -> None:
    context = chromium_browser.new_context(locale="ja-JP", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in_as_demo(page, live_server, settings, personas.members["lead"])
        ask_for_the_pdf(page, live_server)
        run_the_worker_while_the_page_waits(page)
        page.locator("#export-download").wait_for()
    finally:
        context.close()
