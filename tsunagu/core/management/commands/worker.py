"""`tsunagu worker`: run background jobs (imports) until stopped; TERM lets the current job end."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tsunagu.core.jobs import run_worker


class Command(BaseCommand):
    help = "Run queued background jobs until stopped (TERM or Ctrl+C ends after the current job)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at an empty queue."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        run_worker(batch=options["batch"], interval=options["interval"])
