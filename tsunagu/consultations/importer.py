"""Import of consultations from CSV or XLSX (CONTRACT.md "Import file"), for the CLI and the screen.

Rows are streamed: a file of 100,000 rows is read once per pass, person numbers and usernames
are looked up in dictionaries loaded up front, and consultations are staged in batches and
published in one transaction, so either every row is saved or none is.
"""

from __future__ import annotations

import base64
import binascii
import csv
import hashlib
import io
import json
import logging
import os
import queue
import re
import threading
import time as time_
import unicodedata
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_scopes import scope, scopes_disabled

from tsunagu.consultations.codes import (
    CHANNEL_LABELS_JA,
    CONSULTER_LABELS_JA,
    Channel,
    Consulter,
)
from tsunagu.consultations.models import Consultation, ImportedFile, ImportJob
from tsunagu.consultations.services import import_history_record
from tsunagu.core.eras import TOKYO, EraDateError, check_supported, parse_datetime
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
# 2018-04-02, 2018/4/2 9:05, 2018-04-02T14:30:00: a subset of what parse_datetime reads.
_PLAIN_DATETIME = re.compile(
    r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?", re.ASCII
)
# Distinct cells (codes, labels, dates) remembered per file; a file of unique times clears it.
MEMO_SIZE = 50_000
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

# A file has at most this many columns (COLUMNS has 7; room for a few of one's own).
MAX_COLUMNS = 100
# A physical line of a CSV is read at most this many characters at a time: a file without line
# breaks would otherwise be read into memory whole before any cell could be checked.
MAX_CSV_LINE_CHARS = 1024 * 1024
# An XLSX (a zip) inflating beyond this many times its size is refused, once it inflates to
# more than XLSX_RATIO_FROM bytes (small files of repeated text legitimately compress well).
MAX_XLSX_RATIO = 100
XLSX_RATIO_FROM = 10 * 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    """The limits an import file is read within (config/settings.py, TSUNAGU_IMPORT_*)."""

    max_bytes: int
    max_rows: int
    max_cell_chars: int
    max_xlsx_uncompressed: int

    @classmethod
    def from_settings(cls) -> ImportLimits:
        return cls(
            max_bytes=settings.TSUNAGU_IMPORT_MAX_BYTES,
            max_rows=settings.TSUNAGU_IMPORT_MAX_ROWS,
            max_cell_chars=settings.TSUNAGU_IMPORT_MAX_CELL_CHARS,
            max_xlsx_uncompressed=settings.TSUNAGU_IMPORT_MAX_XLSX_UNCOMPRESSED,
        )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):,.0f}"


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


