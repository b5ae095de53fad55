"""`tsunagu retention list|apply [--municipality CODE] [--dry-run]`: delete what is past retention.

Run it from cron (e.g. monthly). `list` and `--dry-run` change nothing; `apply` deletes and
writes one deletion record per municipality (ids and counts, no personal data).
"""

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope

from tsunagu.retention.selectors import Due, retention_due
from tsunagu.retention.services import retention_apply
from tsunagu.tenancy.models import Municipality

LABELS = {
    "persons": gettext_lazy("Persons"),
    "cases": gettext_lazy("Cases"),
    "consultations": gettext_lazy("Consultations"),
    "consents": gettext_lazy("Consents"),
    "consent_scans": gettext_lazy("Consent scans"),
    "family_members": gettext_lazy("Family members and contacts"),
}


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's user id (e.g. in a container)
        return "?"


class Command(BaseCommand):
    help = "List or delete casework past each municipality's retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["list", "apply"])
        parser.add_argument("--municipality", metavar="CODE", help="one municipality only")
        parser.add_argument("--dry-run", action="store_true", help="show what apply would delete")

    def handle(self, *args: Any, **options: Any) -> None:
        municipalities = Municipality.objects.order_by("code")
        if options["municipality"]:
            municipalities = municipalities.filter(code=options["municipality"])
            if not municipalities.exists():
                raise CommandError(
                    _("No municipality has the code %(code)s.") % {"code": options["municipality"]}
                )
        delete = options["action"] == "apply" and not options["dry_run"]
        today = timezone.localdate()
        # Who ran it, for the deletion record: the operator's account on the server.
        performed_by = f"tsunagu retention apply ({_operator()})"
        for municipality in municipalities:
            with scope(municipality=municipality):
                if delete:
                    due, record = retention_apply(
                        municipality=municipality, today=today, performed_by=performed_by
                    )
                else:
                    due, record = retention_due(municipality=municipality, today=today), None
            self.stdout.write(self._line(municipality, due))
            if record is not None:
                self.stdout.write(_("  deleted; deletion record #%(pk)s") % {"pk": record.pk})

    def _line(self, municipality: Municipality, due: Due) -> str:
        counts = ", ".join(f"{LABELS[name]} {n}" for name, n in due.counts().items())
        return _("%(code)s %(name)s: kept %(years)s years, before %(cutoff)s: %(counts)s") % {
            "code": municipality.code,
            "name": municipality.name,
            "years": due.years,
            "cutoff": due.cutoff.isoformat(),
            "counts": counts,
        }
