"""The case list's rows and a case's timeline entries, rendered by their templates
(autoescaped) and kept while unchanged.

A page of 50 rows through the template costs more than the rest of the page; the same rows
are asked for again and again (the desk's list after every action). The rendered rows are
kept in this worker's memory, keyed by a hash of everything they show (values, language,
address): a changed row makes a new key, so nothing stale is ever shown. Only the newest
few pages are kept, and nothing is written anywhere.

A timeline entry is kept the same way, keyed by a hash of every value of its row and of the
rows read with it (`select_related`: who recorded it, the place of a session), with the
language and time zone it is shown in: a corrected consultation or a renamed place makes a
new key. Only the newest entries are kept.
"""

import hashlib
from collections.abc import Callable, Sequence
from typing import Any

from django.db.models import Model
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tsunagu.cases.selectors import CaseRow, TimelineEntry
from tsunagu.core.kept import Kept

MAX_DEPTH = 3  # a booking's session's place; a one-to-one's way back stops here

_pages = Kept(32)
_entries = Kept(4096)


def rows_key(rows: Sequence[CaseRow], code: str) -> str:
    return hashlib.sha256(repr((get_language(), code, list(rows))).encode()).hexdigest()


def case_rows_html(rows: Sequence[CaseRow], code: str) -> SafeString:
    """The <tr> elements of `rows` as cases/_case_rows.html renders them (municipality `code`)."""

    def render() -> SafeString:
        urls = {
            "cases_url": reverse("staff:case_list", kwargs={"code": code}),
            "persons_url": reverse("staff:person_list", kwargs={"code": code}),
        }
        return render_to_string("cases/_case_rows.html", {"cases": rows, **urls})

    return _pages.get(rows_key(rows, code), render)


def _row_values(row: Model, depth: int = 0) -> tuple[Any, ...]:
    """Every column of `row` and, in turn, of the rows read with it (as deep as the timeline's
    `select_related` reads: a consultation's staff member's user)."""
    values = tuple(getattr(row, f.attname) for f in row._meta.concrete_fields)
    related = tuple(
        (name, _row_values(other, depth + 1) if isinstance(other, Model) else None)
        for name, other in sorted(row._state.fields_cache.items())
        if depth < MAX_DEPTH
    )
    return (row._meta.label, values, related)


def entry_key(entry: TimelineEntry) -> str:
    shown = (
        get_language(),
        timezone.get_current_timezone_name(),
        entry.kind,
        entry.event,
        entry.at,
        _row_values(entry.obj),
    )
    return hashlib.sha256(repr(shown).encode()).hexdigest()


def timeline_html(entries: Sequence[TimelineEntry]) -> list[SafeString]:
    """Each entry's <li> as cases/_timeline_entry.html renders it."""
    return [_entries.get(entry_key(entry), _renderer(entry)) for entry in entries]


def _renderer(entry: TimelineEntry) -> Callable[[], SafeString]:
    return lambda: render_to_string("cases/_timeline_entry.html", {"entry": entry})
