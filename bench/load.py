"""Load test: staff on the main journeys at a person's pace against `tsunagu serve` (127.0.0.1).

    .venv/bin/python bench/load.py [--scale small|full] [--users N] [--minutes M]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<synth db> .venv/bin/python bench/load.py \\
        --scale full --existing

small: 10 staff for 1 minute on a throw-away database of 5,000 persons and 20,000
consultations (SQLite, or a new PostgreSQL database when DATABASE_URL is set). full: 50 staff
for 5 minutes; with --existing against the database DATABASE_URL names, as filled by
`tsunagu synth` (e.g. 1,000,000 persons and 1,000,000 consultations), else generated here.

Each user logs in with a password and an authenticator code, then works: home, search as you
type, quick entry (saves a consultation), case list, case page, statistics, pausing 3–10 s.
Afterwards every consultation the users saw saved must be in the database, and nothing more.
The server and locust run on this machine only and stop at the time limit.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import BenchDatabase  # noqa: E402

SCALES = {
    # users, minutes, persons, consultations (when generated here)
    "small": (10, 1.0, 5_000, 20_000),
    "full": (50, 5.0, 1_000_000, 1_000_000),
}
TARGETS_MS = {"case list": 150.0, "search": 50.0}
LEADS_EVERY = 10  # one lead among ten staff, the rest counselors


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--users", type=int, default=None)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--existing", action="store_true", help="use DATABASE_URL as filled")
    return parser.parse_args()


def prepare(args: argparse.Namespace, users: int, workdir: Path) -> tuple[Any, list[int]]:
    """Data (unless --existing) and `users` staff accounts; returns the city and their ids."""
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.core.management import call_command
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from tsunagu.accounts.models import User
    from tsunagu.people.models import Person
    from tsunagu.synth.generate import Plan, generate
    from tsunagu.tenancy.codes import OrganizationKind, Role
    from tsunagu.tenancy.models import Membership, Municipality, Organization

    if not args.existing:
        call_command("migrate", verbosity=0)
        _, _, persons, consultations = SCALES[args.scale]
        generate(Plan(municipalities=1, persons=persons, consultations=consultations))
    with scopes_disabled():
        biggest = (
            Person.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first()
        )
        assert biggest is not None, "no persons: fill the database with `tsunagu synth`"
        city = Municipality.objects.get(pk=biggest["municipality_id"])
        org, _ = Organization.objects.get_or_create(
            municipality=city, name="負荷試験センター", kind=OrganizationKind.WELFARE_COUNCIL
        )
        accounts, member_ids = [], []
        for n in range(users):
            username = f"load-{city.code}-{n:03d}"
            password = secrets.token_urlsafe(16)
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            Authenticator.objects.filter(user=user).delete()
            secret = generate_totp_secret()
            TOTP.activate(user, secret)
            role = Role.LEAD if n % LEADS_EVERY == 0 else Role.COUNSELOR
            member, _ = Membership.objects.update_or_create(
                municipality=city, user=user, defaults={"role": role, "organization": org}
            )
            member_ids.append(member.pk)
            accounts.append(
                {"username": username, "password": password, "totp": secret, "code": city.code}
            )
    (workdir / "accounts.json").write_text(json.dumps(accounts), encoding="utf-8")
    print(f"{city.name}: {biggest['n']:,} persons; {users} staff accounts ready")
    return city, member_ids


def consultations_by(member_ids: list[int], since: Any) -> int:
    from django_scopes import scopes_disabled

    from tsunagu.consultations.models import Consultation

    with scopes_disabled():
        return Consultation.objects.filter(staff_id__in=member_ids, created_at__gte=since).count()


def rss_mib(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MiB."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # gone meanwhile
        return 0.0
    for line in status.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def process_tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's web workers, the job worker)."""
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(child) for child in children)
    return found


def server_memory(pid: int, field: str) -> tuple[float, float, int]:
    """(all of the server's processes together, the largest one, how many), in MiB."""
    sizes = [rss_mib(p, field) for p in process_tree(pid)]
    return sum(sizes), max(sizes, default=0.0), len(sizes)


def serve(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 (closed with the process)
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/tsunagu"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not answer within 60 s; see server.log")


