"""Load check of the public pages: readers without login against `tsunagu serve` (127.0.0.1).

    .venv/bin/python bench/public.py [--users 50] [--seconds 60]

A throw-away database (SQLite, or a new PostgreSQL database when DATABASE_URL is set) with one
municipality: its public page, 5 public places with weekly sessions, 3 public programmes and
a year of 2,000 consultations for the statistics page. `--users` readers (50) open the public
page, the statistics, an event and the inquiry form, pausing 1–3 s, for `--seconds` (60).
Bounded: the server and locust run on this machine only and stop at the time limit.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import print_rows, run_locust  # noqa: E402
from bench.stats import BenchDatabase  # noqa: E402

TARGET_P95_MS = 500.0


def prepare() -> tuple[str, int]:
    import django

    django.setup()
    from datetime import datetime, time, timedelta

    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scope

    from tsunagu.consultations.services import consultation_build, consultation_bulk_create
    from tsunagu.core.eras import TOKYO, fiscal_year
    from tsunagu.places import services as place_services
    from tsunagu.programmes import services as programme_services
    from tsunagu.public.models import PublicPage
    from tsunagu.tenancy.models import Municipality

    call_command("migrate", verbosity=0)
    city = Municipality.objects.create(code="332089", name="総社市", prefecture="岡山県")
    today = timezone.localdate()
    with scope(municipality=city):
        PublicPage.objects.create(
            municipality=city,
            center_name="ひきこもり支援センター",
            hours="平日 8:30〜17:15",
            phone="0866-92-8200",
            address="総社市中央1-1-1",
        )
        for n, day in enumerate(("MO", "TU", "WE", "TH", "FR")):
            place_services.place_create(
                actor=None,
                municipality_id=city.pk,
                name=f"居場所 {n + 1}",
                kind="person",
                public=True,
                rules=[
                    place_services.RuleIn(f"FREQ=WEEKLY;BYDAY={day}", time(13), time(16), "keep")
                ],
            )
        events = [
            programme_services.programme_create(
                actor=None,
                municipality_id=city.pk,
                name=f"家族のつどい {n + 1}",
                kind="family_group",
                capacity=20,
                public=True,
                meetings=[
                    programme_services.MeetingIn(
                        today + timedelta(days=7 * (n + 1)), time(14), time(16)
                    )
                ],
            )
            for n in range(3)
        ]
        year = fiscal_year(today) - 1
        start = datetime(year, 4, 1, 9, tzinfo=TOKYO)
        channels = ["phone", "walk_in", "home_visit", "email", "web"]
        consulters = ["self", "family", "agency", "community"]
        consultation_bulk_create(
            consultations=(
                consultation_build(
                    actor=None,
                    municipality=city,
                    occurred_at=start + timedelta(hours=4 * i),
                    channel=channels[i % len(channels)],
                    consulter=consulters[i % len(consulters)],
                )
                for i in range(2000)
            )
        )
    return city.code, events[0].pk


def run(users: int, seconds: int, port: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="tsunagu-public-"))
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    code, event = prepare()
    rows, idle_rss, peak_rss = run_locust(
        "bench/public_locustfile.py",
        users=users,
        spawn_rate=max(1, users // 5),
        seconds=seconds,
        port=port,
        workdir=workdir,
        env={"TSUNAGU_PUBLIC_CODE": code, "TSUNAGU_PUBLIC_EVENT": str(event)},
        stop_timeout=10,
    )
    print()
    print(f"{users} readers for {seconds} s, pausing 1–3 s, no cookies; server `tsunagu serve`")
    print_rows(rows, 22)
    print(
        f"server memory: {idle_rss:.0f} MiB idle in all its processes;"
        f" the largest process peaked at {peak_rss:.0f} MiB"
    )
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    total = rows["Aggregated"]
    requests, failures = int(total["Request Count"]), int(total["Failure Count"])
    ratio = float(total["95%"]) / TARGET_P95_MS
    print(
        f"public pages p95 / {TARGET_P95_MS:.0f} ms = {ratio:.2f}x (target <= 1x) "
        f"{'OK' if ratio <= 1 else 'OVER'}"
    )
    print(
        f"failed requests / requests = {failures / max(requests, 1):.3f}x (target <= 0x) "
        f"{'OK' if failures == 0 else 'OVER'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args.users, args.seconds, args.port)


if __name__ == "__main__":
    main()