# A row's values once checked: occurred_at, channel, consulter, relation, person number, staff
# username, summary.
_Fields = tuple[datetime, str, str, str, int | None, str, str]


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
    if type(value) is str and value.isascii():  # NFKC leaves ASCII as it is
        return value.strip()
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
        self.limits = ImportLimits.from_settings()
        self.channels = _code_table(Channel, CHANNEL_LABELS_JA)
        self.consulters = _code_table(Consulter, CONSULTER_LABELS_JA)
        self.relations = _code_table(Relation, RELATION_LABELS_JA)
        # Person number -> id and username -> membership id: plain values, looked up per row.
        self.persons: dict[int, int] = dict(
            Person.objects.filter(municipality=municipality).values_list("number", "pk")
        )
        self.staff: dict[str, int] = dict(
            Membership.objects.filter(municipality=municipality).values_list("user__username", "pk")
        )
        # A file repeats the same few cells (codes, labels, dates without a time) on every row:
        # each distinct cell is understood once (its key derived once), then found by value.
        self._known: dict[str, dict[Any, str]] = {
            COL_CHANNEL: {},
            COL_CONSULTER: {},
            COL_RELATION: {},
        }
        self._dates: dict[Any, datetime] = {}

    # Reading -----------------------------------------------------------------------------

    def _lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        """(line number, cells) of every non-empty row, the header first."""
        suffix = path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise ImportFileError(_("“%(name)s” is not a CSV or XLSX file.") % {"name": path.name})
        size = path.stat().st_size
        if size > self.limits.max_bytes:
            raise ImportFileError(
                _(
                    "The file is %(size)s MB; at most %(max)s MB can be imported at once."
                    " Split it into smaller files."
                )
                % {"size": _megabytes(size), "max": _megabytes(self.limits.max_bytes)}
            )
        lines = (
            self._csv_lines(path, progress)
            if suffix == ".csv"
            else self._xlsx_lines(path, progress)
        )
        for line, cells in lines:
            self._check_limits(line, cells)
            yield line, cells

    def _check_limits(self, line: int, cells: list[Any]) -> None:
        """Stop at the first line beyond the row limit, or with too many or too long cells."""
        if line > self.limits.max_rows + 1:  # the header is line 1
            raise ImportFileError(
                _(
                    "The file has more than %(max)s rows; at most %(max)s can be imported at"
                    " once. Split it into smaller files."
                )
                % {"max": f"{self.limits.max_rows:,}"}
            )
        if len(cells) > MAX_COLUMNS:
            raise ImportFileError(
                _("Line %(line)d has %(count)s columns; at most %(max)s are read.")
                % {"line": line, "count": f"{len(cells):,}", "max": MAX_COLUMNS}
            )
        try:
            # Most rows: every cell text, all of them together within one cell's limit.
            if sum(map(len, cells)) <= self.limits.max_cell_chars:
                return
        except TypeError:  # numbers and dates of a workbook
            pass
        for cell in cells:
            if isinstance(cell, str) and len(cell) > self.limits.max_cell_chars:
                raise ImportFileError(
                    _(
                        "Line %(line)d has a cell of %(count)s characters; a cell may hold at"
                        " most %(max)s."
                    )
                    % {
                        "line": line,
                        "count": f"{len(cell):,}",
                        "max": f"{self.limits.max_cell_chars:,}",
                    }
                )

    def _csv_lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        size = max(path.stat().st_size, 1)
        with path.open("rb") as raw:
            counter = _CountingReader(raw)
            text = io.TextIOWrapper(io.BufferedReader(counter), encoding="utf-8-sig", newline="")
            line = 1

            def physical_lines() -> Iterator[str]:
                while chunk := text.readline(MAX_CSV_LINE_CHARS):
                    if len(chunk) >= MAX_CSV_LINE_CHARS and not chunk.endswith(("\n", "\r")):
                        raise ImportFileError(
                            _(
                                "Line %(line)d is longer than %(max)s characters; a cell may"
                                " hold at most %(cell)s."
                            )
                            % {
                                "line": line,
                                "max": f"{MAX_CSV_LINE_CHARS:,}",
                                "cell": f"{self.limits.max_cell_chars:,}",
                            }
                        )
                    yield chunk

            reader = csv.reader(physical_lines())
            try:
                for index, cells in enumerate(reader):
                    if progress is not None and index % PROGRESS_EVERY == 0 and index:
                        progress(index, min(counter.consumed / size, 1.0))
                    if any(map(str.strip, cells)):
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
                if "field larger than field limit" in str(exc):
                    # A quoted cell running over many lines (csv's own bound, 131,072).
                    raise ImportFileError(
                        _(
                            "Line %(line)d has a cell longer than %(max)s characters (perhaps"
                            " a quotation mark that is never closed)."
                        )
                        % {"line": line, "max": f"{self.limits.max_cell_chars:,}"}
                    ) from None
                raise ImportFileError(
                    _("Line %(line)d cannot be read as CSV: %(error)s")
                    % {"line": line, "error": exc}
                ) from None

    def _xlsx_lines(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, list[Any]]]:
        from openpyxl import load_workbook

        unreadable = ImportFileError(
            _("“%(name)s” cannot be opened as an Excel workbook (.xlsx).") % {"name": path.name}
        )
        self._check_inflation(path, unreadable)
        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise unreadable from None
        try:
            sheet = workbook.worksheets[0]
            # The sheet's own "dimension" is a claim: a forged one (a million rows, 16,384
            # columns) would make openpyxl pad out every missing row and cell. Read the rows
            # the sheet really has; the claim only sizes the progress bar.
            claimed = sheet.max_row
            total = min(claimed, self.limits.max_rows + 1) if claimed else None
            sheet.reset_dimensions()
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if progress is not None and line % PROGRESS_EVERY == 0:
                    progress(line, min(line / total, 1.0) if total else None)
                if any(_text(cell) for cell in cells):
                    yield line, list(cells)
        finally:
            workbook.close()

    def _check_inflation(self, path: Path, unreadable: ImportFileError) -> None:
        """Refuse an XLSX that inflates beyond the limits, measured by really inflating it
        (in small pieces, stopping at the limit): the sizes a zip declares can be forged."""
        size = max(path.stat().st_size, 1)
        limit = self.limits.max_xlsx_uncompressed
        total = 0
        try:
            with zipfile.ZipFile(path) as archive:
                for member in archive.infolist():
                    with archive.open(member) as data:
                        while piece := data.read(1024 * 1024):
                            total += len(piece)
                            if total > limit or (
                                total > XLSX_RATIO_FROM and total > MAX_XLSX_RATIO * size
                            ):
                                raise ImportFileError(
                                    _(
                                        "The workbook unpacks to more than %(max)s MB (from"
                                        " %(size)s MB): it cannot be imported. Save the sheet"
                                        " again from Excel, or as CSV UTF-8."
                                    )
                                    % {
                                        "max": _megabytes(min(limit, MAX_XLSX_RATIO * size)),
                                        "size": f"{size / (1024 * 1024):,.1f}",
                                    }
                                )
        except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError):
            raise unreadable from None
        except (NotImplementedError, RuntimeError):  # an unknown compression, an encrypted member
            raise unreadable from None

    def _rows(self, path: Path, progress: Progress | None) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """(line, cells in the order of COLUMNS) of every row below the header; None for a
        column the file lacks or a row cut short."""
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
        # A column the header lacks is read from just past the header's width: always padding.
        positions = [columns.get(name, len(header)) for name in COLUMNS]
        width = max(positions) + 1
        pick = itemgetter(*positions)
        for line, cells in lines:
            if len(cells) < width:
                cells = [*cells, *[None] * (width - len(cells))]
            yield line, pick(cells)

    # Checking ----------------------------------------------------------------------------

    def _when(self, value: Any) -> datetime:
        known = self._dates.get(value) if isinstance(value, str) else None
        if known is not None:
            return known
        moment = self._parse_when(value)
        if isinstance(value, str):
            if len(self._dates) >= MEMO_SIZE:
                self._dates.clear()
            self._dates[value] = moment
        return moment

    @staticmethod
    def _parse_when(value: Any) -> datetime:
        # The usual spreadsheet notation, read directly; anything else (and any date or time
        # that does not exist) goes through parse_datetime and its error messages.
        if (
            type(value) is str
            and value.isascii()
            and (m := _PLAIN_DATETIME.fullmatch(value.strip())) is not None
        ):
            try:
                year, _sep, month, day, hour, minute, second = m.groups()
                return datetime(
                    int(year),
                    int(month),
                    int(day),
                    int(hour or 0),
                    int(minute or 0),
                    int(second or 0),
                    tzinfo=TOKYO,
                )
            except ValueError:
                pass
        if isinstance(value, datetime):
            return value if value.tzinfo else value.replace(tzinfo=TOKYO)
        if isinstance(value, date):
            return datetime.combine(value, time(0, 0), tzinfo=TOKYO)
        text = _text(value)
        if not text:
            raise EraDateError(_("%(column)s is empty.") % {"column": COL_WHEN})
        return parse_datetime(text)

    def _code(self, table: dict[str, str], column: str, value: Any, problems: list[str]) -> str:
        known = self._known[column]
        code = known.get(value)
        if code is not None:
            return code
        code = self._code_of(table, column, value, problems)
        if code and len(known) < MEMO_SIZE:
            known[value] = code
        return code

    @staticmethod
    def _code_of(table: dict[str, str], column: str, value: Any, problems: list[str]) -> str:
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

    def _understand(self, cells: tuple[Any, ...], problems: list[str]) -> _Fields | None:
        """The row's values as checked, or None and the reasons added to `problems`."""
        when, channel_cell, consulter_cell, relation_cell, number_cell, staff_cell, raw = cells
        try:
            occurred_at: datetime | None = self._when(when)
        except EraDateError as exc:
            problems.append(f"{COL_WHEN}: {exc.args[0]}")
            occurred_at = None
        channel = self._code(self.channels, COL_CHANNEL, channel_cell, problems)
        consulter = self._code(self.consulters, COL_CONSULTER, consulter_cell, problems)
        relation = ""
        if _text(relation_cell):
            relation = self._code(self.relations, COL_RELATION, relation_cell, problems)
        person_number: int | None = None
        number_text = _text(number_cell)
        if number_text:
            if not (number_text.isascii() and number_text.isdigit()):
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
        username = _text(staff_cell)
        if username and username not in self.staff:
            problems.append(
                _("“%(username)s” is not a member of this municipality.")
                % {"username": username[:40]}
            )
        if problems or occurred_at is None:
            return None
        summary = "" if raw is None else str(raw).strip()
        if "\r" in summary:
            # Quoted cells keep the file's CRLF; records store LF whatever their source.
            summary = summary.replace("\r\n", "\n").replace("\r", "\n")
        return occurred_at, channel, consulter, relation, person_number, username, summary

    def parse(self, line: int, cells: tuple[Any, ...]) -> tuple[ImportRow | None, list[str]]:
        """One row (cells in the order of COLUMNS) understood, or the reasons it cannot be."""
        problems: list[str] = []
        fields = self._understand(cells, problems)
        if fields is None:
            return None, problems
        occurred_at, channel, consulter, relation, person_number, username, summary = fields
        row = ImportRow(
            line=line,
            occurred_at=occurred_at,
            channel=channel,
            consulter=consulter,
            consulter_relation=relation,
            person_number=person_number,
            staff_username=username,
            summary=summary,
        )
        return row, []

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
        job_id: int | None = None,
    ) -> SaveResult:
        """Save every row, or, when any row is bad, none.

        The rows are staged as they are checked and published in one transaction at the end
        (`_ConsultationWriter`), so a process killed at any moment leaves none of them.
        A file whose content was imported before is refused unless `force` is given.
        """
        result = SaveResult()
        digest = file_hash(path)
        if not force:
            _refuse_if_imported(self.municipality, digest)
        writer = _ConsultationWriter(municipality=self.municipality, actor=self.actor)
        family, persons, staff = str(Consulter.FAMILY), self.persons, self.staff
        with writer.staging():
            for line, cells in self._rows(path, progress):
                problems: list[str] = []
                fields = self._understand(cells, problems)
                if fields is not None and not result.error_count:
                    occurred_at, channel, consulter, relation, number, username, summary = fields
                    try:
                        writer.add(
                            cells[0],
                            occurred_at,
                            channel,
                            consulter,
                            # A relation is the family member's: any other consulter has none.
                            relation if consulter == family else "",
                            staff[username] if username else None,
                            persons[number] if number is not None else None,
                            summary,
                        )
                    except EraDateError as exc:  # as consultation_build checks occurred_at
                        problems.append(str(exc))
                if problems:
                    self._add_errors(result, line, problems, max_errors)
            if result.error_count:
                writer.discard()
                return result
            staged = writer.flush()
            # The only transaction that writes to the consultations table on SQLite: short.
            with transaction.atomic():
                result.created = writer.publish(staged)
                imported = ImportedFile.objects.create(
                    municipality=self.municipality,
                    content_hash=digest,
                    file_name=path.name[:255],
                    imported_by=self.actor,
                    rows=result.created,
                )
                # One change-history entry for the job, in the same transaction.
                import_history_record(imported=imported, job_id=job_id, actor=self.actor)
        return result

    @staticmethod
    def _add_errors(
        result: CheckResult | SaveResult, line: int, problems: list[str], max_errors: int | None
    ) -> None:
        for message in problems:
            result.error_count += 1
            if max_errors is None or len(result.errors) < max_errors:
                result.errors.append(RowError(line, message))


