"""Security tests start from an empty cache: allauth keeps rate limits and used codes there."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache

# The Chromium page of the browser tests, for the policy checks in a real browser.
from tests.browser.conftest import chromium_browser, page  # noqa: F401


@pytest.fixture(autouse=True)
def empty_cache(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
