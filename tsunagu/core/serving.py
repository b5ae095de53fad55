"""`tsunagu serve`: gunicorn with JSON-lines logs on stdout, and the job worker beside it.

gunicorn's master process stays in charge of signals: HUP reloads the web workers with new
code (and restarts the job worker), TERM stops taking requests, lets running ones finish,
then stops the job worker, which finishes its current job first.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

# Web requests may not hold a database connection longer than this (PostgreSQL); the job
# worker has none, as an import may take minutes.
STATEMENT_TIMEOUT_MS = 30_000


def default_workers() -> int:
    """gunicorn's rule of thumb, 2 × CPUs + 1, capped so a small server keeps its memory."""
    return min(2 * (os.cpu_count() or 1) + 1, 9)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: easy to ship to any log collector."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        extra = getattr(record, "access", None)
        if isinstance(extra, dict):
            entry.update(extra)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def json_logging_config(level: str = "INFO") -> dict[str, Any]:
    """Django's LOGGING for a served process: everything as JSON lines on stdout."""
    handler = {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "json"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "tsunagu.core.serving.JsonFormatter"}},
        "handlers": {"stdout": handler},
        "root": {"handlers": ["stdout"], "level": "WARNING"},
        "loggers": {
            "tsunagu": {"handlers": ["stdout"], "level": level, "propagate": False},
            "tsunagu.security": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
            "django_tasks_db": {"handlers": ["stdout"], "level": level, "propagate": False},
            "django.tasks": {"handlers": ["stdout"], "level": level, "propagate": False},
            "django_tasks": {"handlers": ["stdout"], "level": level, "propagate": False},
            "gunicorn.error": {"handlers": ["stdout"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["stdout"], "level": "INFO", "propagate": False},
        },
    }


class JsonAccessLogger(Logger):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn's logger with access lines as JSON (no query string: it may name a person)."""

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if not self.access_log_enabled:
            return
        self.access_log.info(
            "%s %s %s",
            environ.get("REQUEST_METHOD"),
            environ.get("PATH_INFO"),
            resp.status_code,
            extra={
                "access": {
                    "method": environ.get("REQUEST_METHOD"),
                    "path": environ.get("PATH_INFO"),
                    "status": resp.status_code,
                    "bytes": getattr(resp, "sent", None),
                    "duration_ms": round(request_time.total_seconds() * 1000, 1),
                    "remote": environ.get("REMOTE_ADDR"),
                    "pid": os.getpid(),
                }
            },
        )


def _spawn_worker() -> subprocess.Popen[bytes]:
    env = {**os.environ, "TSUNAGU_LOG_FORMAT": "json"}
    return subprocess.Popen([sys.executable, "-m", "tsunagu.core.cli", "worker"], env=env)


class JobWorkerProcess:
    """`tsunagu worker` as a child of the gunicorn master, restarted if it crashes or is killed."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.stopping = False
        self.lock = threading.Lock()

    def start(self) -> None:
        with self.lock:
            self.stopping = False
            self.process = process = _spawn_worker()
        threading.Thread(
            target=self._watch, args=(process,), name="job-worker-watch", daemon=True
        ).start()

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """Start another worker whenever this one ends without having been asked to stop.

        The exit code cannot tell: gunicorn's master reaps any child that ends (SIGCHLD), and
        a child reaped there reads as 0 here. Only `stop()` says the end was wanted.
        """
        while True:
            process.wait()
            time.sleep(1)  # a crash loop must not spin; stop() may come meanwhile
            with self.lock:
                if self.stopping or process is not self.process:
                    return
                logging.getLogger("tsunagu.jobs").error("job worker ended; starting another")
                self.process = process = _spawn_worker()

    def stop(self) -> None:
        """TERM: the worker finishes its current job, then exits."""
        with self.lock:
            self.stopping = True
            process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()


class TsunaguServer(BaseApplication):  # type: ignore[misc]  # gunicorn ships no types
    """gunicorn, configured in code so `tsunagu serve` needs no config file."""

    def __init__(self, options: dict[str, Any], *, with_worker: bool = True) -> None:
        self.options = options
        self.jobs = JobWorkerProcess() if with_worker else None
        super().__init__()

    def load_config(self) -> None:
        jobs = self.jobs

        def when_ready(server: Any) -> None:
            if jobs is not None:
                jobs.start()

        def on_reload(server: Any) -> None:
            if jobs is not None:
                jobs.restart()

        def on_exit(server: Any) -> None:
            if jobs is not None:
                jobs.stop()

        def post_fork(server: Any, worker: Any) -> None:
            from django.db import connections

            # Web requests only: statement timeout on PostgreSQL (the job worker has none).
            for connection in connections.all():
                if connection.vendor == "postgresql":
                    options = connection.settings_dict.setdefault("OPTIONS", {})
                    options["options"] = (
                        f"{options.get('options', '')} -c statement_timeout={STATEMENT_TIMEOUT_MS}"
                    ).strip()
                connection.close()

        settings = {
            **self.options,
            "logger_class": JsonAccessLogger,
            "logconfig_dict": json_logging_config(),
            "when_ready": when_ready,
            "on_reload": on_reload,
            "on_exit": on_exit,
            "post_fork": post_fork,
        }
        for key, value in settings.items():
            if key in self.cfg.settings and value is not None:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