class _FernetStream:
    """Fernet tokens (the encrypted fields' format) of one key, for many values in a row.

    `Fernet.encrypt` sets up an AES-CBC context for every value (≈6.5 µs of its ≈11 µs a
    summary on this machine). Here one CBC context runs through the whole file. Each token
    starts with a block of fresh random bytes: its encryption under the key, chained to
    whatever came before, becomes that token's IV (NIST SP 800-38A, appendix C: an IV may be
    the forward cipher of a nonce under the same key). Each IV is therefore unpredictable
    and each token stands alone: version 0x80, the time, IV, ciphertext of the PKCS7-padded
    value, HMAC-SHA256 of all that under the signing key, as `Fernet.decrypt` (the field)
    reads it. Not thread-safe: one per import.
    """

    PADDING = [bytes((n,)) * n for n in range(17)]
    URLSAFE = bytes.maketrans(b"+/", b"-_")
    # Random blocks are read from the system this many at a time.
    RANDOM_BLOCKS = 4096

    def __init__(self, key: bytes) -> None:
        raw = base64.urlsafe_b64decode(key)
        self._signing = hmac.HMAC(raw[:16], hashes.SHA256())
        self._cbc = Cipher(algorithms.AES(raw[16:]), modes.CBC(os.urandom(16))).encryptor()
        self._random = b""
        self._taken = 0
        self._second = -1
        self._head = b""

    def encrypt(self, value: str) -> str:
        data = value.encode()
        if self._taken >= len(self._random):
            self._random, self._taken = os.urandom(16 * self.RANDOM_BLOCKS), 0
        nonce = self._random[self._taken : self._taken + 16]
        self._taken += 16
        padding = self.PADDING[16 - len(data) % 16]
        # Whole blocks in, the same number of bytes out: the IV, then the ciphertext.
        body = self._cbc.update(nonce + data + padding)
        now = int(time_.time())
        if now != self._second:
            self._second, self._head = now, b"\x80" + now.to_bytes(8, "big")
        signed = self._head + body
        mac = self._signing.copy()
        mac.update(signed)
        token = binascii.b2a_base64(signed + mac.finalize(), newline=False)
        return token.translate(self.URLSAFE).decode()  # base64.urlsafe_b64encode, unwrapped


