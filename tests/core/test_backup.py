"""`tsunagu backup` of the demo and `tsunagu restore` elsewhere bring back every row of every table.

Runs on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL), with real
`tsunagu` processes; the keys travel separately from the backup, as SECURITY.md says.
"""

import gzip
import json
import shutil
from pathlib import Path

from .databases import Database

SHOW_A_SECRET = """
from django_scopes import scopes_disabled
from tsunagu.consultations.models import Consultation
with scopes_disabled():
    c = Consultation.objects.exclude(summary=None).exclude(summary="").order_by("pk").first()
    print(c.summary)
"""


def _tables(path: Path) -> dict[str, list[str]]:
    """Every table's rows of a backup, in a comparable form."""
    tables: dict[str, list[str]] = {}
    table = ""
    with gzip.open(path, "rt", encoding="utf-8") as archive:
        archive.readline()
        for line in archive:
            item = json.loads(line)
            if isinstance(item, dict):
                table = item["table"]
                tables[table] = []
            else:
                tables[table].append(json.dumps(item, sort_keys=True, ensure_ascii=False))
    return {name: sorted(rows) for name, rows in tables.items()}


def _rows(db: Database, table: str) -> int:
    return db.query(f"SELECT COUNT(*) FROM {table}")


def test_the_demo_backed_up_is_restored_elsewhere_with_every_row(tmp_path: Path) -> None:
    source = Database(tmp_path / "source", "backup_source")
    target = Database(tmp_path / "target", "backup_target")
    archive = tmp_path / "tsunagu-backup.jsonl.gz"
    try:
        source.manage("demo", "--no-serve")
        source.manage("backup", str(archive))

        # Encrypted columns stay encrypted: a summary's text is nowhere in the file.
        secret = source.manage("shell", "-c", SHOW_A_SECRET).stdout.strip()
        assert len(secret) >= 4
        text = gzip.decompress(archive.read_bytes()).decode()
        assert secret not in text
        assert "gAAAAA" in text  # the Fernet ciphertext is there instead
        for key_file in ("secret_key", "salt_key"):
            assert (tmp_path / "source" / key_file).read_text().strip() not in text

        # Other keys: refused before anything is written.
        refused = target.manage("restore", str(archive), check=False, SECRET_KEY="another-key")
        assert refused.returncode == 1
        assert "鍵" in refused.stderr and "何も書き込んでいません" in refused.stderr
        assert _rows(target, "consultations_consultation") == 0
        assert _rows(target, "accounts_user") == 0

        # The keys, kept separately, come along: every row of every table comes back.
        for key_file in ("secret_key", "salt_key"):
            shutil.copy(tmp_path / "source" / key_file, tmp_path / "target" / key_file)
        target.manage("restore", str(archive))
        again = tmp_path / "again.jsonl.gz"
        target.manage("backup", str(again))
        before, after = _tables(archive), _tables(again)
        assert set(before) == set(after)
        assert sum(map(len, before.values())) > 1000
        assert [t for t in before if before[t] != after[t]] == []
        # The restored records open with the keys.
        assert target.manage("shell", "-c", SHOW_A_SECRET).stdout.strip() == secret

        # A database with data in it is never overwritten.
        refused = target.manage("restore", str(archive), check=False)
        assert refused.returncode == 1
        assert "空ではありません" in refused.stderr
    finally:
        source.drop()
        target.drop()
