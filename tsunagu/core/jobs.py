"""Background jobs: the worker loop with a heartbeat, and what happens to a job whose worker died.

Jobs are Django tasks (django-tasks, the Tasks API of Django 6) kept in the database Tsunagu
already has (django-tasks-db), so a single machine needs no queue server and a job enqueued
survives any restart until a worker takes it. Each worker writes a heartbeat; a job still
"running" on a worker that has stopped beating (or whose process is gone, on the same
machine) is marked failed, and the domain that enqueued it is told so it can say so in
plain words and offer a retry.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks_db.management.commands import db_worker
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tsunagu.core.models import WorkerBeat

logger = logging.getLogger("tsunagu.jobs")

# A worker beats this often; one silent for DEAD_AFTER is taken for dead (other machines).
BEAT_SECONDS = 5.0
DEAD_AFTER = timedelta(seconds=60)

RUNNING = "RUNNING"
FAILED = "FAILED"
WORKER_DIED = "tsunagu.core.jobs.WorkerDied"

# The chores of settings.TSUNAGU_HOUSEKEEPING run when a worker starts and this often after.
HOUSEKEEPING_SECONDS = 3600.0

# task module path → called with the task's kwargs when its worker died while running it.
_abandoned_hooks: dict[str, Callable[..., None]] = {}


def _close_old_connections() -> None:
    if not connection.in_atomic_block:
        close_old_connections()


# The library's loop closes "old" connections at every turn. Inside a caller's transaction
# (jobs run inline by `run_queued_jobs` in a test) that would close the caller's connection
# on PostgreSQL, so there it is left alone; a real worker never runs inside one.
setattr(db_worker, "close_old_connections", _close_old_connections)  # noqa: B010


def housekeeping() -> None:
    """Run each periodic chore settings.TSUNAGU_HOUSEKEEPING names (dotted paths of functions
    without arguments, e.g. dropping import files older than a day); one failing does not
    stop the others."""
    for path in settings.TSUNAGU_HOUSEKEEPING:
        try:
            import_string(path)()
        except Exception:
            logger.exception("housekeeping %s failed", path)


def refresh_planner_statistics() -> None:
    """SQLite: gather the statistics its query planner chooses indexes by (a sampled ANALYZE).

    Without them SQLite takes any index on an equal column alike, so a case's consultations
    were read through the municipality's index, every consultation of the town, rather than
    the case's own. PostgreSQL keeps its statistics itself (autovacuum): nothing to do there.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")  # rows sampled per index: milliseconds
        cursor.execute("ANALYZE")


class WorkerDied(Exception):
    """The worker running a job stopped (killed, crashed, machine restarted)."""


