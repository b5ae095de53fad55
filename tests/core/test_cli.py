import os
import subprocess
import sys
from pathlib import Path
from subprocess import CompletedProcess


def run(*args: str, **env: str) -> CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tsunagu.core.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


def test_a_malformed_database_url_is_a_clear_error_without_a_traceback(tmp_path: Path) -> None:
    result = run("check", DATABASE_URL="nonsense://", TSUNAGU_DATA_DIR=str(tmp_path))
    assert result.returncode == 2
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_manage_commands_work_through_the_tsunagu_command(tmp_path: Path) -> None:
    result = run("check", TSUNAGU_DATA_DIR=str(tmp_path), DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