def _copy_text(value: Any) -> str:
    """A value as a column of PostgreSQL's COPY text format."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    raise TypeError(f"no COPY text for {type(value).__name__}")


_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


class _CopySender:
    """COPY of batches of rows on a thread of its own (PostgreSQL): the server stores one batch,
    its indexes and foreign-key checks while this process reads and checks the next.

    The thread has the import's connection to itself until `stop`; the reading thread only
    hands it text. An error of the database stops the thread; the next `send` or `stop`
    raises it, and the caller's transaction rolls back.
    """

    def __init__(self, connection: Any, statement: str) -> None:
        self.connection = connection
        self.statement = statement
        self.queue: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.stopped = False
        self.abandoned = False
        self.thread = threading.Thread(target=self._run, name="import-copy", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            with self.connection.wrap_database_errors, self.connection.connection.cursor() as cur:
                while (data := self.queue.get()) is not None:
                    if not self.abandoned:
                        with cur.copy(self.statement) as copy:
                            copy.write(data)
        except BaseException as exc:  # handed to the reading thread
            self.error = exc
            while self.queue.get() is not None:  # what is still handed over, until `stop`
                pass

    def send(self, data: bytes) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(data)

    def stop(self, *, abandon: bool = False) -> None:
        """Wait until every batch is stored (or, abandoning them, until the one being stored
        is); raise what stopped the thread, if anything did and it is not abandoned."""
        if not self.stopped:
            self.stopped = True
            self.abandoned = abandon
            self.queue.put(None)
            self.thread.join()
        if self.error is not None and not abandon:
            raise self.error


class _ConsultationWriter:
    """Writes checked rows to the consultations table: staged, then published at once.

    PostgreSQL: COPY straight into the table inside one transaction, which is the stage; a
    long transaction there keeps no reader or other writer waiting. The rows go as COPY text,
    a batch at a time, from a thread of their own (`_CopySender`) with the foreign keys checked
    at the end of each batch rather than all at the commit, so the server's work (the heap,
    nine indexes, six foreign-key triggers a row) runs beside this process's.

    SQLite has a single writer, and every read appends to the access log: a save inside one
    transaction would hold the write lock for minutes. There the rows wait in a temporary
    table of the connection (kept outside the database file, never locking it, gone with the
    connection if the process dies), each batch written with one executemany, and `publish`
    copies them into the table in one short transaction (about 1 s for 200,000 rows; README).

    The columns the import does not fill (defaults, the recorder, the time of the import)
    are computed once through the model's own fields, so a column added to the model is
    written as Django would write it.
    """

    VARYING = (
        "occurred_at",
        "local_month",
        "channel",
        "consulter",
        "consulter_relation",
        "staff",
        "person",
        "summary",
    )
    STAGE = "consultation_import_stage"
    # Rows per COPY (PostgreSQL) or executemany (SQLite).
    COPY_BATCH = 5000

    def __init__(self, *, municipality: Municipality, actor: Membership | None) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.postgres = self.connection.vendor == "postgresql"
        meta = Consultation._meta
        template = Consultation(municipality=municipality, recorded_by=actor)
        fixed = [
            f
            for f in meta.local_concrete_fields
            if not f.primary_key and f.name not in self.VARYING
        ]
        self.fixed = tuple(
            f.get_db_prep_save(f.pre_save(template, add=True), self.connection) for f in fixed
        )
        # The same columns as the tail of a COPY text line.
        self.fixed_text = "".join(f"\t{_copy_text(value)}" for value in self.fixed)
        by_name = {f.name: f for f in meta.local_concrete_fields}
        columns = [by_name[name].column for name in self.VARYING] + [f.column for f in fixed]
        quote = self.connection.ops.quote_name
        self.table = quote(meta.db_table)
        self.column_list = ", ".join(quote(str(c)) for c in columns)
        # SQLite stages the varying columns only; the others are given once, when published.
        self.varying_list = ", ".join(quote(str(c)) for c in columns[: len(self.VARYING)])
        # The encrypted column's current key (derived once, cached by the field).
        summary: Any = meta.get_field("summary")
        self.encrypt = _FernetStream(summary.keys[0]).encrypt
        # Codes go into COPY text as they are: none may need escaping.
        for code in (*Channel.values, *Consulter.values, *Relation.values):
            if _copy_text(code) != code:
                raise ValueError(f"code {code!r} needs escaping in COPY text")
        self.batch: list[Any] = []
        self.batch_size = self.COPY_BATCH if self.postgres else BATCH_SIZE
        self.staged = 0
        self.sender: _CopySender | None = None
        self.foreign_keys = ""
        if self.postgres:
            with self.connection.cursor() as cursor:
                constraints = self.connection.introspection.get_constraints(cursor, meta.db_table)
            self.foreign_keys = ", ".join(
                quote(name) for name, c in sorted(constraints.items()) if c["foreign_key"]
            )
        # occurred_at as stored, and its month in Tokyo, per distinct cell of the file.
        self._stamps: dict[Any, tuple[Any, str]] = {}

    def _stamp(self, occurred_at: datetime) -> tuple[Any, str]:
        # Its own offset's date: converting year 1 or 9999 to Tokyo time would overflow.
        check_supported(occurred_at.date())
        tokyo = occurred_at.astimezone(TOKYO)
        month = f"{tokyo.year:04d}-{tokyo.month:02d}"  # services.local_month, without strftime
        if self.postgres:
            return occurred_at.isoformat(), month
        # SQLite stores naive UTC text, as the backend's adapt_datetimefield_value writes it.
        return str(occurred_at.astimezone(UTC).replace(tzinfo=None)), month

    def add(
        self,
        cell: Any,
        occurred_at: datetime,
        channel: str,
        consulter: str,
        consulter_relation: str,
        staff_id: int | None,
        person_id: int | None,
        summary: str,
    ) -> None:
        """One row; `cell` is its date as written (rows written alike share their stamp).

        Raises EraDateError for a date outside the supported range.
        """
        stamp = self._stamps.get(cell) if type(cell) is str else None
        if stamp is None:
            stamp = self._stamp(occurred_at)
            if type(cell) is str:
                if len(self._stamps) >= MEMO_SIZE:
                    self._stamps.clear()
                self._stamps[cell] = stamp
        # As the encrypted field stores it: "" as NULL.
        token = self.encrypt(summary) if summary else None
        if self.postgres:
            null = _NULL
            self.batch.append(
                f"{stamp[0]}\t{stamp[1]}\t{channel}\t{consulter}\t{consulter_relation}"
                f"\t{null if staff_id is None else staff_id}"
                f"\t{null if person_id is None else person_id}"
                f"\t{null if token is None else token}{self.fixed_text}\n"
            )
        else:
            self.batch.append(
                (
                    stamp[0],
                    stamp[1],
                    channel,
                    consulter,
                    consulter_relation,
                    staff_id,
                    person_id,
                    token,
                )
            )
        if len(self.batch) >= self.batch_size:
            self._stage()

    def _stage(self) -> None:
        rows, self.batch = self.batch, []
        if self.sender is not None:
            self.sender.send("".join(rows).encode())
        else:
            marks = ", ".join(["%s"] * len(self.VARYING))
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO temp.{self.STAGE} VALUES ({marks})",  # noqa: S608
                    rows,
                )
        self.staged += len(rows)

    @contextmanager
    def staging(self) -> Iterator[None]:
        """The stage the rows wait in until `publish` (or are dropped with)."""
        if self.postgres:
            with transaction.atomic():
                if self.foreign_keys:
                    with self.connection.cursor() as cursor:
                        # A batch's foreign keys are checked when its COPY ends, beside the
                        # reading of the next batch (`flush` defers them again, as declared).
                        cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} IMMEDIATE")
                self.sender = _CopySender(
                    self.connection, f"COPY {self.table} ({self.column_list}) FROM STDIN"
                )
                try:
                    yield
                finally:
                    # Leaving on an error, or with bad rows: what is still queued is dropped.
                    self.sender.stop(abandon=True)
            return
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS temp.{self.STAGE}")
            cursor.execute(f"CREATE TEMP TABLE {self.STAGE} ({self.varying_list})")
        try:
            yield
        finally:
            with self.connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS temp.{self.STAGE}")

    def flush(self) -> int:
        """Stage what is left; every row is staged when it returns. How many were."""
        if self.batch:
            self._stage()
        if self.sender is not None:
            self.sender.stop()
            if self.foreign_keys:
                with self.connection.cursor() as cursor:
                    cursor.execute(f"SET CONSTRAINTS {self.foreign_keys} DEFERRED")
        return self.staged

    def discard(self) -> None:
        """Nothing staged is published (on SQLite the stage is dropped when `staging` ends)."""
        if self.postgres:
            transaction.set_rollback(True)

    def publish(self, staged: int) -> int:
        """Make the staged rows part of the table, inside the caller's transaction."""
        if not self.postgres:
            with self.connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(self.fixed))
                cursor.execute(
                    f"INSERT INTO {self.table} ({self.column_list}) "  # noqa: S608
                    f"SELECT {self.varying_list}, {marks} FROM temp.{self.STAGE}",
                    self.fixed,
                )
        return staged


