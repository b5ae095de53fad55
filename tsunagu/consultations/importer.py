"""Import of consultations from CSV or XLSX (CONTRACT.md "Import file"), for the CLI and the screen.

Rows are streamed: a file of 100,000 rows is read once per pass, person numbers and usernames
are looked up in dictionaries loaded up front, and consultations are saved in batches inside
one transaction, so either every row is saved or none is.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from tsunagu.consultations.codes import (
    CHANNEL_LABELS_JA,
    CONSULTER_LABELS_JA,
    Channel,
    Consulter,
)
from tsunagu.consultations.models import Consultation, ImportedFile, ImportJob
from tsunagu.consultations.services import consultation_build, consultation_bulk_create
from tsunagu.core.eras import TOKYO, EraDateError, parse_datetime
from tsunagu.people.codes import Relation
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership, Municipality

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "SUPPORTED_SUFFIXES",
    "CheckResult",
    "ConsultationImport",
    "ImportFileError",
    "ImportRow",
    "RowError",
    "SaveResult",
]

COL_WHEN = "日時"
COL_CHANNEL = "相談方法"
COL_CONSULTER = "相談者"
COL_RELATION = "続柄"
COL_PERSON = "対象者番号"
COL_STAFF = "担当"
COL_SUMMARY = "内容"
REQUIRED_COLUMNS = (COL_WHEN, COL_CHANNEL, COL_CONSULTER)
COLUMNS = (*REQUIRED_COLUMNS, COL_RELATION, COL_PERSON, COL_STAFF, COL_SUMMARY)
SUPPORTED_SUFFIXES = (".csv", ".xlsx")

BATCH_SIZE = 2000
# Progress is reported this often; often enough for a bar, rare enough to cost nothing.
PROGRESS_EVERY = 1000

RELATION_LABELS_JA = {
    "母": Relation.MOTHER,
    "父": Relation.FATHER,
    "兄弟姉妹": Relation.SIBLING,
    "兄": Relation.SIBLING,
    "姉": Relation.SIBLING,
    "弟": Relation.SIBLING,
    "妹": Relation.SIBLING,
    "配偶者": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "子": Relation.CHILD,
    "息子": Relation.CHILD,
    "娘": Relation.CHILD,
    "祖父母": Relation.GRANDPARENT,
    "祖父": Relation.GRANDPARENT,
    "祖母": Relation.GRANDPARENT,
    "その他": Relation.OTHER,
}

Progress = Callable[[int, float | None], None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported; ``str()`` says what to do in plain words."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return _("Line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


@dataclass(frozen=True)
class ImportRow:
    """One row as understood, before it becomes a consultation."""

    line: int
    occurred_at: datetime
    channel: str
    consulter: str
    consulter_relation: str
    person_number: int | None
    staff_username: str
    summary: str

    def as_preview(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "occurred_at": self.occurred_at.isoformat(),
            "channel": self.channel,
            "consulter": self.consulter,
            "consulter_relation": self.consulter_relation,
            "person_number": self.person_number,
            "staff": self.staff_username,
            "summary": self.summary[:200],
        }


@dataclass
class CheckResult:
    rows: int = 0
    preview: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0


@dataclass
class SaveResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0

    @property
    def ok(self) -> bool:
        return self.error_count == 0


def _key(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _code_table(choices: type[Any], labels_ja: Mapping[str, str]) -> dict[str, str]:
    """Codes, English labels and Japanese labels, compared after NFKC and casefold."""
    table = {_key(code): str(code) for code in choices.values}
    with translation.override("en"):
        table |= {_key(str(label)): str(code) for code, label in choices.choices}
    table |= {_key(label): str(code) for label, code in labels_ja.items()}
    return table


class _CountingReader(io.RawIOBase):
    """Counts the bytes the CSV decoder has consumed, for a progress bar of a streamed file."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.consumed = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.consumed += len(data)
        return len(data)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return unicodedata.normalize("NFKC", str(value)).strip()


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class AlreadyImported(ImportFileError):
    """The same content was imported into the municipality before (refused unless forced)."""


