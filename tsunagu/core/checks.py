"""Checks of the deployment: the database Tsunagu relies on (at start-up, with messages an
operator can act on), and what Django's own `check --deploy` does not know about."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.db import DatabaseError, connection


def database_problems() -> list[str]:
    """What is wrong with the database for Tsunagu (empty when nothing is)."""
    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        return [
            "データベースに接続できません。DATABASE_URL とデータベースサーバーを確認してください。"
            f" / Cannot connect to the database: {exc}"
        ]
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datctype, pg_encoding_to_char(encoding) FROM pg_database "
            "WHERE datname = current_database()"
        )
        row = cursor.fetchone()
    ctype, encoding = row or ("", "")
    problems = []
    if encoding.upper() != "UTF8" or "utf" not in ctype.lower().replace("-", ""):
        problems.append(
            f"データベース {connection.settings_dict['NAME']} の文字コードが UTF-8 ではありません"
            f"（ENCODING {encoding}, LC_CTYPE {ctype}）。"
            "日本語の氏名検索が働かないため起動しません。"
            "README の「PostgreSQL」の手順どおり `createdb -T template0 -E UTF8 "
            "--lc-ctype=C.UTF-8 --lc-collate=C.UTF-8` で作り直してください。"
            f" / The database needs ENCODING UTF8 and a UTF-8 LC_CTYPE (has {encoding}, {ctype})."
        )
    return problems


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
                "Use tsunagu.core.cache.DatabaseCache (the default; run `tsunagu migrate`) or"
                " another cache every worker shares, so allauth's rate limits and TOTP replay"
                " guard hold across workers."
            ),
            id="tsunagu.E001",
        )
        for alias, config in settings.CACHES.items()
        if config.get("BACKEND") in PER_PROCESS_CACHES
    ]