# Jobs of the upload screen ----------------------------------------------------------------
#
# The screen checks a file, shows a preview, and saves it on confirmation; both passes are
# background jobs (tsunagu.consultations.tasks) that any worker may run, and the page polls the
# job's row. While rows are being saved the job's row cannot show progress through the saving
# transaction, so that phase reports through a connection of its own (PostgreSQL) or a small
# file beside the upload (SQLite, where a progress write would take the single write lock the
# pages' access-log appends need; a SQLite database lives on one machine, so every worker and
# page sees the file).

logger = logging.getLogger(__name__)

PREVIEW_ROWS = 20
# Enough to fix a file by; a file wrong on every line says so in its error count.
MAX_STORED_ERRORS = 1000
# An unconfirmed upload is dropped after this long, so personal data does not linger on disk.
STALE_AFTER = timedelta(days=1)


def imports_dir() -> Path:
    directory = Path(settings.DATA_DIR) / "imports"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def import_job_path(job: ImportJob) -> Path:
    return imports_dir() / job.stored_name


def _progress_file(job: ImportJob) -> Path:
    return imports_dir() / f"{job.stored_name}.progress"


def saving_progress(job: ImportJob) -> tuple[int, int]:
    """(rows saved, percent) of a job, as far as any worker has reported it."""
    if job.status == ImportJob.Status.SAVING and job.stored_name:
        try:
            rows, percent = _progress_file(job).read_text().split()
            return int(rows), int(percent)
        except (OSError, ValueError):
            pass
    return job.rows_done, job.percent


