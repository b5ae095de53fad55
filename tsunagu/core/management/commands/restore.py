"""`tsunagu restore FILE`: bring back a backup into an empty database (refuses any other)."""

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore FILE (from `tsunagu backup`) into an empty database; migrates it first."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="A file written by `tsunagu backup`.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"ファイルがありません / no such file: {path}")
        call_command("migrate", interactive=False, verbosity=0)
        try:
            summary = restore(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{summary.tables} 表, {summary.rows} 行を復元しました / restored {summary.tables} "
            f"tables, {summary.rows} rows."
        )
