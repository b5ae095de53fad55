"""`tsunagu serve`: gunicorn workers, static files, JSON logs, the job worker, HUP and TERM."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


def _wait(condition: Callable[[], bool], seconds: float = 240, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() >= deadline:
            tail = log.read_text()[-4000:] if log is not None else ""
            raise AssertionError(f"timed out after {seconds} s; the server said:\n{tail}")
        time.sleep(0.2)


def _up(url: str) -> bool:
    try:
        _get(url)
    except OSError:
        return False
    return True


def _booted(log: Path) -> list[int]:
    pids = []
    for line in log.read_text().splitlines():
        if line.startswith("{") and "Booting worker with pid" in line:
            pids.append(int(json.loads(line)["message"].rsplit(" ", 1)[1]))
    return pids


def test_serve_runs_web_workers_and_the_job_worker_reloads_on_hup_and_stops_on_term(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "TSUNAGU_DATA_DIR": str(tmp_path), "DATABASE_URL": ""}
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tsunagu.core.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                "2",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _up(f"{base}/api/v1/openapi.json"), log=log)
        status, kind, _body = _get(f"{base}/static/vendor/bootstrap/bootstrap.min.css")
        assert (status, kind.split(";")[0]) == (200, "text/css")
        status, _kind, docs = _get(f"{base}/api/v1/docs")
        assert status == 200
        for asset in ("/static/ninja/swagger-ui.css", "/static/ninja/swagger-ui-bundle.js"):
            assert asset in docs
            assert _get(f"{base}{asset}")[0] == 200
        _wait(lambda: len(_booted(log)) >= 2, log=log)
        first = set(_booted(log))

        # The job worker runs beside the web workers: it has registered its heartbeat.
        database = tmp_path / "tsunagu.sqlite3"

        def beating() -> list[tuple[int, str | None]]:
            with sqlite3.connect(database, timeout=10) as conn:
                return conn.execute("SELECT pid, stopped_at FROM core_workerbeat").fetchall()

        _wait(lambda: len(beating()) == 1, log=log)

        # Every line is JSON; requests are logged with method, path, status and duration.
        lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
        access = [e for e in lines if e["logger"] == "gunicorn.access"]
        assert any(
            e.get("path") == "/api/v1/docs" and e["status"] == 200 and "duration_ms" in e
            for e in access
        )

        # A job worker killed is replaced.
        [(killed, _stopped)] = beating()
        os.kill(killed, signal.SIGKILL)
        _wait(lambda: len(beating()) == 2, log=log)

        # HUP: new web workers with the code as it is now, and the server keeps answering.
        server.send_signal(signal.SIGHUP)
        _wait(lambda: len(set(_booted(log)) - first) >= 2, log=log)
        _wait(lambda: _up(f"{base}/api/v1/openapi.json"), log=log)
        _wait(lambda: len(beating()) == 3, log=log)

        # TERM: everything stops, the job worker included, and says so.
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=90) == 0
        assert all(stopped is not None for pid, stopped in beating() if pid != killed)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


class _Ended:
    """A job worker process that has already ended, as gunicorn's master leaves it.

    The master reaps every child on SIGCHLD, so the worker's own `wait()` reads 0 even when it
    was killed.
    """

    def __init__(self) -> None:
        self.terminated = False

    def wait(self) -> int:
        return 0

    def poll(self) -> int | None:
        return 0

    def terminate(self) -> None:
        self.terminated = True


class _Running(_Ended):
    def __init__(self) -> None:
        super().__init__()
        import threading

        self.ended = threading.Event()

    def wait(self) -> int:
        self.ended.wait(30)
        return 0

    def poll(self) -> int | None:
        return 0 if self.ended.is_set() else None

    def terminate(self) -> None:
        super().terminate()
        self.ended.set()


def test_a_job_worker_that_ended_unasked_is_replaced_even_when_its_exit_reads_zero(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tsunagu.core import serving

    spawned: list[_Ended] = []

    def spawn() -> _Ended:
        process = _Ended() if not spawned else _Running()
        spawned.append(process)
        return process

    monkeypatch.setattr(serving, "_spawn_worker", spawn)
    # The watcher's pause between workers, and only it, is skipped (this test's own waits
    # keep the real clock).
    monkeypatch.setattr(serving, "time", SimpleNamespace(sleep=lambda seconds: None))
    jobs = serving.JobWorkerProcess()
    jobs.start()
    _wait(lambda: len(spawned) == 2, 10)

    # Asked to stop: the running one is told to finish, and none takes its place.
    jobs.stop()
    assert spawned[1].terminated
    time.sleep(0.3)
    assert len(spawned) == 2
