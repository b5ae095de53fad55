"""A database of its own, in a data directory of its own, for tests that run `tsunagu` processes."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class Database:
    """A database of its own for the processes of this test."""

    def __init__(self, tmp_path: Path, name: str = "kill") -> None:
        tmp_path.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, "TSUNAGU_DATA_DIR": str(tmp_path)}
        self.url = os.environ.get("DATABASE_URL", "")
        self.postgres = self.url.startswith(("postgres", "pgsql"))
        self.path = tmp_path / "tsunagu.sqlite3"
        if self.postgres:
            import psycopg

            base, _, _name = self.url.rpartition("/")
            self.admin_url = f"{base}/postgres"
            self.name = f"tsunagu_{name}_{os.getpid()}"
            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.name}")
                admin.execute(
                    f"CREATE DATABASE {self.name} ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' "
                    "LC_COLLATE 'C.UTF-8' TEMPLATE template0"
                )
            self.env["DATABASE_URL"] = f"{base}/{self.name}"
        else:
            self.env["DATABASE_URL"] = ""

    def query(self, sql: str) -> int:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as conn:
                row = conn.execute(sql).fetchone()
        else:
            with sqlite3.connect(self.path, timeout=30) as conn:
                row = conn.execute(sql).fetchone()
        assert row is not None
        return int(row[0])

    def manage(
        self, *args: str, check: bool = True, **env: str
    ) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **env},
            timeout=600,
            capture_output=True,
            text=True,
        )
        if check:
            assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def drop(self) -> None:
        if self.postgres:
            import psycopg

            with psycopg.connect(self.admin_url, autocommit=True) as admin:
                admin.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