def _refuse_if_imported(municipality: Municipality, digest: str) -> None:
    first = (
        ImportedFile.objects.filter(municipality=municipality, content_hash=digest)
        .select_related("imported_by__user")
        .first()
    )
    if first is None:
        return
    when = timezone.localtime(first.imported_at, TOKYO).strftime("%Y-%m-%d %H:%M")
    who = str(first.imported_by.user) if first.imported_by else _("the command line")
    raise AlreadyImported(
        _(
            "This file was already imported on %(when)s by %(who)s (%(rows)d rows). "
            "Import it again only if that import was wrong: ask for it to be forced."
        )
        % {"when": when, "who": who, "rows": first.rows}
    )


class ConsultationImport:
    """Reads, checks and saves one municipality's import file.

    Build it once per file: it loads the municipality's person numbers and staff usernames.
    """

    def __init__(self, *, municipality: Municipality, actor: Membership | None) -> None:
        self.municipality = municipality
        self.actor = actor
        self.channels = _code_table(Channel, CHANNEL_LABELS_JA)
        self.consulters = _code_table(Consulter, CONSULTER_LABELS_JA)
        self.relations = _code_table(Relation, RELATION_LABELS_JA)
        self.persons: dict[int, Person] = {
            p.number: p
            for p in Person.objects.filter(municipality=municipality).only(
                "pk", "number", "municipality_id"
            )
        }
        self.staff: dict[str, Membership] = {
            m.user.username: m
            for m in Membership.objects.filter(municipality=municipality).select_related("user")
        }

    # Reading -----------------------------------------------------------------------------

    def _lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells) of every non-empty row, the header first."""
        suffix = path.suffix.lower()
        if suffix == ".csv":
            yield from self._csv_lines(path, progress)
        elif suffix == ".xlsx":
            yield from self._xlsx_lines(path, progress)
        else:
            raise ImportFileError(_("“%(name)s” is not a CSV or XLSX file.") % {"name": path.name})

    def _csv_lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        size = max(path.stat().st_size, 1)
        with path.open("rb") as raw:
            counter = _CountingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", newline="")
            reader = csv.reader(text)
            line = 1
            try:
                for index, cells in enumerate(reader):
                    if progress is not None and index % PROGRESS_EVERY == 0 and index:
                        progress(index, min(counter.consumed / size, 1.0))
                    if any(cell.strip() for cell in cells):
                        yield line, cells
                    # A quoted cell may span lines; the next row starts after this one ends.
                    line = reader.line_num + 1
            except UnicodeDecodeError:
                raise ImportFileError(
                    _(
                        "The file is not in UTF-8 (around line %(line)d). "
                        "In Excel, save it as “CSV UTF-8 (comma delimited)”."
                    )
                    % {"line": line}
                ) from None
            except csv.Error as exc:
                raise ImportFileError(
                    _("Line %(line)d cannot be read as CSV: %(error)s")
                    % {"line": line, "error": exc}
                ) from None

    def _xlsx_lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise ImportFileError(
                _("“%(name)s” cannot be opened as an Excel workbook (.xlsx).") % {"name": path.name}
            ) from None
        try:
            sheet = workbook.worksheets[0]
            total = sheet.max_row or None
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if progress is not None and line % PROGRESS_EVERY == 0:
                    progress(line, min(line / total, 1.0) if total else None)
                if any(_text(cell) for cell in cells):
                    yield line, list(cells)
        finally:
            workbook.close()

    def _rows(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, dict[str, Any]]]:
        lines = self._lines(path, progress)
        try:
            header = next(lines)[1]
        except StopIteration:
            raise ImportFileError(_("The file is empty: it needs a header row.")) from None
        columns: dict[str, int] = {}
        for index, name in enumerate(header):
            columns.setdefault(_text(name), index)
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            raise ImportFileError(
                _("The header row lacks the required column(s) %(missing)s (expected: %(all)s).")
                % {"missing": "、".join(missing), "all": "、".join(COLUMNS)}
            )
        wanted = [(name, columns[name]) for name in COLUMNS if name in columns]
        for line, cells in lines:
            yield line, {name: cells[i] if i < len(cells) else None for name, i in wanted}

    # Checking ----------------------------------------------------------------------------

    def _when(self, value: Any) -> datetime:
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=TOKYO)
        if isinstance(value, date):
            return datetime.combine(value, time(0, 0), tzinfo=TOKYO)
        text = _text(value)
        if not text:
            raise EraDateError(_("%(column)s is empty.") % {"column": COL_WHEN})
        return parse_datetime(text)

    def _code(self, table: dict[str, str], column: str, value: Any, problems: list[str]) -> str:
        text = _text(value)
        if not text:
            problems.append(_("%(column)s is empty.") % {"column": column})
            return ""
        code = table.get(_key(text))
        if code is None:
            problems.append(
                _("%(column)s “%(value)s” is not one of the codes or labels.")
                % {"column": column, "value": text[:40]}
            )
            return ""
        return code

    def parse(self, line: int, cells: dict[str, Any]) -> tuple[ImportRow | None, list[str]]:
        """One row understood, or the reasons it cannot be."""
        problems: list[str] = []
        try:
            occurred_at = self._when(cells.get(COL_WHEN))
        except EraDateError as exc:
            problems.append(f"{COL_WHEN}: {exc.args[0]}")
            occurred_at = None
        channel = self._code(self.channels, COL_CHANNEL, cells.get(COL_CHANNEL), problems)
        consulter = self._code(self.consulters, COL_CONSULTER, cells.get(COL_CONSULTER), problems)
        relation = ""
        if _text(cells.get(COL_RELATION)):
            relation = self._code(self.relations, COL_RELATION, cells.get(COL_RELATION), problems)
        person_number: int | None = None
        number_text = _text(cells.get(COL_PERSON))
        if number_text:
            if not number_text.isdigit():
                problems.append(
                    _("%(column)s “%(value)s” is not a number.")
                    % {"column": COL_PERSON, "value": number_text[:40]}
                )
            elif int(number_text) not in self.persons:
                problems.append(
                    _("There is no person numbered %(number)s in this municipality.")
                    % {"number": number_text}
                )
            else:
                person_number = int(number_text)
        username = _text(cells.get(COL_STAFF))
        if username and username not in self.staff:
            problems.append(
                _("“%(username)s” is not a member of this municipality.")
                % {"username": username[:40]}
            )
        if problems or occurred_at is None:
            return None, problems
        raw_summary = cells.get(COL_SUMMARY)
        summary = "" if raw_summary is None else str(raw_summary).strip()
        # Quoted cells keep the file's CRLF; records store LF whatever their source.
        summary = summary.replace("\r\n", "\n").replace("\r", "\n")
        return (
            ImportRow(
                line=line,
                occurred_at=occurred_at,
                channel=channel,
                consulter=consulter,
                consulter_relation=relation,
                person_number=person_number,
                staff_username=username,
                summary=summary,
            ),
            [],
        )

    def build(self, row: ImportRow) -> Consultation:
        return consultation_build(
            actor=self.actor,
            municipality=self.municipality,
            occurred_at=row.occurred_at,
            channel=row.channel,
            consulter=row.consulter,
            consulter_relation=row.consulter_relation,
            staff=self.staff[row.staff_username] if row.staff_username else None,
            summary=row.summary,
            person=self.persons[row.person_number] if row.person_number is not None else None,
        )

    def check(
        self,
        path: Path,
        *,
        preview_size: int = 20,
        max_errors: int | None = None,
        progress: Progress | None = None,
        force: bool = False,
    ) -> CheckResult:
        """Read the whole file without saving: the first rows as understood, and every error."""
        if not force:
            _refuse_if_imported(self.municipality, file_hash(path))
        result = CheckResult()
        for line, cells in self._rows(path, progress):
            result.rows += 1
            row, problems = self.parse(line, cells)
            if row is not None and len(result.preview) < preview_size:
                result.preview.append(row)
            self._add_errors(result, line, problems, max_errors)
        return result

    def save(
        self,
        path: Path,
        *,
        max_errors: int | None = None,
        progress: Progress | None = None,
        force: bool = False,
    ) -> SaveResult:
        """Save every row in one transaction, or, when any row is bad, none.

        A file whose content was imported before is refused unless `force` is given.
        """
        result = SaveResult()
        digest = file_hash(path)
        if not force:
            _refuse_if_imported(self.municipality, digest)
        with transaction.atomic():
            batch: list[Consultation] = []
            for line, cells in self._rows(path, progress):
                row, problems = self.parse(line, cells)
                if row is not None and not result.error_count:
                    try:
                        batch.append(self.build(row))
                    except ValidationError as exc:
                        problems = list(exc.messages)
                self._add_errors(result, line, problems, max_errors)
                if len(batch) >= BATCH_SIZE and not result.error_count:
                    result.created += consultation_bulk_create(
                        consultations=batch, batch_size=BATCH_SIZE
                    )
                    batch = []
            if result.error_count:
                transaction.set_rollback(True)
                result.created = 0
            else:
                if batch:
                    result.created += consultation_bulk_create(
                        consultations=batch, batch_size=BATCH_SIZE
                    )
                ImportedFile.objects.create(
                    municipality=self.municipality,
                    content_hash=digest,
                    file_name=path.name[:255],
                    imported_by=self.actor,
                    rows=result.created,
                )
        return result

    @staticmethod
    def _add_errors(
        result: CheckResult | SaveResult, line: int, problems: list[str], max_errors: int | None
    ) -> None:
        for message in problems:
            result.error_count += 1
            if max_errors is None or len(result.errors) < max_errors:
                result.errors.append(RowError(line, message))


# Jobs of the upload screen ----------------------------------------------------------------
#
# The screen checks a file, shows a preview, and saves it on confirmation; both passes run in
# a background thread so the page can poll the job's progress. While rows are being saved the
# job's row cannot show progress (it would sit in the saving transaction), so that phase also
# reports to an in-process table the progress view reads first.

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
# Enough to fix a file by; a file wrong on every line says so in its error count.
MAX_STORED_ERRORS = 1000
# An unconfirmed upload is dropped after this long, so personal data does not linger on disk.
STALE_AFTER = timedelta(days=1)

_live_progress: dict[int, tuple[int, int]] = {}
_live_lock = threading.Lock()


def imports_dir() -> Path:
    directory = Path(settings.DATA_DIR) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def import_job_path(job: ImportJob) -> Path:
    return imports_dir() / job.stored_name


def live_progress(job: ImportJob) -> tuple[int, int] | None:
    """(rows saved, percent) of a job being saved in this process, if it is."""
    with _live_lock:
        return _live_progress.get(job.pk)


def _set_live(job_id: int, rows: int, percent: int) -> None:
    with _live_lock:
        _live_progress[job_id] = (rows, percent)


def _drop_file(job: ImportJob) -> None:
    if job.stored_name:
        import_job_path(job).unlink(missing_ok=True)


def run_in_background(task: Callable[[int], None], job_id: int) -> None:
    """Run a job task in a thread (tests switch this off with TSUNAGU_IMPORT_IN_BACKGROUND)."""
    if not getattr(settings, "TSUNAGU_IMPORT_IN_BACKGROUND", True):
        task(job_id)
        return

    def work() -> None:
        try:
            task(job_id)
        finally:
            connection.close()

    threading.Thread(target=work, name=f"import-job-{job_id}", daemon=True).start()


def import_job_create(
    *, uploader: Membership, upload: UploadedFile, force: bool = False
) -> ImportJob:
    """Keep the uploaded file under DATA_DIR/imports and start checking it."""
    _drop_stale_jobs(uploader.municipality)
    name = upload.name or "upload"
    stored_name = f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    with (imports_dir() / stored_name).open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    job = ImportJob.objects.create(
        municipality=uploader.municipality,
        uploaded_by=uploader,
        original_name=Path(name).name[:255],
        stored_name=stored_name,
        status=ImportJob.Status.CHECKING,
        force=force,
    )
    run_in_background(_check_job, job.pk)
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Start saving a checked job; False when it is not (or no longer) waiting for that."""
    started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
        status=ImportJob.Status.SAVING, percent=0, rows_done=0
    )
    if started:
        run_in_background(_save_job, job.pk)
    return bool(started)


