"""The case list's rows, rendered by their template (autoescaped) and kept while unchanged.

A page of 50 rows through the template costs more than the rest of the page; the same rows
are asked for again and again (the desk's list after every action). The rendered rows are
kept in this worker's memory, keyed by a hash of everything they show (values, language,
address): a changed row makes a new key, so nothing stale is ever shown. Only the newest
few pages are kept, and nothing is written anywhere.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tsunagu.cases.selectors import CaseRow

KEPT_PAGES = 32

_kept: OrderedDict[str, SafeString] = OrderedDict()
_lock = threading.Lock()


def rows_key(rows: Sequence[CaseRow], code: str) -> str:
    return hashlib.sha256(repr((get_language(), code, list(rows))).encode()).hexdigest()


def case_rows_html(rows: Sequence[CaseRow], code: str) -> SafeString:
    """The <tr> elements of `rows` as cases/_case_rows.html renders them (municipality `code`)."""
    key = rows_key(rows, code)
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    urls = {
        "cases_url": reverse("staff:case_list", kwargs={"code": code}),
        "persons_url": reverse("staff:person_list", kwargs={"code": code}),
    }
    html = render_to_string("cases/_case_rows.html", {"cases": rows, **urls})
    with _lock:
        _kept[key] = html
        while len(_kept) > KEPT_PAGES:
            _kept.popitem(last=False)
    return html