def on_abandoned(task_path: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Register what to do with a job of this task whose worker died (mark its row, etc.)."""

    def register(hook: Callable[..., None]) -> Callable[..., None]:
        _abandoned_hooks[task_path] = hook
        return hook

    return register


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_dead(beat: WorkerBeat | None, now: Any) -> bool:
    if beat is None:
        return True
    if beat.stopped_at is not None:
        return True
    if beat.host == socket.gethostname():
        # On the same machine the process table is the truth. The beat itself may lag on
        # SQLite, where a long import holds the only write lock.
        return not _process_alive(beat.pid)
    return bool(now - beat.beat_at > DEAD_AFTER)


def _tell_abandoned(result: DBTaskResult[Any, Any]) -> None:
    try:
        # Importing the task's module registers its hook.
        import_string(result.task_path)
    except ImportError:
        logger.error("job %s: task %s no longer exists", result.pk, result.task_path)
        return
    hook = _abandoned_hooks.get(result.task_path)
    if hook is not None:
        hook(**result.args_kwargs.get("kwargs", {}))


def reap() -> int:
    """Mark failed every running job whose worker is gone; how many were."""
    running = list(
        DBTaskResult.objects.filter(status=RUNNING).only("id", "worker_ids", "task_path")
    )
    if not running:
        return 0
    now = timezone.now()
    beats = {
        b.worker_id: b
        for b in WorkerBeat.objects.filter(
            worker_id__in=[r.worker_ids[-1] for r in running if r.worker_ids]
        )
    }
    reaped = 0
    for result in running:
        worker_id = result.worker_ids[-1] if result.worker_ids else ""
        if not _is_dead(beats.get(worker_id), now):
            continue
        with transaction.atomic():
            marked = DBTaskResult.objects.filter(pk=result.pk, status=RUNNING).update(
                status=FAILED,
                finished_at=now,
                exception_class_path=WORKER_DIED,
                traceback=_("The worker running this job stopped before it finished."),
            )
            if not marked:
                continue
            reaped += 1
            _tell_abandoned(DBTaskResult.objects.get(pk=result.pk))
        logger.warning("job %s (%s) failed: worker %s died", result.pk, result.task_path, worker_id)
    return reaped


class JobWorker(Worker):
    """django-tasks-db's worker loop plus a heartbeat and reaping of dead workers' jobs."""

    def __init__(
        self, *, worker_id: str | None = None, heartbeat: bool = True, **options: Any
    ) -> None:
        options.setdefault("queue_names", ["default"])
        options.setdefault("interval", 1.0)
        options.setdefault("batch", False)
        options.setdefault("backend_name", "default")
        options.setdefault("startup_delay", False)
        options.setdefault("max_tasks", None)
        options.setdefault("excluded_queue_names", [])
        super().__init__(worker_id=worker_id or get_random_string(32), **options)
        self._beating = threading.Event()
        self.heartbeat = heartbeat

    def _beat(self) -> None:
        WorkerBeat.objects.filter(worker_id=self.worker_id).update(beat_at=timezone.now())

    def _beat_forever(self) -> None:
        chores_at = time.monotonic()
        while not self._beating.wait(BEAT_SECONDS):
            try:
                self._beat()
                if time.monotonic() - chores_at >= HOUSEKEEPING_SECONDS:
                    chores_at = time.monotonic()
                    housekeeping()
            except DatabaseError:
                # The database is away or (SQLite) locked by the running job: beat later.
                logger.debug("heartbeat of worker %s skipped", self.worker_id)
            finally:
                close_old_connections()
        connection.close()

    def run(self) -> None:
        now = timezone.now()
        WorkerBeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "host": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": now,
                "beat_at": now,
                "stopped_at": None,
            },
        )
        reap()
        housekeeping()
        if self.heartbeat:
            beat = threading.Thread(target=self._beat_forever, name="worker-heartbeat", daemon=True)
            beat.start()
        try:
            super().run()
        finally:
            self._beating.set()
            WorkerBeat.objects.filter(worker_id=self.worker_id).update(stopped_at=timezone.now())

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        super().run_task(db_task_result)
        if db_task_result.status == FAILED and db_task_result.exception_class_path in (
            "builtins.SystemExit",
            "builtins.KeyboardInterrupt",
        ):
            # Stopped by a second TERM or Ctrl+C in the middle: the job did not finish.
            _tell_abandoned(db_task_result)
        # Between jobs: look for jobs left running by workers that died meanwhile.
        reap()


def run_worker(*, batch: bool = False, interval: float = 1.0) -> None:
    """Run a worker in this process until TERM/INT (or, with batch, until the queue is empty)."""
    worker = JobWorker(batch=batch, interval=interval)
    worker.configure_signals()
    try:
        worker.run()
    finally:
        worker.reset_signals()


def run_queued_jobs() -> None:
    """Run every queued job in this process through the real worker loop, then return.

    Without the heartbeat thread: the batch ends long before a beat is due, and tests that
    call this share one database connection.
    """
    worker = JobWorker(batch=True, interval=0, heartbeat=False)
    worker.run()


__all__ = [
    "WORKER_DIED",
    "JobWorker",
    "WorkerDied",
    "housekeeping",
    "on_abandoned",
    "reap",
    "run_queued_jobs",
    "run_worker",
]
