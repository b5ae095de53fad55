"""The shared cache writes each entry with one statement, and keeps Django's meaning."""

from collections.abc import Iterator
from itertools import count

import pytest
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, log_in, totp_code
from tsunagu.core import cache as shared_cache
from tsunagu.core.cache import DatabaseCache


@pytest.fixture(autouse=True)
def empty_cache(db: None) -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _djangos() -> DjangoDatabaseCache:
    return DjangoDatabaseCache(settings.CACHES["default"]["LOCATION"], {})


def test_the_project_uses_it() -> None:
    assert isinstance(caches["default"], DatabaseCache)


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a request writes it
def test_set_and_add_are_one_statement_each() -> None:
    backend = caches["default"]
    assert isinstance(backend, DatabaseCache)
    backend._writes = count(1)  # not the write (one in CULL_EVERY) that counts the table
    with CaptureQueriesContext(connection) as queries:
        cache.set("bucket", [1.0], 60)
    assert len(queries.captured_queries) == 1
    with CaptureQueriesContext(connection) as queries:
        assert cache.add("lock", 1, 60)
    assert len(queries.captured_queries) == 1
    assert cache.get("bucket") == [1.0]


def test_set_replaces_and_add_keeps_what_is_there() -> None:
    cache.set("key", "first", 60)
    cache.set("key", "second", 60)
    assert cache.get("key") == "second"
    assert not cache.add("key", "third", 60)
    assert cache.get("key") == "second"


def test_inside_a_transaction_a_failed_write_leaves_the_transaction_usable() -> None:
    from django.db import transaction

    with transaction.atomic():
        cache.set("key", "value", 60)
        with connection.cursor() as cursor:  # the cache's table made unwritable for a moment
            cursor.execute("ALTER TABLE tsunagu_cache RENAME TO tsunagu_cache_away")
        cache.set("key", "again", 60)  # not written, and no error
        assert not cache.add("other", 1, 60)
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE tsunagu_cache_away RENAME TO tsunagu_cache")
        assert cache.get("key") == "value"  # the transaction goes on


def test_add_takes_a_key_that_has_expired() -> None:
    cache.set("lock", "old", -1)  # expired at once, as Django's timeout <= 0 means
    assert cache.get("lock") is None
    cache.set("lock", "old", -1)
    assert cache.add("lock", "new", 60)
    assert cache.get("lock") == "new"


def test_an_entry_without_timeout_never_expires_and_djangos_cache_reads_it() -> None:
    cache.set("forever", {"a": 1}, None)
    assert cache.get("forever") == {"a": 1}
    assert _djangos().get("forever") == {"a": 1}
    _djangos().set("written-by-django", 5, 60)
    assert cache.get("written-by-django") == 5
    assert cache.incr("written-by-django") == 6
    assert not cache.add("written-by-django", 0, 60)


def test_the_table_is_culled_now_and_then(
    settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shared_cache, "CULL_EVERY", 5)
    small = DatabaseCache(settings.CACHES["default"]["LOCATION"], {"OPTIONS": {"MAX_ENTRIES": 10}})
    small._writes = count(1)
    for n in range(40):
        small.set(f"k{n}", n, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tsunagu_cache")
        (entries,) = cursor.fetchone()
    assert entries < 20  # at most MAX_ENTRIES + CULL_EVERY after a cull, never all 40
    assert small.get("k39") == 39  # the newest write survives


@pytest.mark.django_db(transaction=True)
def test_a_login_takes_little_more_than_half_the_statements_it_took_with_djangos_cache(
    personas: Personas, settings: SettingsWrapper
) -> None:
    def cache_statements_of_a_login(role: str) -> int:
        secret = enrol_totp(personas.members[role].user)
        client = Client()
        with CaptureQueriesContext(connection) as queries:
            log_in(client, f"toyoake-{role}")
            response = client.post(
                "/accounts/2fa/authenticate/", {"code": totp_code(secret)}, follow=True
            )
        assert response.redirect_chain[-1][0] == "/m/232297/"
        return len(queries.captured_queries)

    ours = cache_statements_of_a_login("counselor")
    djangos_backend = "django.core.cache.backends.db.DatabaseCache"
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": djangos_backend}}
    caches["default"].clear()
    djangos = cache_statements_of_a_login("lead")
    # 82 against 152 on both databases (2026-12-03): allauth's rate limits write the cache
    # seventeen times a login, five statements each in Django's cache and one here.
    assert ours < 0.6 * djangos, (ours, djangos)
