"""`tsunagu serve`: serve Tsunagu on this machine."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Tsunagu on http://127.0.0.1:PORT (for one machine; deploy with gunicorn)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("runserver", f"{options['host']}:{options['port']}", use_reloader=False)
