"""Security tests start from an empty cache: allauth keeps rate limits and used codes there.

The cache is a table of the database, so clearing it needs the database.
"""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
