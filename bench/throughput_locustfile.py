"""Locust users for bench/throughput.py: staff asking for one page over and over, no pauses.

Not run on its own: bench/throughput.py prepares the accounts (TSUNAGU_LOAD_ACCOUNTS, as for
bench/load.py) and names the page (TSUNAGU_THROUGHPUT_PAGE), the number of users and the
seconds to measure. Each user logs in with the flow of bench/locustfile.py (password, then
the authenticator code). When every user is in, the statistics are reset, so the logins are
left out, and the measurement runs for TSUNAGU_THROUGHPUT_SECONDS; then locust quits. What
was measured besides locust's own statistics goes to TSUNAGU_THROUGHPUT_OUT as JSON: the
window, the logins' outcome and the CPU time of locust, of the server and of the machine.
"""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from gevent.event import Event
from gevent.lock import Semaphore
from locust import HttpUser, constant, task
from locust.exception import StopUser

import bench.locustfile as journeys  # the login flow; its users are not run from here
from bench.load import process_tree

PAGE = os.environ["TSUNAGU_THROUGHPUT_PAGE"]  # "trivial view", "case list" or "case page"
USERS = int(os.environ["TSUNAGU_THROUGHPUT_USERS"])
SECONDS = float(os.environ["TSUNAGU_THROUGHPUT_SECONDS"])
OUT = Path(os.environ["TSUNAGU_THROUGHPUT_OUT"])
PATHS = {"trivial view": "bench-trivial/", "case list": "cases/"}
TICK = os.sysconf("SC_CLK_TCK")
# PostgreSQL's backends serving the bench's own database (the server's connections, kept 60 s)
# show its name in their title; SQLite's work is inside the server's processes.
DATABASE = urlsplit(os.environ.get("DATABASE_URL", "")).path.lstrip("/")

ALL_IN = Event()
ARRIVED = [0]
CASE_URL: list[str] = []
URL: list[str] = []  # the page asked for, as the first user to log in found it
CASE_LOCK = Semaphore()


def process_cpu(pid: int | str, reaped: bool = True) -> tuple[str, float]:
    """Name and CPU seconds of a process (user + system), with those of the children it
    has reaped (a gunicorn worker restarted after its max_requests) unless `reaped` is off."""
    try:
        head, tail = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)
    except OSError:  # gone meanwhile
        return "", 0.0
    fields = tail.split()[11 : 15 if reaped else 13]
    return head.split("(", 1)[-1], sum(int(value) for value in fields) / TICK


def is_backend_of(process: Path, database: str) -> bool:
    """A PostgreSQL backend connected to `database` ("postgres: 15/main: user db host…")."""
    try:
        title = (process / "cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False
    return f" {database} " in title


def cpu_snapshot() -> dict[str, Any]:
    """CPU seconds so far: locust (this process), the server (every process under the bench
    but locust: gunicorn, its web workers, the job worker), the machine (all CPUs busy) and
    the PostgreSQL backends of the bench's database, and every other process by pid, to say
    who else used the CPUs."""
    bench = os.getppid()
    server = [p for p in process_tree(bench) if p not in (bench, os.getpid())]
    first = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(value) for value in first]
    idle = ticks[3] + ticks[4]  # idle, iowait
    mine = {bench, os.getpid(), *server}
    others, database = {}, 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) not in mine:
            name, cpu = process_cpu(entry.name, reaped=False)
            if DATABASE and name == "postgres" and is_backend_of(entry, DATABASE):
                database += cpu
            elif cpu:
                others[entry.name] = (name, cpu)
    return {
        "time": time.monotonic(),
        "locust": process_cpu(os.getpid())[1],
        "server": sum(process_cpu(pid)[1] for pid in server),
        "database": database,
        "machine": (sum(ticks[:7]) - idle) / TICK,  # user … softirq; guest is inside user
        "interrupts": (ticks[5] + ticks[6]) / TICK,  # irq, softirq (loopback TCP among them)
        "steal": ticks[7] / TICK,  # this VM waiting while the host ran something else
        "others": others,
        "load": os.getloadavg()[0],
    }


def measure(environment: Any) -> None:
    """Every user is in: leave the logins out of the statistics, measure, then quit."""
    stats = environment.runner.stats
    setup = {
        name: {"requests": entry.num_requests, "failures": entry.num_failures}
        for (name, _method), entry in stats.entries.items()
    }
    stats.reset_all()
    start = cpu_snapshot()
    ALL_IN.set()
    gevent.sleep(SECONDS)
    end = cpu_snapshot()
    OUT.write_text(
        json.dumps(
            {
                "page": PAGE,
                "url": URL[0] if URL else "",
                "setup": setup,
                "start": start,
                "end": end,
                "cpus": os.cpu_count(),
            }
        ),
        encoding="utf-8",
    )
    environment.runner.quit()


class Clicker(HttpUser):
    """A lead, logged in once, asking for the same page again as soon as it arrives."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.url = ""
        try:
            journeys.Staff.on_start(self)  # type: ignore[arg-type]
            if PAGE == "case page":
                self.url = self.one_case()
            else:
                self.url = self.base + PATHS[PAGE]
            if self.url and not URL:
                URL.append(self.url)
        finally:
            ARRIVED[0] += 1
            if ARRIVED[0] == USERS:
                gevent.spawn(measure, self.environment)
        ALL_IN.wait()

    def one_case(self) -> str:
        """One case, picked at random from the first page of the list, for every user."""
        with CASE_LOCK:
            if not CASE_URL:
                response = self.client.get(f"{self.base}cases/", name="setup: case list")
                links = journeys.CASE_LINK.findall(response.text)
                if links:
                    CASE_URL.append(random.choice(links))
        return CASE_URL[0] if CASE_URL else ""

    @task
    def page(self) -> None:
        if not self.url:  # the login or the case link failed, and was recorded as such
            raise StopUser
        with self.client.get(
            self.url, name=PAGE, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
