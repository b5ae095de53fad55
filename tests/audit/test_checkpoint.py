"""The keyed chain and its signed checkpoints stop the attacks a plain hash chain let through:
cutting the tail and moving the head, wiping a municipality, recomputing the chain after an
edit, and editing or forging the checkpoint file."""

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.services import Seen, access_record, entry_hash, hashed_fields
from tsunagu.tenancy.models import Membership

if TYPE_CHECKING:
    from _pytest.capture import CaptureResult  # pytest exports the fixture, not its result


def record(member: Membership, n: int) -> AccessLogEntry:
    return access_record(
        membership=member, action=AccessAction.VIEW, seen=[Seen("person", n, "assignment")]
    )


@pytest.fixture
def chains(personas: Personas) -> tuple[list[AccessLogEntry], list[AccessLogEntry]]:
    """Four entries of 豊明市 and two of 三好市."""
    counselor = personas.members["counselor"]
    outsider = personas.outsiders["counselor"]
    return [record(counselor, n) for n in range(1, 5)], [record(outsider, n) for n in (1, 2)]


def audit(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int | str | None, "CaptureResult[str]"]:
    with translation.override("en"):
        try:
            call_command("audit", *args)
        except SystemExit as exc:
            return exc.code, capsys.readouterr()
    return 0, capsys.readouterr()


def sql(statement: str, params: Sequence[int | str] = ()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def checkpoint(
    tmp_path: Path,
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]],
    capsys: pytest.CaptureFixture[str],
) -> Path:
    path = tmp_path / "checkpoints.jsonl"
    code, out = audit(capsys, "checkpoint", str(path))
    assert code == 0, out.err
    return path


def cut_tail(municipality_id: int, keep: int) -> None:
    """What an attacker with the database can do: drop the last entries, move the head back."""
    sql(
        "DELETE FROM audit_accesslogobject WHERE entry_id IN (SELECT id FROM"
        " audit_accesslogentry WHERE municipality_id = %s AND seq > %s)",
        [municipality_id, keep],
    )
    sql(
        "DELETE FROM audit_accesslogentry WHERE municipality_id = %s AND seq > %s",
        [municipality_id, keep],
    )
    sql(
        "UPDATE audit_accesschainhead SET seq = %s, last_hash = (SELECT hash FROM"
        " audit_accesslogentry WHERE municipality_id = %s AND seq = %s) WHERE municipality_id = %s",
        [keep, municipality_id, keep, municipality_id],
    )


