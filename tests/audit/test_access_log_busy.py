"""A read whose access-log entry meets a locked database waits and retries; past the bound it is
refused with a clear 503, never shown unlogged (issue 13, item 6).

The lock is simulated here (SQLite's "database is locked" from the append); a real import
holding the lock in another process is tests/core/test_import_keeps_service.py.
"""

from typing import Any, TypedDict

import pytest
from django.db import OperationalError
from django.test import Client
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.audit import services
from tsunagu.audit.models import AccessLogEntry
from tsunagu.people.models import Person

# Outside a test's transaction, as a request is: an append inside a caller's transaction has
# nothing to retry.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def person(personas: Personas) -> Person:
    person = make_person(personas.municipality, name="架空 太郎", name_kana="カクウ タロウ")
    make_case(person, primary=personas.members["counselor"])
    return person


class Lock(TypedDict):
    left: int | None  # lockings still to come; None: for ever
    tries: int


@pytest.fixture
def locked(monkeypatch: pytest.MonkeyPatch) -> Lock:
    """The append finds the database locked `times` times, then writes (or never, with None)."""
    real = services._append
    state: Lock = {"left": 0, "tries": 0}

    def append(*args: Any, **kwargs: Any) -> AccessLogEntry:
        state["tries"] += 1
        if state["left"] is None or state["left"] > 0:
            if state["left"] is not None:
                state["left"] -= 1
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_append", append)
    return state


def entries() -> int:
    with scopes_disabled():
        return AccessLogEntry.objects.count()


def page(personas: Personas, person: Person) -> Client:
    client = personas.client("counselor")
    client.raise_request_exception = False
    return client


def test_a_read_waits_for_a_lock_that_is_released_and_is_logged(
    personas: Personas, person: Person, locked: Lock
) -> None:
    locked["left"] = 2
    before = entries()
    response = page(personas, person).get(personas.url(f"persons/{person.pk}/"))
    assert response.status_code == 200
    assert "架空 太郎" in response.content.decode()
    assert locked["tries"] == 3
    assert entries() == before + 1


def test_a_read_the_log_cannot_record_in_time_is_refused_with_a_503(
    personas: Personas, person: Person, locked: Lock, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_ACCESS_LOG_WAIT_SECONDS = 0.3
    locked["left"] = None
    before = entries()
    response = page(personas, person).get(personas.url(f"persons/{person.pk}/"))
    assert response.status_code == 503
    body = response.content.decode()
    assert "アクセス記録" in body and "access log" in body
    assert "架空" not in body  # nothing of the record is shown unlogged
    assert response["Retry-After"]
    assert locked["tries"] > 1  # retried until the bound
    assert entries() == before


def test_the_api_answers_503_in_the_contract_format(
    personas: Personas, person: Person, locked: Lock, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_ACCESS_LOG_WAIT_SECONDS = 0.2
    locked["left"] = None
    client = Client(raise_request_exception=False)
    response = client.get(
        f"/api/v1/m/{personas.municipality.code}/persons/{person.pk}",
        headers={"Authorization": f"Bearer {personas.token('counselor')}"},
    )
    assert response.status_code == 503
    assert set(response.json()) == {"detail", "errors"}
    assert "access log" in response.json()["detail"] or "アクセス記録" in response.json()["detail"]
    assert "架空" not in response.content.decode()


def test_other_database_errors_are_not_retried(
    personas: Personas, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def broken(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        raise OperationalError("no such table: audit_accesslogentry")

    monkeypatch.setattr(services, "_append", broken)
    response = page(personas, person).get(personas.url(f"persons/{person.pk}/"))
    assert response.status_code == 503  # the database-away page, at once
    assert calls == [1]
