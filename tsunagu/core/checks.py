"""Start-up checks of the database Tsunagu relies on, with messages an operator can act on."""

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
