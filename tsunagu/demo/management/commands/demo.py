"""`tsunagu demo [--no-serve]`: migrate, load the four municipalities of the seed, serve."""

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from tsunagu.demo.services import demo_load


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
        if not options["no_serve"]:
            self.stdout.write(
                _("Open http://127.0.0.1:%(port)s/ and log in, e.g. as toyoake-counselor.")
                % {"port": options["port"]}
            )
            call_command("serve", port=options["port"])