def import_job_cancel(*, job: ImportJob) -> bool:
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.CHECKED, ImportJob.Status.INVALID]
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if cancelled:
        # A job still being checked or saved keeps its file: the thread is reading it.
        _drop_file(job)
    return bool(cancelled)


def _drop_stale_jobs(municipality: Municipality) -> None:
    stale = ImportJob.objects.filter(
        municipality=municipality,
        status=ImportJob.Status.CHECKED,
        created_at__lt=timezone.now() - STALE_AFTER,
    )
    for job in stale:
        import_job_cancel(job=job)


def _errors_json(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"line": e.line, "message": e.message} for e in errors]


def _load_job(job_id: int) -> ImportJob:
    with scopes_disabled():
        return ImportJob.objects.select_related("municipality", "uploaded_by__user").get(pk=job_id)


def _check_job(job_id: int) -> None:
    job = _load_job(job_id)
    with scope(municipality=job.municipality):

        def progress(rows: int, fraction: float | None) -> None:
            ImportJob.objects.filter(pk=job_id).update(
                rows_done=rows, percent=int((fraction or 0) * 100)
            )

        status = ImportJob.Status.CHECKED
        try:
            importer = ConsultationImport(municipality=job.municipality, actor=job.uploaded_by)
            result = importer.check(
                import_job_path(job),
                preview_size=PREVIEW_ROWS,
                max_errors=MAX_STORED_ERRORS,
                progress=progress,
                force=job.force,
            )
            errors = _errors_json(result.errors)
            if result.rows == 0:
                errors = [{"line": None, "message": _("The file has no rows below the header.")}]
            job.rows_total = result.rows
            job.error_count = max(result.error_count, len(errors))
            job.errors = errors
            job.preview = [row.as_preview() for row in result.preview]
        except ImportFileError as exc:
            job.errors = [{"line": None, "message": str(exc)}]
            job.error_count = 1
        except Exception:
            logger.exception("checking import job %s failed", job_id)
            job.errors = [{"line": None, "message": _("The file could not be checked.")}]
            job.error_count = 1
        if job.error_count:
            status = ImportJob.Status.INVALID
            _drop_file(job)
            job.finished_at = timezone.now()
        job.status = status
        job.percent = 100
        job.rows_done = job.rows_total
        job.save()


