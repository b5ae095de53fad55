"""Security tests start from an empty cache: allauth keeps rate limits and used codes there."""

import pytest
from django.core.cache import cache

# The Chromium page of the browser tests, for the policy checks in a real browser.
from tests.browser.conftest import page  # noqa: F401


@pytest.fixture(autouse=True)
def empty_cache(db):
    cache.clear()
    yield
    cache.clear()