def test_checkpoint_appends_one_signed_line_per_municipality(
    checkpoint: Path,
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    lines = [json.loads(line) for line in checkpoint.read_text().splitlines()]
    assert [(c["municipality"], c["seq"], c["hash"]) for c in lines] == [
        ("232297", 4, chains[0][-1].hash),
        ("362085", 2, chains[1][-1].hash),
    ]
    assert all(c["signature"] and c["at"] for c in lines)
    audit(capsys, "checkpoint", str(checkpoint))
    assert len(checkpoint.read_text().splitlines()) == 4  # appended, never rewritten
    assert checkpoint.stat().st_mode & 0o777 == 0o600


def test_checkpoint_to_standard_output(
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = audit(capsys, "checkpoint", "-")
    assert code == 0
    assert [json.loads(line)["municipality"] for line in out.out.splitlines()] == [
        "232297",
        "362085",
    ]


def test_an_intact_log_and_later_entries_pass_against_the_checkpoint(
    personas: Personas, checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record(personas.members["counselor"], 9)
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 0, out.err
    assert "intact" in out.out


def test_a_cut_tail_with_a_moved_head_fails_against_the_checkpoint(
    personas: Personas, checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut_tail(personas.municipality.pk, keep=2)
    assert audit(capsys, "verify")[0] == 0  # the chain alone cannot tell
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "豊明市 (232297) no longer reaches its checkpointed entry 4" in out.err


def test_a_wiped_municipality_fails_against_the_checkpoint(
    personas: Personas, checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    miyoshi = personas.outsider.pk
    sql("DELETE FROM audit_accesslogobject WHERE municipality_id = %s", [miyoshi])
    sql("DELETE FROM audit_accesslogentry WHERE municipality_id = %s", [miyoshi])
    sql("DELETE FROM audit_accesschainhead WHERE municipality_id = %s", [miyoshi])
    assert audit(capsys, "verify")[0] == 0
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "三好市 (362085) no longer reaches its checkpointed entry 2" in out.err


def rewrite_chain(municipality_id: int, link: Callable[[str, dict[str, object]], str]) -> None:
    """Edit entry 2 and recompute every link after it with `link(prev_hash, fields)`."""
    with scopes_disabled():
        entries = list(AccessLogEntry.objects.filter(municipality_id=municipality_id))
        prev = ""
        for entry in entries:
            if entry.seq == 2:
                entry.username = "someone-else"
            entry.prev_hash = prev
            entry.hash = prev = link(prev, hashed_fields(entry))
            entry.save()
    sql(
        "UPDATE audit_accesschainhead SET last_hash = %s WHERE municipality_id = %s",
        [prev, municipality_id],
    )


def plain_sha256(prev: str, fields: dict[str, object]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256((prev + payload).encode()).hexdigest()


def test_a_chain_recomputed_with_plain_sha256_after_an_edit_fails(
    personas: Personas,
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rewrite_chain(personas.municipality.pk, plain_sha256)
    code, out = audit(capsys, "verify")
    assert code == 1
    assert "entry 1 of 豊明市 (232297): changed" in out.err


def test_a_chain_recomputed_with_another_key_fails(
    personas: Personas,
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    rewrite_chain(personas.municipality.pk, lambda p, f: entry_hash(p, f, key=b"guessed"))
    code, out = audit(capsys, "verify")
    assert code == 1
    assert "豊明市 (232297): changed" in out.err


def test_an_edited_checkpoint_line_fails(
    personas: Personas, checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cut_tail(personas.municipality.pk, keep=2)
    lines = checkpoint.read_text().splitlines()
    edited = json.loads(lines[0])
    with scopes_disabled():
        kept = AccessLogEntry.objects.get(municipality=personas.municipality, seq=2)
    edited.update(seq=2, hash=kept.hash)  # point the anchor at the cut chain's new head
    checkpoint.write_text("\n".join([json.dumps(edited), lines[1]]) + "\n")
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "Line 1 of" in out.err and "not a checkpoint signed with the audit key" in out.err


@pytest.mark.parametrize(
    "forged",
    [
        {"municipality": "232297", "seq": 1, "hash": "0" * 64, "at": "2026-12-01T00:00:00+00:00"},
        {
            "municipality": "232297",
            "seq": 1,
            "hash": "0" * 64,
            "at": "2026-12-01T00:00:00+00:00",
            "signature": "f" * 64,
        },
        "not json at all",
    ],
)
def test_a_forged_checkpoint_line_fails(
    checkpoint: Path, capsys: pytest.CaptureFixture[str], forged: dict[str, object] | str
) -> None:
    text = forged if isinstance(forged, str) else json.dumps(forged)
    with checkpoint.open("a") as file:
        file.write(text + "\n")
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "Line 3 of" in out.err


def test_a_line_signed_with_another_audit_key_fails(
    checkpoint: Path, capsys: pytest.CaptureFixture[str], settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_AUDIT_KEY = "an attacker's own key"
    audit(capsys, "checkpoint", str(checkpoint))
    settings.TSUNAGU_AUDIT_KEY = "the municipality's key"
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "Line 1 of" in out.err


def test_a_rotated_key_still_verifies_older_entries_while_kept_as_a_fallback(
    personas: Personas,
    checkpoint: Path,
    capsys: pytest.CaptureFixture[str],
    settings: SettingsWrapper,
) -> None:
    old = settings.TSUNAGU_AUDIT_KEY
    settings.TSUNAGU_AUDIT_KEY = "the new audit key"
    settings.TSUNAGU_AUDIT_KEY_FALLBACKS = [old]
    record(personas.members["counselor"], 9)
    assert audit(capsys, "verify", "--checkpoint", str(checkpoint))[0] == 0
    settings.TSUNAGU_AUDIT_KEY_FALLBACKS = []
    assert audit(capsys, "verify")[0] == 1


def test_checkpoint_refuses_to_sign_a_head_that_was_moved(
    personas: Personas,
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sql(
        "UPDATE audit_accesschainhead SET seq = 2 WHERE municipality_id = %s",
        [personas.municipality.pk],
    )
    path = tmp_path / "checkpoints.jsonl"
    code, out = audit(capsys, "checkpoint", str(path))
    assert code == 1
    assert "豊明市 (232297)" in out.err
    assert [json.loads(line)["municipality"] for line in path.read_text().splitlines()] == [
        "362085"
    ]


def test_a_missing_checkpoint_file_is_a_clear_error(
    chains: tuple[list[AccessLogEntry], list[AccessLogEntry]], tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match=r"missing\.jsonl"):
        call_command("audit", "verify", "--checkpoint", str(tmp_path / "missing.jsonl"))


def test_a_checkpoint_of_a_deleted_municipality_fails(
    personas: Personas, checkpoint: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = checkpoint.read_text()
    with scopes_disabled():
        municipality_code = personas.outsider.code
    assert municipality_code in lines
    sql("UPDATE tenancy_municipality SET code = %s WHERE id = %s", ["999999", personas.outsider.pk])
    code, out = audit(capsys, "verify", "--checkpoint", str(checkpoint))
    assert code == 1
    assert "362085" in out.err