def run_locust(
    locustfile: str,
    *,
    users: int,
    spawn_rate: int,
    seconds: int,
    port: int,
    workdir: Path,
    env: dict[str, str],
    stop_timeout: int,
) -> tuple[dict[str, dict[str, str]], float, float]:
    """Serve on 127.0.0.1, run locust headless against it for `seconds`, stop the server.
    Returns locust's statistics by request name, the memory of all the server's processes
    when idle, and the peak of its largest process."""
    server = serve(port, workdir)
    idle_rss, _, processes = server_memory(server.pid, "VmRSS")
    try:
        subprocess.run(
            [
                str(ROOT / ".venv/bin/locust"),
                "-f",
                str(ROOT / locustfile),
                "--headless",
                "--only-summary",
                "-u",
                str(users),
                "-r",
                str(spawn_rate),
                "-t",
                f"{seconds}s",
                "--stop-timeout",
                str(stop_timeout),
                "--host",
                f"http://127.0.0.1:{port}",
                "--csv",
                str(workdir / "locust"),
            ],
            env={**os.environ, **env},
            check=False,
            timeout=seconds + stop_timeout + 165,
            stdout=subprocess.DEVNULL,
        )
        # Each process's own peak: the largest is what one web worker needs at most.
        _, peak_rss, _ = server_memory(server.pid, "VmHWM")
        print(f"server: {processes} processes (gunicorn, its web workers, the job worker)")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    with open(workdir / "locust_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    return rows, idle_rss, peak_rss


def print_rows(rows: dict[str, dict[str, str]], width: int) -> None:
    """The table of requests: count, failures, median, p95 and max in ms."""
    print(f"{'request':<{width}}{'count':>8}{'fail':>6}{'median':>8}{'p95':>8}{'max':>8}  ms")
    for name, row in rows.items():
        print(
            f"{name:<{width}}{row['Request Count']:>8}{row['Failure Count']:>6}"
            + "".join(
                f"{float(row[column]):>8.0f}"
                for column in ("Median Response Time", "95%", "Max Response Time")
            )
        )


def run(args: argparse.Namespace) -> None:
    from django.utils import timezone

    users, minutes = args.users or SCALES[args.scale][0], args.minutes or SCALES[args.scale][1]
    workdir = Path(tempfile.mkdtemp(prefix="tsunagu-load-"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    _city, member_ids = prepare(args, users, workdir)
    started_at = timezone.now()
    rows, idle_rss, peak_rss = run_locust(
        "bench/locustfile.py",
        users=users,
        spawn_rate=max(1, users // 10),
        seconds=int(minutes * 60),
        port=args.port,
        workdir=workdir,
        env={
            "TSUNAGU_LOAD_ACCOUNTS": str(workdir / "accounts.json"),
            "TSUNAGU_LOAD_WRITES": str(workdir / "writes.json"),
            "TSUNAGU_LOAD_TIMES": str(workdir / "times.json"),
        },
        stop_timeout=15,
    )
    saved = sum(json.loads((workdir / "writes.json").read_text(encoding="utf-8")).values())
    found = consultations_by(member_ids, started_at)
    report(rows, users, minutes, idle_rss, peak_rss, saved, found)
    after_logins(json.loads((workdir / "times.json").read_text(encoding="utf-8")))


def report(
    rows: dict[str, dict[str, str]],
    users: int,
    minutes: float,
    idle_rss: float,
    peak_rss: float,
    saved: int,
    found: int,
) -> None:
    print()
    print(f"{users} staff for {minutes:g} min, pausing 3–10 s; server `tsunagu serve`")
    print_rows(rows, 26)
    print(
        f"server memory: {idle_rss:.0f} MiB idle in all its processes;"
        f" the largest process peaked at {peak_rss:.0f} MiB"
    )
    print(f"consultations saved by the users: {saved}; found in the database: {found}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    total = rows.get("Aggregated", {})
    requests, failures = int(total.get("Request Count", 0)), int(total.get("Failure Count", 0))
    for name, target in TARGETS_MS.items():
        if name in rows:
            ratio = float(rows[name]["95%"]) / target
            verdict = "OK" if ratio <= 1 else "OVER"
            print(f"{name} p95 / {target:.0f} ms = {ratio:.2f}x (target <= 1x) {verdict}")
    ratio = failures / max(requests, 1)
    verdict = "OK" if failures == 0 else "OVER"
    print(f"failed requests / requests = {ratio:.3f}x (target <= 0x) {verdict}")
    ratio = found / max(saved, 1)
    print(
        "consultations in the database / saved by the users = "
        f"{ratio:.2f}x (target <= 1x) {'OK' if found == saved else 'OVER'}"
    )


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile: the smallest value with p% of them at or below it."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(p / 100 * len(ranked)) - 1)]


def after_logins(times: list[tuple[str, float, float]]) -> None:
    """The same journeys once every user has logged in: the 50 logins arrive within ten
    seconds (locust spawns 5 users a second) and queue the first requests behind them; a
    morning's staff log in over half an hour. Reported beside the whole run's figures, which
    keep their verdict lines above."""
    logins = [end for name, end, _ in times if name == "login (code)"]
    if not logins:
        return
    since = max(logins)
    start = min(end - ms / 1000 for _, end, ms in times)
    by_name: dict[str, list[float]] = {}
    for name, end, ms in times:
        if end - ms / 1000 >= since and not name.startswith("login"):
            by_name.setdefault(name, []).append(ms)
    print()
    print(f"after the last login ({since - start:.0f} s into the run), the same journeys:")
    print(f"{'request':<26}{'count':>8}{'median':>8}{'p95':>8}{'max':>8}  ms")
    for name in sorted(by_name):
        values = by_name[name]
        print(
            f"{name:<26}{len(values):>8}{percentile(values, 50):>8.0f}"
            f"{percentile(values, 95):>8.0f}{max(values):>8.0f}"
        )
    for name, target in TARGETS_MS.items():
        if name in by_name:
            ratio = percentile(by_name[name], 95) / target
            verdict = "OK" if ratio <= 1 else "OVER"
            print(
                f"{name} p95 after the logins / {target:.0f} ms = {ratio:.2f}x"
                f" (target <= 1x) {verdict}"
            )


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.existing:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        run(args)
        return
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
