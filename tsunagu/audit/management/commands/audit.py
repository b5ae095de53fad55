"""`tsunagu audit verify [--checkpoint FILE]` and `tsunagu audit checkpoint FILE`.

verify exits 0 when the access log is intact, else 1 naming the municipality and the break;
checkpoint appends every municipality's head, signed with the audit key, to FILE ("-": standard
output, e.g. for `| logger`).
"""

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from tsunagu.audit.checkpoints import (
    Checkpoint,
    CheckpointInvalid,
    checkpoint_file_read,
    checkpoint_line,
    checkpoints_now,
)
from tsunagu.audit.selectors import access_chain_verify
from tsunagu.tenancy.models import Municipality


class Command(BaseCommand):
    help = "Verify the access log's chain, or append a signed checkpoint of its heads."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify", help="Check that no access log entry was changed or removed."
        )
        verify.add_argument(
            "--checkpoint",
            metavar="FILE",
            help="Also check that every municipality's chain still reaches the heads in FILE.",
        )
        checkpoint = sub.add_parser(
            "checkpoint", help="Append each municipality's head, signed, to FILE ('-': stdout)."
        )
        checkpoint.add_argument("file", metavar="FILE")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "checkpoint":
            self._checkpoint(options["file"])
        else:
            self._verify(options.get("checkpoint"))

    def _fail(self, message: str) -> NoReturn:
        self.stderr.write(message)
        sys.exit(1)

    def _checkpoint(self, file: str) -> None:
        good, bad = checkpoints_now()
        text = "".join(checkpoint_line(c) + "\n" for c in good)
        if file == "-":
            self.stdout.write(text, ending="")
        else:
            try:
                # Append only, never rewrite: earlier lines are the anchors of earlier heads.
                descriptor = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                with os.fdopen(descriptor, "a", encoding="utf-8") as out:
                    out.write(text)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write the checkpoint file %(file)s: %(error)s")
                    % {"file": file, "error": exc.strerror}
                ) from None
            self.stdout.write(
                _("Checkpointed the access log of %(count)d municipalities.") % {"count": len(good)}
            )
        if bad:
            self._fail(
                "\n".join(
                    _(
                        "Not checkpointed: the access log of %(name)s (%(code)s) does not end at"
                        " its recorded head. Run `tsunagu audit verify`."
                    )
                    % {"name": m.name, "code": m.code}
                    for m in bad
                )
            )

    def _verify(self, checkpoint_file: str | None) -> None:
        anchors: dict[int, dict[int, str]] = {}
        if checkpoint_file:
            anchors = self._anchors(Path(checkpoint_file))
        broken = access_chain_verify(checkpoints=anchors)
        if broken is None:
            self.stdout.write(_("The access log is intact."))
            return
        municipality = Municipality.objects.filter(pk=broken.municipality_id).first()
        names = {
            "seq": broken.seq,
            "name": municipality.name if municipality else "?",
            "code": municipality.code if municipality else "?",
        }
        if broken.reason == "checkpoint":
            self._fail(
                _(
                    "The access log of %(name)s (%(code)s) no longer reaches its checkpointed"
                    " entry %(seq)s: entries were removed or rewritten."
                )
                % names
            )
        reason = _("changed") if broken.reason == "changed" else _("removed")
        self._fail(
            _("The access log is broken at entry %(seq)s of %(name)s (%(code)s): %(reason)s.")
            % {**names, "reason": reason}
        )

    def _anchors(self, path: Path) -> dict[int, dict[int, str]]:
        """{municipality id: {seq: hash}} of a checkpoint file; exits 1 on a bad file."""
        try:
            checkpoints: list[Checkpoint] = checkpoint_file_read(path)
        except OSError as exc:
            raise CommandError(
                _("Cannot read the checkpoint file %(file)s: %(error)s")
                % {"file": path, "error": exc.strerror}
            ) from None
        except CheckpointInvalid as exc:
            self._fail(
                _(
                    "Line %(line)d of %(file)s is not a checkpoint signed with the audit key:"
                    " the file was edited or the line forged."
                )
                % {"line": exc.line_number, "file": path}
            )
        ids = dict(Municipality.objects.values_list("code", "pk"))
        anchors: dict[int, dict[int, str]] = {}
        for checkpoint in checkpoints:
            if checkpoint.municipality not in ids:
                self._fail(
                    _("The municipality %(code)s of the checkpoint file no longer exists.")
                    % {"code": checkpoint.municipality}
                )
            anchors.setdefault(ids[checkpoint.municipality], {})[checkpoint.seq] = checkpoint.hash
        return anchors
