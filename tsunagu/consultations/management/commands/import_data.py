"""`tsunagu import consultations --municipality CODE FILE`: load consultations, all rows or none."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from tsunagu.consultations.importer import SUPPORTED_SUFFIXES, ConsultationImport, ImportFileError
from tsunagu.tenancy.models import Municipality
from tsunagu.tenancy.validators import is_valid_municipality_code


class Command(BaseCommand):
    help = "Import records from a file: `import consultations --municipality CODE FILE`."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=["consultations"], help="What the file holds.")
        parser.add_argument("file", help="A .csv (UTF-8) or .xlsx file with a header row.")
        parser.add_argument("--municipality", required=True, help="6-digit local government code")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Import even a file whose content was already imported into the municipality.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        code = options["municipality"].strip()
        if not is_valid_municipality_code(code):
            raise CommandError(
                _("“%(code)s” is not a valid local government code.") % {"code": code}
            )
        municipality = Municipality.objects.filter(code=code).first()
        if municipality is None:
            raise CommandError(_("No municipality with code %(code)s.") % {"code": code})
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            raise CommandError(_("“%(name)s” is not a CSV or XLSX file.") % {"name": path.name})
        # A command runs outside any request, so it enters the municipality's scope itself.
        with scope(municipality=municipality):
            importer = ConsultationImport(municipality=municipality, actor=None)
            try:
                result = importer.save(path, force=options["force"])
            except ImportFileError as exc:
                raise CommandError(str(exc)) from None
        if not result.ok:
            for error in result.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(count)d error(s) found; nothing was imported.") % {"count": result.error_count}
            )
        self.stdout.write(
            ngettext(
                "Imported %(count)d consultation into %(name)s.",
                "Imported %(count)d consultations into %(name)s.",
                result.created,
            )
            % {"count": result.created, "name": municipality.name}
        )
