"""`tsunagu backup FILE`: every row, as stored (encrypted columns stay encrypted), no key."""

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.backup import backup


class Command(BaseCommand):
    help = "Write a consistent backup of the database to FILE while the server runs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="Where to write the backup (gzip'd JSON lines).")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        partial = path.with_name(f".{path.name}.partial")
        try:
            with partial.open("wb") as out:
                os.fchmod(out.fileno(), 0o600)
                summary = backup(out)
            partial.replace(path)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise CommandError(f"バックアップを書けません / cannot write {path}: {exc}") from None
        self.stdout.write(
            f"{path}: {summary.tables} 表, {summary.rows} 行 / {summary.tables} tables, "
            f"{summary.rows} rows. 鍵は含みません: SECRET_KEY と TSUNAGU_SALT_KEY は別に保管して"
            "ください / keys are not included: keep them separately."
        )
