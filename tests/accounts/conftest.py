"""Security tests start from an empty cache: allauth keeps rate limits and used codes there."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()
