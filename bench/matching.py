"""Benchmark: matching 500 dispatch requests against 2,000 supporters, against the solver alone.

    .venv/bin/python bench/matching.py [--scale small|full|tight] [--runs 5] [--profile]

`tsunagu.supporters.matching.match` (hard rules, scores, reasons, the assignment) is timed
against scipy's `linear_sum_assignment` alone on the whole gain matrix of the dense formulation
(`matching.full_gain`: every request x every usable place, as `match` built and solved it
before it gave the sparse solver the allowed pairs only), in the same process, taking turns.
The two must agree: the same number of requests served and the same total score (asserted).
Targets (issue "Supporters"): at most 1 s, at most 1.5x the solver.
No database: the supporters are given as the value lists `selectors.matching_registry` reads,
and turning them into the registry's columns (`Registry.build`, once per run) is timed too.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time as clock
from datetime import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from scipy.optimize import linear_sum_assignment  # noqa: E402

from tsunagu.supporters import matching  # noqa: E402

AREAS = [f"{name}地区" for name in "北南東西中上下本新旧山川海里森田原"]  # 17, as in 総社市
SKILLS = ["ゲーム", "将棋", "読書", "学習支援", "料理", "農業", "音楽", "散歩", "手芸", "PC"]
# full: the sizes. tight: far fewer places than requests (most requests go unserved,
# the solver's "largest matching" path and a why-not for each unserved request).
SCALES = {"small": (100, 400), "full": (500, 2000), "tight": (500, 150)}


def slot(rng: random.Random, hours: tuple[int, int]) -> matching.Slot:
    start = rng.randint(*hours)
    return matching.Slot(rng.randrange(7), time(start), time(start + 1))


def instance(n_requests: int, n_supporters: int, seed: int = 20181001) -> tuple[list, list]:
    rng = random.Random(seed)
    supporters = [
        matching.Candidate(
            id=j,
            areas=tuple(rng.sample(AREAS, rng.randint(1, 3))),
            availability=tuple(
                matching.Slot(rng.randrange(7), time(9), time(rng.randint(12, 17)))
                for _ in range(rng.randint(1, 4))
            ),
            active=rng.random() < 0.9,
            max_active=rng.randint(1, 3),
            current=rng.randint(0, 1),
            gender=rng.choice(["male", "female"]),
            peer=rng.random() < 0.2,
            skills=tuple(rng.sample(SKILLS, rng.randint(0, 3))),
        )
        for j in range(n_supporters)
    ]
    requests = [
        matching.Request(
            id=i,
            area=rng.choice(AREAS),
            when=tuple(slot(rng, (9, 15)) for _ in range(rng.randint(1, 3))),
            wants=matching.Wants(
                gender=rng.choice(["", "", "male", "female"]),
                peer=rng.choice([None, None, True]),
                skills=tuple(rng.sample(SKILLS, rng.randint(0, 2))),
            ),
            refused=frozenset(rng.sample(range(n_supporters), rng.randint(0, 2))),
        )
        for i in range(n_requests)
    ]
    return requests, supporters


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--profile", action="store_true", help="then profile match: where its time goes"
    )
    args = parser.parse_args()
    n_requests, n_supporters = SCALES[args.scale]
    requests, supporters = instance(n_requests, n_supporters)

    # The value lists the database gives (selectors.matching_registry), times in minutes.
    columns = {
        "ids": [s.id for s in supporters],
        "active": [s.active for s in supporters],
        "max_active": [s.max_active for s in supporters],
        "current": [s.current for s in supporters],
        "gender": [s.gender for s in supporters],
        "peer": [s.peer for s in supporters],
        "areas": [list(s.areas) for s in supporters],
        "skills": [list(s.skills) for s in supporters],
        "slots": [
            (s.id, a.weekday, matching.minutes(a.start), matching.minutes(a.end))
            for s in supporters
            for a in s.availability
        ],
    }
    registry = matching.Registry.build(**columns)
    result = matching.match(requests, registry)
    # The baseline: the whole dense gain matrix, solved once by linear_sum_assignment.
    gain = matching.full_gain(requests, registry)[0]
    rows, cols = linear_sum_assignment(gain, maximize=True)
    won = gain[rows, cols]
    won = won[won > 0]
    bonus = matching.MAX_SCORE * n_requests + 1
    one_solve = (len(won), int(won.sum()) - bonus * len(won))
    got = (len(result.proposals), sum(p.score for p in result.proposals))
    if got != one_solve:  # not an assert: checked under python -O too
        raise SystemExit(f"match (served, total) {got} != one solve of the full matrix {one_solve}")

    built, full, alone = [], [], []
    full_cpu, alone_cpu = [], []  # this process's CPU time: less moved by other processes
    for _ in range(args.runs):
        t = clock.perf_counter()
        registry = matching.Registry.build(**columns)
        built.append(clock.perf_counter() - t)
        t, c = clock.perf_counter(), clock.process_time()
        matching.match(requests, registry)
        full.append(clock.perf_counter() - t)
        full_cpu.append(clock.process_time() - c)
        t, c = clock.perf_counter(), clock.process_time()
        linear_sum_assignment(gain, maximize=True)
        alone.append(clock.perf_counter() - t)
        alone_cpu.append(clock.process_time() - c)
    build_s = statistics.median(built)
    match_s, solver_s = statistics.median(full), statistics.median(alone)
    load = os.getloadavg()[0]
    print(f"{n_requests} requests x {n_supporters} supporters; gain matrix {gain.shape}")
    print(f"served {len(result.proposals)}, unmatched {len(result.unmatched)}")
    print(
        f"total score {got[1]}: match equals one solve of the full matrix "
        f"(served {one_solve[0]}, total {one_solve[1]})"
    )
    print(
        f"median of {args.runs}: registry columns {build_s * 1000:.1f} ms, match "
        f"{match_s * 1000:.1f} ms, solver alone {solver_s * 1000:.1f} ms "
        f"(load average {load:.2f})"
    )
    verdict = "OK" if match_s <= 1.0 else "OVER"
    print(f"matching time = {match_s:.2f}x of 1 s (target <= 1x) {verdict}")
    ratio = match_s / solver_s
    print(
        f"matching / solver alone = {ratio:.2f}x (target <= 1.5x) "
        f"{'OK' if ratio <= 1.5 else 'OVER'}"
    )
    print(f"with the registry's columns built: {(build_s + match_s) / solver_s:.2f}x")
    cpu = statistics.median(full_cpu) / statistics.median(alone_cpu)
    print(f"in CPU time of this process: matching / solver alone = {cpu:.2f}x")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(lambda: [matching.match(requests, registry) for _ in range(args.runs)])
        pstats.Stats(profile).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
