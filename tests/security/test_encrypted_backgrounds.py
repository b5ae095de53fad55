"""A person's background codes are stored encrypted (issue 13, item 8).

That someone stopped going to school, left a job or is ill is 要配慮 in itself. The codes are
encrypted one by one (every code is shorter than one cipher block, so no token tells which code
it holds); the API, the person page and the services still see a list of codes.
"""

import importlib
import json

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_person
from tests.people.test_person_api import call, url
from tests.security.test_encryption import KEY_A, KEY_B, raw_column, rotate
from tsunagu.audit.history import MASK
from tsunagu.people import services
from tsunagu.people.models import Person

CODES = ["school_refusal", "illness"]
MIGRATION = "tsunagu.people.migrations.0007_encrypt_backgrounds"


@pytest.fixture
def person(personas: Personas) -> Person:
    return make_person(personas.municipality, name="架空 花子", backgrounds=CODES)


def stored(person: Person) -> str:
    return str(raw_column("people_person", "backgrounds", person.pk))


def read_back(person: Person) -> list[str]:
    with scopes_disabled():
        backgrounds: list[str] = Person.objects.get(pk=person.pk).backgrounds
    return backgrounds


def test_the_column_holds_no_code_in_clear(person: Person) -> None:
    raw = stored(person)
    for code in CODES:
        assert code not in raw
    assert raw.count("gAAAA") == len(CODES)  # one Fernet token per code
    assert read_back(person) == CODES


def test_the_api_and_the_person_page_still_show_the_backgrounds(
    personas: Personas, person: Person
) -> None:
    response = call("get", url(personas, f"/{person.pk}"), personas.token("counselor"))
    assert response.status_code == 200
    assert response.json()["backgrounds"] == CODES
    page = personas.client("counselor").get(personas.url(f"persons/{person.pk}/")).content.decode()
    assert 'data-code="school_refusal"' in page and "不登校" in page
    assert 'data-code="illness"' in page


def test_a_change_is_masked_in_the_history_not_stored_in_clear(
    personas: Personas, person: Person
) -> None:
    with scope(municipality=personas.municipality):
        services.person_update(
            actor=personas.members["counselor"], person=person, backgrounds=["left_job"]
        )
    with scopes_disabled():
        entry = LogEntry.objects.get_for_object(person).order_by("-pk").first()
    assert entry.changes_dict["backgrounds"] == [MASK, MASK]
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes FROM auditlog_logentry")
        history = " ".join(str(row[0]) for row in cursor.fetchall())
    assert "school_refusal" not in history and "left_job" not in history


def _migrate(direction: str) -> None:
    for operation in importlib.import_module(MIGRATION).Migration.operations:
        if hasattr(operation, "code"):
            code = operation.code if direction == "forward" else operation.reverse_code
            code(apps, BaseDatabaseSchemaEditor(connection))


def test_the_migration_encrypts_a_row_written_in_clear_and_back(person: Person) -> None:
    with connection.cursor() as cursor:  # as the version before stored it
        cursor.execute(
            "UPDATE people_person SET backgrounds = %s WHERE id = %s",
            ['["school_refusal", "illness"]', person.pk],
        )
    assert "school_refusal" in stored(person)
    _migrate("forward")
    assert "school_refusal" not in stored(person)
    assert read_back(person) == CODES
    _migrate("backward")  # the column turned back into a plain one holds the list in clear
    with connection.cursor() as cursor:
        cursor.execute("SELECT backgrounds FROM people_person WHERE id = %s", [person.pk])
        raw = cursor.fetchone()[0]
    assert (json.loads(raw) if isinstance(raw, str) else raw) == CODES


def test_the_migration_masks_the_codes_the_history_recorded_in_clear(
    personas: Personas, person: Person
) -> None:
    with scope(municipality=personas.municipality):
        services.person_update(actor=None, person=person, backgrounds=["left_job"])
    with scopes_disabled():
        entry = LogEntry.objects.get_for_object(person).order_by("-pk").first()
    entry.changes = {**entry.changes, "backgrounds": ["['school_refusal']", "['left_job']"]}
    entry.save()  # as the version before recorded it
    _migrate("forward")
    entry.refresh_from_db()
    assert entry.changes["backgrounds"] == [MASK, MASK]
    assert "school_refusal" not in str(entry.changes) and "left_job" not in str(entry.changes)


def test_the_migration_leaves_an_empty_list_an_empty_list(personas: Personas) -> None:
    empty = make_person(personas.municipality, name="架空 一郎")
    _migrate("forward")
    assert read_back(empty) == []


def test_key_rotation_re_encrypts_the_codes(personas: Personas, settings: SettingsWrapper) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    person = make_person(personas.municipality, name="架空 花子", backgrounds=CODES)
    before = stored(person)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    assert "people.Person: 1 rows re-encrypted." in rotate()
    settings.SECRET_KEY_FALLBACKS = []  # the old key gone: only re-encrypted values still open
    assert stored(person) != before
    assert read_back(person) == CODES
