"""Faults: the database away for a moment, and a full disk when an import is uploaded."""

import os
import pathlib
from collections.abc import Callable, Iterator
from typing import IO, Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, close_old_connections, connection
from django.db.backends.utils import CursorWrapper
from django.test import Client
from django_scopes import scope
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.consultations.models import ImportJob


class Outage:
    """Every query fails as while the database server restarts, from `start()` to `end()`."""

    def __init__(self) -> None:
        self.away = False

    def start(self) -> None:
        self.away = True

    def end(self) -> None:
        self.away = False


@pytest.fixture
def outage(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outage]:
    state = Outage()
    real_execute = CursorWrapper.execute

    def execute(self: CursorWrapper, sql: str, params: Any = None) -> Any:
        if state.away:
            raise OperationalError("server closed the connection unexpectedly")
        return real_execute(self, sql, params)

    monkeypatch.setattr(CursorWrapper, "execute", execute)
    yield state
    state.end()


def test_a_page_answers_503_in_japanese_while_the_database_is_away_and_recovers(
    personas: Personas, outage: Outage
) -> None:
    staff = personas.client("counselor")
    staff.raise_request_exception = False
    outage.start()

    response = staff.get(personas.url())

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "ただいまデータベースに接続できません" in page
    assert "入力した内容は保存されていません" in page

    outage.end()  # the server is back
    assert staff.get(personas.url()).status_code == 200


def test_the_api_answers_503_with_the_error_format_while_the_database_is_away(
    personas: Personas, outage: Outage, client: Client
) -> None:
    token = personas.token("lead")
    client.raise_request_exception = False
    outage.start()
    response = client.get("/api/v1/municipalities", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503
    assert "データベース" in response.json()["detail"]
    outage.end()
    assert (
        client.get("/api/v1/municipalities", HTTP_AUTHORIZATION=f"Bearer {token}").status_code
        == 200
    )


def test_other_server_errors_stay_500(personas: Personas, monkeypatch: pytest.MonkeyPatch) -> None:
    staff = personas.client("counselor")
    staff.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", _raising(RuntimeError("a bug")))
        response = staff.get(personas.url())
    assert response.status_code == 500
    assert "エラーが発生しました" in response.content.decode()


def _raising(exc: Exception) -> Callable[..., None]:
    def execute(self: CursorWrapper, sql: str, params: Any = None) -> None:
        raise exc

    return execute


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_dropped_by_the_server_costs_one_request_at_most(personas: Personas) -> None:
    """A real PostgreSQL connection terminated by the server, as on a restart: one 503, then
    service as usual without restarting Tsunagu."""
    staff = personas.client("counselor")
    staff.raise_request_exception = False
    assert staff.get(personas.url()).status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    import psycopg
    from django.conf import settings

    db: dict[str, Any] = settings.DATABASES["default"]  # HOST, PORT, USER: str or int
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], user=db["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    # The connection the server dropped: this request fails cleanly, with the 503 page.
    response = staff.get(personas.url())
    assert response.status_code == 503
    assert "ただいまデータベースに接続できません" in response.content.decode()
    # What Django's handler does around every served request (the test client skips it):
    # a connection that failed is closed, and the next request opens a new one.
    close_old_connections()
    assert staff.get(personas.url()).status_code == 200


def test_a_full_disk_at_upload_is_a_clear_error_and_nothing_is_queued(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, settings: SettingsWrapper
) -> None:
    real_fdopen = os.fdopen

    def fdopen_on_full_disk(fd: int, mode: str = "r", *args: Any, **kwargs: Any) -> IO[Any]:
        # The upload is written through a descriptor opened 0600; make its writes hit a full disk.
        if "w" in mode:
            os.close(fd)
            return pathlib.Path("/dev/full").open(mode)
        return real_fdopen(fd, mode, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", fdopen_on_full_disk)
    big = "日時,相談方法,相談者\n" + "2018-04-02,電話,本人\n" * 10000
    file = SimpleUploadedFile("calls.csv", big.encode(), content_type="text/csv")
    response = personas.client("lead").post(personas.url("consultations/import/"), {"file": file})

    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert any("ディスク" in e and "何も取り込まれていません" in e for e in errors), errors
    with scope(municipality=personas.municipality):
        assert not ImportJob.objects.exists()
    monkeypatch.undo()
    assert list((settings.DATA_DIR / "imports").iterdir()) == []