class _SaveProgress:
    """Reports a save's progress outside its transaction, so other processes see it."""

    def __init__(self, job: ImportJob) -> None:
        self.job = job
        self.total = max(job.rows_total, 1)
        self.separate = None
        if connection.vendor != "sqlite":
            self.separate = connections.create_connection(DEFAULT_DB_ALIAS)

    def __call__(self, rows: int, fraction: float | None) -> None:
        percent = min(int(rows / self.total * 100), 99)
        if self.separate is not None:
            with self.separate.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {ImportJob._meta.db_table} SET rows_done = %s, percent = %s "  # noqa: S608
                    "WHERE id = %s AND municipality_id = %s",
                    [rows, percent, self.job.pk, self.job.municipality_id],
                )
        else:
            path = _progress_file(self.job)
            temporary = path.with_suffix(".tmp")
            temporary.write_text(f"{rows} {percent}")
            temporary.replace(path)

    def close(self) -> None:
        if self.separate is not None:
            self.separate.close()
        _progress_file(self.job).unlink(missing_ok=True)


def _drop_file(job: ImportJob) -> None:
    if job.stored_name:
        import_job_path(job).unlink(missing_ok=True)
        _progress_file(job).unlink(missing_ok=True)


def _enqueue_check(job: ImportJob) -> None:
    from tsunagu.consultations.tasks import check_import

    check_import.enqueue(job_id=job.pk)


