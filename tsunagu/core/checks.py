"""System checks of the deployment that Django's own `check --deploy` does not know about."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

# Caches that live inside one worker process: each worker would keep its own rate limits and
# its own list of TOTP codes already used, so a code replayed to another worker would pass.
PER_PROCESS_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


@register(Tags.caches, Tags.security, deploy=True)
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        Error(
            f"CACHES[{alias!r}] uses {config.get('BACKEND')}, which each worker keeps to itself.",
            hint=(
                "Use django.core.cache.backends.db.DatabaseCache (run `tsunagu migrate`) or"
                " another cache every worker shares, so allauth's rate limits and TOTP replay"
                " guard hold across workers."
            ),
            id="tsunagu.E001",
        )
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") in PER_PROCESS_CACHES
    ]