def _save_job(job_id: int) -> None:
    job = _load_job(job_id)
    total = max(job.rows_total, 1)
    with scope(municipality=job.municipality):

        def progress(rows: int, fraction: float | None) -> None:
            _set_live(job_id, rows, min(int(rows / total * 100), 99))

        try:
            importer = ConsultationImport(municipality=job.municipality, actor=job.uploaded_by)
            result = importer.save(
                import_job_path(job),
                max_errors=MAX_STORED_ERRORS,
                progress=progress,
                force=job.force,
            )
            job.imported = result.created
            job.error_count = result.error_count
            job.errors = _errors_json(result.errors)
            job.status = ImportJob.Status.DONE if result.ok else ImportJob.Status.FAILED
        except ImportFileError as exc:
            job.errors = [{"line": None, "message": str(exc)}]
            job.error_count = 1
            job.status = ImportJob.Status.FAILED
        except Exception:
            logger.exception("saving import job %s failed", job_id)
            job.errors = [{"line": None, "message": _("The import failed; nothing was saved.")}]
            job.error_count = 1
            job.status = ImportJob.Status.FAILED
        finally:
            _drop_file(job)
            with _live_lock:
                _live_progress.pop(job_id, None)
        job.percent = 100
        job.rows_done = job.imported
        job.finished_at = timezone.now()
        job.save()
