"""`tsunagu audit verify`: exit 0 when the access log is intact, else 1 naming the break."""

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from tsunagu.audit.selectors import access_chain_verify
from tsunagu.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Verify the hash chain of the access log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="Check that no access log entry was changed or removed.")

    def handle(self, *args: Any, **options: Any) -> None:
        broken = access_chain_verify()
        if broken is None:
            self.stdout.write(_("The access log is intact."))
            return
        municipality = Municipality.objects.filter(pk=broken.municipality_id).first()
        reason = _("changed") if broken.reason == "changed" else _("removed")
        self.stderr.write(
            _("The access log is broken at entry %(seq)s of %(name)s (%(code)s): %(reason)s.")
            % {
                "seq": broken.seq,
                "name": municipality.name if municipality else "?",
                "code": municipality.code if municipality else "?",
                "reason": reason,
            }
        )
        sys.exit(1)
