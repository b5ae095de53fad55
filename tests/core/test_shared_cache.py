"""Every worker shares one cache, so rate limits and the TOTP replay guard hold across workers."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from pytest_django.fixtures import Settings as SettingsWrapper

from tsunagu.core.cache import DatabaseCache
from tsunagu.core.checks import check_shared_cache


def _another_worker() -> DatabaseCache:
    """The cache as a second worker process builds it: a new instance, nothing in memory."""
    config = settings.CACHES["default"]
    return DatabaseCache(config["LOCATION"], {})


def test_a_totp_code_used_on_one_worker_counts_as_used_on_another(db: None) -> None:
    # allauth marks a used code with cache.add(); a replay finds the key and is refused.
    assert cache.add("allauth-totp-used-code", "y", timeout=60)
    assert not _another_worker().add("allauth-totp-used-code", "y", timeout=60)


def test_the_shared_cache_passes_the_deployment_check() -> None:
    assert check_shared_cache() == []


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_check_deploy_refuses_a_per_process_cache(settings: SettingsWrapper, backend: str) -> None:
    settings.CACHES = {"default": {"BACKEND": f"django.core.cache.backends.{backend}"}}
    with pytest.raises(SystemCheckError, match=r"tsunagu\.E001"):
        call_command("check", "--deploy")
