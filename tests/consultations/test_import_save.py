"""How the import's save writes rows: Fernet tokens from one cipher stream, files of several
batches (COPY from a thread of its own on PostgreSQL, a staging table on SQLite), and nothing
saved when a row or the database refuses one."""

import base64
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.db import IntegrityError, connection
from django.utils import translation
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.importer import ConsultationImport, _ConsultationWriter, _FernetStream
from tsunagu.consultations.models import Consultation, ImportedFile
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person

# More than two batches on either database (2,000 rows an executemany, 5,000 a COPY).
ROWS = 2 * _ConsultationWriter.COPY_BATCH + 1234


def summary_key() -> bytes:
    field: object = Consultation._meta.get_field("summary")
    return field.keys[0]  # type: ignore[attr-defined, no-any-return]


def stored_summaries() -> list[str | None]:
    """The summary column as stored (the field would show an invalid token as it is)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT summary FROM {Consultation._meta.db_table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def many_rows(count: int, person: Person, bad_line: int | None = None) -> list[str]:
    rows = []
    for i in range(count):
        line = i + 2  # the header is line 1
        when = (
            "2018-02-30" if line == bad_line else f"2018-04-{i % 28 + 1:02d} {i % 24}:{i % 60:02d}"
        )
        number = person.number if i % 3 == 0 else ""
        rows.append(f"{when},電話,家族,母,{number},toyoake-counselor,相談 {i}")
    return rows


@pytest.mark.parametrize("length", [*range(0, 34), 200, 1000])
def test_a_stream_token_is_a_fernet_token_of_the_key(length: int) -> None:
    key = Fernet.generate_key()
    stream = _FernetStream(key)
    value = "あ" * (length // 3) + "a" * (length % 3)  # every padding length, multibyte too
    before = int(time.time())
    tokens = [stream.encrypt(value) for _ in range(3)]
    for token in tokens:
        assert Fernet(key).decrypt(token.encode()) == value.encode()
        assert before <= Fernet(key).extract_timestamp(token.encode()) <= int(time.time())
    # Each token its own IV (bytes 9-25 of the token): the same value never looks the same.
    ivs = {base64.urlsafe_b64decode(token)[9:25] for token in tokens}
    assert len(ivs) == len(tokens)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = _FernetStream(Fernet.generate_key()).encrypt("母が来所")
    with pytest.raises(InvalidToken):
        Fernet(Fernet.generate_key()).decrypt(token.encode())


def test_a_file_of_several_batches_is_saved_whole_with_readable_summaries(
    personas: Personas, write_csv: Callable[..., Path], person: Person
) -> None:
    path = write_csv(*many_rows(ROWS, person), "2018-05-01,来所,本人,,,,")
    with scope(municipality=personas.municipality):
        result = ConsultationImport(municipality=personas.municipality, actor=None).save(path)
        assert result.ok and result.created == ROWS + 1
        saved = list(Consultation.objects.order_by("pk"))
    assert len(saved) == ROWS + 1
    first, middle, last = saved[0], saved[ROWS // 2], saved[-1]
    assert first.occurred_at == datetime(2018, 4, 1, 0, 0, tzinfo=TOKYO)
    assert first.person_id == person.pk and first.consulter_relation == "mother"
    assert middle.summary == f"相談 {ROWS // 2}"
    assert (last.channel, last.consulter, last.summary) == ("walk_in", "self", None)
    assert last.person_id is None and last.staff_id is None
    # Stored as Fernet tokens of the field's key: strictly decrypted, not merely shown.
    tokens = stored_summaries()
    fernet = Fernet(summary_key())
    assert [fernet.decrypt(t.encode()).decode() for t in tokens[:-1] if t] == [
        f"相談 {i}" for i in range(ROWS)
    ]
    assert tokens[-1] is None  # an empty summary is NULL, as the field stores it


def test_a_bad_row_after_batches_were_written_saves_nothing(
    personas: Personas, write_csv: Callable[..., Path], person: Person
) -> None:
    bad_line = ROWS  # past two whole batches on either database
    path = write_csv(*many_rows(ROWS, person, bad_line=bad_line))
    with scope(municipality=personas.municipality), translation.override("en"):
        result = ConsultationImport(municipality=personas.municipality, actor=None).save(path)
        assert not result.ok
        assert [e.line for e in result.errors] == [bad_line]
        assert not Consultation.objects.exists()
        assert not ImportedFile.objects.exists()


@pytest.mark.postgres
def test_a_row_the_database_refuses_mid_file_saves_nothing(
    personas: Personas, write_csv: Callable[..., Path], person: Person
) -> None:
    """A person deleted after the import loaded the numbers: the foreign key stops the COPY of
    the batch holding the row, and the whole file is rolled back."""
    path = write_csv(*many_rows(ROWS, person))
    with scope(municipality=personas.municipality):
        importer = ConsultationImport(municipality=personas.municipality, actor=None)
        Person.objects.filter(pk=person.pk).delete()
        with pytest.raises(IntegrityError):
            importer.save(path)
        assert not Consultation.objects.exists()
        assert not ImportedFile.objects.exists()