def import_job_create(
    *, uploader: Membership, upload: UploadedFile[bytes], force: bool = False
) -> ImportJob:
    """Keep the uploaded file under DATA_DIR/imports and queue its check."""
    name = upload.name or "upload"
    stored_name = f"{uuid.uuid4().hex}{Path(name).suffix.lower()}"
    path = imports_dir() / stored_name
    try:
        # Readable by the service's own user only: the file holds consultations.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    except OSError as exc:
        path.unlink(missing_ok=True)
        logger.error("storing an upload failed: %s", exc.strerror)
        raise ImportFileError(
            _(
                "The server could not store the file (%(reason)s). Nothing was imported; "
                "ask your administrator to free disk space, then upload it again."
            )
            % {"reason": exc.strerror or exc.__class__.__name__}
        ) from None
    with transaction.atomic():
        job = ImportJob.objects.create(
            municipality=uploader.municipality,
            uploaded_by=uploader,
            original_name=Path(name).name[:255],
            stored_name=stored_name,
            status=ImportJob.Status.CHECKING,
            force=force,
        )
        _enqueue_check(job)
    return job


def import_job_confirm(*, job: ImportJob) -> bool:
    """Queue the save of a checked job; False when it is not (or no longer) waiting for that."""
    from tsunagu.consultations.tasks import save_import

    with transaction.atomic():
        started = ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CHECKED).update(
            status=ImportJob.Status.SAVING, percent=0, rows_done=0
        )
        if started:
            save_import.enqueue(job_id=job.pk)
    return bool(started)


