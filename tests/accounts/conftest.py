"""Security tests start from an empty cache: allauth keeps rate limits and used codes there.

The cache is a table of the database, so clearing it needs the database.
"""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()
