"""Pages over long lists whose count stops at a cap (the persons, cases and consultations).

A screen counts at most `COUNT_CAP` rows and then says 「1,000件以上」: counting every 佐藤 of
a city of a million, or every consultation a counselor sees, costs more than the page itself
and helps no one.
"""

from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from django.core.paginator import Paginator
from django.db.models import QuerySet

COUNT_CAP = 1000


@runtime_checkable
class CountsToCap(Protocol):
    """Rows that count themselves up to a cap (the name search's own, cheaper, count)."""

    def capped_count(self, cap: int) -> tuple[int, bool]: ...


def capped_count(rows: "QuerySet[Any] | CountsToCap", cap: int) -> tuple[int, bool]:
    """(count, more): at most `cap`, and whether there are more rows than that."""
    if isinstance(rows, CountsToCap):
        return rows.capped_count(cap)
    found = rows.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


class CappedPaginator(Paginator[Any]):
    """Pages over the first `cap` rows only; `more` says whether the rows went beyond."""

    def __init__(self, rows: Any, per_page: int, cap: int | None = None) -> None:
        cap = COUNT_CAP if cap is None else cap
        super().__init__(rows[:cap], per_page)
        self.rows = rows
        self.cap = cap

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        return capped_count(self.rows, self.cap)

    @cached_property
    def count(self) -> int:
        return self._capped[0]

    @property
    def more(self) -> bool:
        return self._capped[1]