def import_job_retry(*, job: ImportJob) -> bool:
    """Check again a job whose worker died; False when it was not interrupted or lost its file."""
    if not job.interrupted or not job.stored_name or not import_job_path(job).exists():
        return False
    with transaction.atomic():
        restarted = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.FAILED, interrupted=True
        ).update(
            status=ImportJob.Status.CHECKING,
            interrupted=False,
            percent=0,
            rows_done=0,
            imported=0,
            error_count=0,
            errors_json="",
            finished_at=None,
        )
        if restarted:
            _enqueue_check(job)
    return bool(restarted)


def import_job_cancel(*, job: ImportJob) -> bool:
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=[ImportJob.Status.CHECKED, ImportJob.Status.INVALID]
    ).update(status=ImportJob.Status.CANCELLED, finished_at=timezone.now())
    if not cancelled:
        # An interrupted job can be discarded too; its file is no longer being read.
        cancelled = ImportJob.objects.filter(
            pk=job.pk, status=ImportJob.Status.FAILED, interrupted=True
        ).update(status=ImportJob.Status.CANCELLED, interrupted=False, finished_at=timezone.now())
    if cancelled:
        # A job still being checked or saved keeps its file: the worker is reading it.
        _drop_file(job)
    return bool(cancelled)


def import_job_interrupted(*, job_id: int) -> None:
    """The worker running this job died: say so, keep the file, and allow a retry.

    Nothing of the file was saved: the save is one transaction, which the database rolled
    back when the worker's connection went away.
    """
    with scopes_disabled():
        ImportJob.objects.filter(
            pk=job_id, status__in=[ImportJob.Status.CHECKING, ImportJob.Status.SAVING]
        ).update(
            status=ImportJob.Status.FAILED,
            interrupted=True,
            error_count=1,
            errors_json=json.dumps(
                [{"line": None, "message": str(INTERRUPTED_MESSAGE)}], ensure_ascii=False
            ),
            finished_at=timezone.now(),
        )


INTERRUPTED_MESSAGE = gettext_lazy(
    "The import stopped because the server process working on it ended. Nothing was "
    "imported. Press “Try again” to import the same file again."
)


def drop_stale_import_files() -> int:
    """Drop what an import left on disk for more than a day (`STALE_AFTER`); how many files.

    A job waiting for its confirmation or, interrupted, for a retry is cancelled and its file
    dropped; any other file (left by a crash) goes unless a job is still checking or saving
    it. Run hourly by the job worker (settings.TSUNAGU_HOUSEKEEPING).
    """
    cutoff = timezone.now() - STALE_AFTER
    with scopes_disabled():
        stale = ImportJob.objects.filter(created_at__lt=cutoff).filter(
            Q(status=ImportJob.Status.CHECKED) | Q(status=ImportJob.Status.FAILED, interrupted=True)
        )
        for job in stale:
            import_job_cancel(job=job)
        running = {
            Path(name).stem
            for name in ImportJob.objects.filter(
                status__in=[ImportJob.Status.CHECKING, ImportJob.Status.SAVING]
            ).values_list("stored_name", flat=True)
        }
    dropped = 0
    for path in imports_dir().iterdir():
        if path.name.split(".")[0] in running:  # its file, progress or temporary file
            continue
        try:
            modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except FileNotFoundError:  # dropped by its job meanwhile
            continue
        if modified < cutoff:
            path.unlink(missing_ok=True)
            dropped += 1
    return dropped


def _errors_json(errors: list[RowError]) -> list[dict[str, Any]]:
    return [{"line": e.line, "message": e.message} for e in errors]


def _load_job(job_id: int) -> ImportJob:
    with scopes_disabled():
        return ImportJob.objects.select_related("municipality", "uploaded_by__user").get(pk=job_id)


def check_job(job_id: int) -> None:
    """The check pass of a queued job (run by a worker)."""
    job = _load_job(job_id)
    if job.status != ImportJob.Status.CHECKING:
        return
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


def save_job(job_id: int) -> None:
    """The save pass of a confirmed job (run by a worker): every row or none."""
    job = _load_job(job_id)
    if job.status != ImportJob.Status.SAVING:
        return
    with scope(municipality=job.municipality):
        progress = _SaveProgress(job)
        try:
            importer = ConsultationImport(municipality=job.municipality, actor=job.uploaded_by)
            result = importer.save(
                import_job_path(job),
                max_errors=MAX_STORED_ERRORS,
                progress=progress,
                force=job.force,
                job_id=job.pk,
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
        # A worker stopped by a signal (SystemExit) skips this: the job is then "interrupted",
        # and its file is kept for the retry.
        progress.close()
        _drop_file(job)
        job.percent = 100
        job.rows_done = job.imported
        job.finished_at = timezone.now()
        job.save()
