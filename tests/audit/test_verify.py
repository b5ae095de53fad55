"""`tsunagu audit verify`: 0 when intact, else 1 naming the first changed or removed entry."""

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import translation
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.services import Seen, access_record

if TYPE_CHECKING:
    from _pytest.capture import CaptureResult  # pytest exports the fixture, not its result


@pytest.fixture
def entries(personas: Personas) -> list[AccessLogEntry]:
    counselor = personas.members["counselor"]
    return [
        access_record(
            membership=counselor, action=AccessAction.VIEW, seen=[Seen("person", n, "assignment")]
        )
        for n in range(1, 5)
    ]


def verify(
    capsys: pytest.CaptureFixture[str],
) -> tuple[int | str | None, "CaptureResult[str]"]:
    with translation.override("en"):
        try:
            call_command("audit", "verify")
        except SystemExit as exc:
            return exc.code, capsys.readouterr()
    return 0, capsys.readouterr()


def sql(statement: str, params: Sequence[int | str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_an_intact_log_passes(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = verify(capsys)
    assert code == 0
    assert "intact" in out.out


def test_a_changed_entry_is_found_and_named(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    sql("UPDATE audit_accesslogentry SET username = %s WHERE id = %s", ["x", entries[1].pk])
    code, out = verify(capsys)
    assert code == 1
    assert "entry 2 of 豊明市 (232297): changed" in out.err


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM audit_accesslogobject WHERE entry_id = %s",
        "UPDATE audit_accesslogobject SET basis = 'role' WHERE entry_id = %s",
        "UPDATE audit_accesslogobject SET type = 'case' WHERE entry_id = %s",
        "INSERT INTO audit_accesslogobject (municipality_id, entry_id, type, object_id, basis)"
        " SELECT municipality_id, entry_id, 'person', 77, 'role' FROM audit_accesslogobject"
        " WHERE entry_id = %s",
    ],
    ids=["object removed", "basis changed", "type changed", "object added"],
)
def test_an_entry_whose_objects_were_altered_is_found(
    personas: Personas,
    entries: list[AccessLogEntry],
    capsys: pytest.CaptureFixture[str],
    statement: str,
) -> None:
    # The objects are stored once, as rows; the entry's link covers them.
    sql(statement, [entries[2].pk])
    code, out = verify(capsys)
    assert code == 1
    assert "entry 3 of 豊明市 (232297): changed" in out.err


def test_an_entry_put_beside_the_chain_is_found(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    # An entry joins the chain in the transaction that writes it; one without a place in it
    # was written by hand.
    sql(
        "INSERT INTO audit_accesslogentry (municipality_id, seq, at, username, role, action,"
        " channel, path, prev_hash, hash) SELECT municipality_id, NULL, at, username, role,"
        " action, channel, path, '', '' FROM audit_accesslogentry WHERE id = %s",
        [entries[0].pk],
    )
    code, out = verify(capsys)
    assert code == 1
    assert "changed" in out.err


def test_a_changed_object_index_row_is_found(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    sql("UPDATE audit_accesslogobject SET object_id = 99 WHERE entry_id = %s", [entries[0].pk])
    code, out = verify(capsys)
    assert code == 1
    assert "entry 1 " in out.err and "changed" in out.err


def delete(entry: AccessLogEntry) -> None:
    sql("DELETE FROM audit_accesslogobject WHERE entry_id = %s", [entry.pk])
    sql("DELETE FROM audit_accesslogentry WHERE id = %s", [entry.pk])


def test_a_removed_middle_entry_is_found_and_named(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    delete(entries[1])
    code, out = verify(capsys)
    assert code == 1
    assert "entry 2 of 豊明市 (232297): removed" in out.err


def test_a_removed_last_entry_is_found_and_named(
    personas: Personas, entries: list[AccessLogEntry], capsys: pytest.CaptureFixture[str]
) -> None:
    delete(entries[-1])
    code, out = verify(capsys)
    assert code == 1
    assert "entry 4 of 豊明市 (232297): removed" in out.err


def test_the_object_index_is_written_with_every_entry(
    personas: Personas, entries: list[AccessLogEntry]
) -> None:
    with scopes_disabled():
        entry = AccessLogEntry.objects.get(pk=entries[0].pk)
        assert [(o.type, o.object_id, o.basis) for o in entry.seen.all()] == [
            ("person", 1, "assignment")
        ]


def test_an_entry_of_many_objects_keeps_them_all_in_order(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    # More objects than one INSERT statement carries (an export of a long list).
    seen = [Seen("case" if n % 2 else "person", 10_000 - n, "role") for n in range(450)]
    entry = access_record(
        membership=personas.members["lead"], action=AccessAction.EXPORT, seen=seen
    )
    with scopes_disabled():
        stored = AccessLogEntry.objects.get(pk=entry.pk).objects_seen
    assert stored == [{"type": s.type, "id": s.id, "basis": s.basis} for s in seen]
    assert verify(capsys)[0] == 0
