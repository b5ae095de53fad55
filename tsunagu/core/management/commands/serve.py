"""`tsunagu serve`: gunicorn with several workers, static files, and the job worker beside it."""

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tsunagu.core.checks import database_problems
from tsunagu.core.serving import TsunaguServer, default_workers


class Command(BaseCommand):
    help = (
        "Serve Tsunagu with gunicorn (several worker processes) and run the background job "
        "worker beside it. HUP reloads, TERM stops gracefully."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--workers",
            type=int,
            default=default_workers(),
            help="Web worker processes (default: 2 × CPUs + 1, at most 9).",
        )
        parser.add_argument(
            "--no-jobs",
            action="store_true",
            help="Do not start the job worker (run `tsunagu worker` elsewhere).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError("--workers は 1 以上にしてください / --workers must be at least 1")
        problems = database_problems()
        if problems:
            raise CommandError("\n".join(problems))
        if not getattr(settings, "WHITENOISE_USE_FINDERS", False):
            # Production serves the collected, fingerprinted files.
            call_command("collectstatic", interactive=False, verbosity=0)
        TsunaguServer(
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": options["workers"],
                # Requests are short; a stuck one is restarted rather than blocking a worker.
                "timeout": 60,
                "graceful_timeout": 30,
                "max_requests": 2000,
                "max_requests_jitter": 200,
                "forwarded_allow_ips": "127.0.0.1",
                # gunicorn's control socket sits at one path per user: two servers would clash.
                "control_socket_disable": True,
            },
            with_worker=not options["no_jobs"],
        ).run()
