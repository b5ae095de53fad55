"""`tsunagu demo [--no-serve]`: migrate, load the four municipalities of the seed, serve."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from tsunagu.accounts.mfa import enable_demo_mode
from tsunagu.demo.services import demo_counts, demo_load


class Command(BaseCommand):
    help = "Migrate, load the demo municipalities (idempotently), then serve unless --no-serve."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="Load only; do not serve.")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        accounts, password = demo_load()
        self.stdout.write(_("Demo loaded. Accounts (username = <city>-<role>):"))
        for account in accounts:
            self.stdout.write(f"  {account.username:24} {account.municipality} {account.role}")
        self.stdout.write(
            _("Password of every demo account: %(password)s") % {"password": password}
        )
        for counts in demo_counts():
            self.stdout.write(
                _(
                    "%(municipality)s: %(persons)d persons, %(cases)d cases, "
                    "%(consultations)d consultations"
                )
                % {
                    "municipality": counts.municipality,
                    "persons": counts.persons,
                    "cases": counts.cases,
                    "consultations": counts.consultations,
                }
            )
        if not options["no_serve"]:
            enable_demo_mode()
            self.stdout.write(
                _(
                    "Demo mode: on this local server the demo accounts log in without a second"
                    " factor. A real deployment asks every member for one."
                )
            )
            self.stdout.write(
                _("Open http://127.0.0.1:%(port)s/ and log in, e.g. as toyoake-counselor.")
                % {"port": options["port"]}
            )
            call_command("serve", port=options["port"])
