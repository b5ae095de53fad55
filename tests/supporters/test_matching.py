"""Matching serves the most requests the hard rules allow, then the highest total score."""

import itertools
import random
from datetime import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment
from scipy.sparse import csr_array
from scipy.sparse.csgraph import connected_components

from tsunagu.supporters.matching import (
    MAX_SCORE,
    Candidate,
    Registry,
    Request,
    Slot,
    Wants,
    feasible,
    full_gain,
    match,
    score,
)

MON_MORNING = Slot(0, time(9), time(12))
MON_10 = Slot(0, time(10), time(11))
TUE_10 = Slot(1, time(10), time(11))


def supporter(id: int, **kw: object) -> Candidate:
    defaults: dict[str, object] = {
        "areas": ("北部",),
        "availability": (MON_MORNING,),
        "max_active": 1,
    }
    return Candidate(id=id, **{**defaults, **kw})  # type: ignore[arg-type]


def request(id: int, **kw: object) -> Request:
    defaults: dict[str, object] = {"area": "北部", "when": (MON_10,)}
    return Request(id=id, **{**defaults, **kw})  # type: ignore[arg-type]


def test_each_hard_rule_excludes_a_pair() -> None:
    r = request(1)
    assert feasible(r, supporter(1))
    assert not feasible(r, supporter(1, areas=("南部",)))
    assert not feasible(request(1, when=(TUE_10,)), supporter(1))
    assert not feasible(request(1, when=(Slot(0, time(11), time(13)),)), supporter(1))
    assert not feasible(r, supporter(1, active=False))
    assert not feasible(request(1, refused=frozenset({1})), supporter(1))
    assert not feasible(r, supporter(1, current=1, max_active=1))
    assert feasible(r, supporter(1, current=1, max_active=2))


def test_areas_compare_after_nfkc_and_width() -> None:
    assert feasible(request(1, area="ｷﾀ地区"), supporter(1, areas=("キタ地区",)))


def test_taking_the_best_pair_first_would_leave_a_request_unserved() -> None:
    # Supporter 1 fits request 1 best, but is the only one who can serve request 2.
    likes_shogi = Wants(skills=("将棋",))
    requests = [request(1, wants=likes_shogi), request(2, area="南部")]
    supporters = [
        supporter(1, areas=("北部", "南部"), skills=("将棋",)),
        supporter(2),
    ]
    result = match(requests, supporters)
    assert {(p.request_id, p.supporter_id) for p in result.proposals} == {(1, 2), (2, 1)}
    assert result.unmatched == []


def test_reasons_are_sentences_naming_what_matched() -> None:
    r = request(1, wants=Wants(gender="female", peer=True, skills=("将棋", "料理")))
    s = supporter(1, gender="female", peer=True, skills=("将棋",))
    points, reasons = score(r, s)
    assert points == 3 + 3 + 2 + 1
    assert any("将棋" in reason for reason in reasons)
    assert len(reasons) == 4


def test_unmatched_requests_say_why() -> None:
    result = match([request(1, area="東部"), request(2, when=(TUE_10,))], [supporter(1)])
    why = dict(result.unmatched)
    assert "東部" in why[1]
    assert why[2] != why[1]
    assert result.proposals == []


def test_a_supporter_takes_as_many_requests_as_free_places() -> None:
    result = match([request(1), request(2), request(3)], [supporter(1, max_active=3, current=1)])
    assert len(result.proposals) == 2
    assert len(result.unmatched) == 1


slots = st.sampled_from([MON_10, TUE_10, Slot(0, time(13), time(14))])
areas = st.sampled_from(["北部", "南部"])
skills = st.lists(st.sampled_from(["将棋", "料理", "ゲーム"]), max_size=2, unique=True)


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Request], list[Candidate]]:
    n_supporters = draw(st.integers(1, 4))
    supporters = [
        Candidate(
            id=j + 1,
            areas=tuple(draw(st.lists(areas, min_size=1, max_size=2, unique=True))),
            availability=tuple(
                draw(
                    st.lists(
                        st.sampled_from(
                            [MON_MORNING, Slot(1, time(9), time(12)), Slot(0, time(13), time(17))]
                        ),
                        min_size=1,
                        max_size=2,
                    )
                )
            ),
            active=draw(st.booleans()) or draw(st.booleans()),
            max_active=draw(st.integers(0, 2)),
            current=draw(st.integers(0, 1)),
            gender=draw(st.sampled_from(["female", "male"])),
            peer=draw(st.booleans()),
            skills=tuple(draw(skills)),
        )
        for j in range(n_supporters)
    ]
    requests = [
        Request(
            id=i + 1,
            area=draw(areas),
            when=tuple(draw(st.lists(slots, min_size=1, max_size=2))),
            wants=Wants(
                gender=draw(st.sampled_from(["", "female", "male"])),
                peer=draw(st.sampled_from([None, True])),
                skills=tuple(draw(skills)),
            ),
            refused=frozenset(draw(st.sets(st.integers(1, n_supporters), max_size=1))),
        )
        for i in range(draw(st.integers(1, 5)))
    ]
    return requests, supporters


def best_by_brute_force(requests: list[Request], supporters: list[Candidate]) -> tuple[int, int]:
    """(requests served, total score) of the best matching, trying every assignment."""
    options = [[None] + [s for s in supporters if feasible(r, s)] for r in requests]
    best = (0, 0)
    for choice in itertools.product(*options):
        used: dict[int, int] = {}
        for s in choice:
            if s is not None:
                used[s.id] = used.get(s.id, 0) + 1
        if any(used[s.id] > s.max_active - s.current for s in supporters if s.id in used):
            continue
        served = sum(1 for s in choice if s is not None)
        total = sum(score(r, s)[0] for r, s in zip(requests, choice, strict=True) if s)
        best = max(best, (served, total))
    return best


@settings(max_examples=300, deadline=None)
@given(instances())
def test_matching_equals_brute_force(instance: tuple[list[Request], list[Candidate]]) -> None:
    requests, supporters = instance
    result = match(requests, supporters)
    by_id = {s.id: s for s in supporters}
    load: dict[int, int] = {}
    for p in result.proposals:
        r = next(r for r in requests if r.id == p.request_id)
        assert feasible(r, by_id[p.supporter_id])
        load[p.supporter_id] = load.get(p.supporter_id, 0) + 1
    for sid, n in load.items():
        assert n <= by_id[sid].max_active - by_id[sid].current
    got = (len(result.proposals), sum(p.score for p in result.proposals))
    assert got == best_by_brute_force(requests, supporters)
    assert len(result.proposals) + len(result.unmatched) == len(requests)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_the_vectorized_rules_agree_with_the_pair_by_pair_ones(
    instance: tuple[list[Request], list[Candidate]],
) -> None:
    from tsunagu.supporters.matching import _feasible_matrix, _pair_points, _pair_scores, _wanted

    requests, supporters = instance
    ok = _feasible_matrix(requests, supporters)
    points = _pair_scores(requests, supporters)
    registry = Registry.of(supporters)
    rows, columns = np.divmod(np.arange(len(requests) * len(supporters)), len(supporters))
    pairs = _pair_points(_wanted(requests, registry), registry, rows, columns)
    assert ok.shape == points.shape == (len(requests), len(supporters))
    for a, r in enumerate(requests):
        for b, s in enumerate(supporters):
            assert bool(ok[a, b]) == feasible(r, s)
            assert int(points[a, b]) == score(r, s)[0]
            assert int(pairs[a * len(supporters) + b]) == score(r, s)[0]


# `match` gives scipy's sparse solver the allowed pairs only; the dense formulation it replaced
# (`full_gain`, the benchmark's baseline) is one `linear_sum_assignment` over every request and
# every place. Both must serve as many requests and reach the same total score.


def one_solve(requests: list[Request], supporters: list[Candidate]) -> tuple[int, int]:
    """(served, total score) of one dense solve of the whole gain matrix."""
    gain, _ = full_gain(requests, Registry.of(supporters))
    rows, columns = linear_sum_assignment(gain, maximize=True)
    won = gain[rows, columns]
    won = won[won > 0]
    bonus = MAX_SCORE * len(requests) + 1
    return len(won), int(won.sum()) - bonus * len(won)


def components(requests: list[Request], supporters: list[Candidate]) -> int:
    """Connected components of the graph of allowed pairs that have a request in them."""
    ok = np.array([[feasible(r, s) for s in supporters] for r in requests], dtype=bool)
    n = len(requests)
    graph = np.zeros((n + len(supporters),) * 2, dtype=bool)
    graph[:n, n:] = ok
    _, label = connected_components(csr_array(graph), directed=False)
    return len({int(label[a]) for a in range(n) if ok[a].any()})


AREAS = ["北部", "南部", "東部", "西部"]
HOURS = [Slot(d, time(h), time(h + 1)) for d in range(3) for h in (9, 10, 13)]
INTERESTS = ["将棋", "料理", "ゲーム", "読書"]


def random_instance(
    rng: random.Random, n_requests: int, n_supporters: int, bridges: float
) -> tuple[list[Request], list[Candidate]]:
    """Supporters of one area each, except a share `bridges` who reach two (joining them)."""
    supporters = [
        Candidate(
            id=j + 1,
            areas=tuple(rng.sample(AREAS, 2 if rng.random() < bridges else 1)),
            availability=tuple(
                Slot(rng.randrange(3), time(9), time(rng.choice([11, 12, 17])))
                for _ in range(rng.randint(1, 3))
            ),
            active=rng.random() < 0.9,
            max_active=rng.randint(0, 3),
            current=rng.randint(0, 1),
            gender=rng.choice(["female", "male"]),
            peer=rng.random() < 0.3,
            skills=tuple(rng.sample(INTERESTS, rng.randint(0, 3))),
        )
        for j in range(n_supporters)
    ]
    requests = [
        Request(
            id=i + 1,
            area=rng.choice(AREAS),
            when=tuple(rng.sample(HOURS, rng.randint(1, 2))),
            wants=Wants(
                gender=rng.choice(["", "female", "male"]),
                peer=rng.choice([None, True]),
                skills=tuple(rng.sample(INTERESTS, rng.randint(0, 2))),
            ),
            refused=frozenset(
                rng.sample(range(1, n_supporters + 1), rng.randint(0, min(2, n_supporters)))
            ),
        )
        for i in range(n_requests)
    ]
    return requests, supporters


@pytest.mark.parametrize("seed", range(40))
def test_the_sparse_assignment_equals_one_solve_of_the_full_matrix(seed: int) -> None:
    rng = random.Random(seed)
    # Few supporters (requests go unserved, the solver's "unserved" columns) to many.
    n_supporters = [3, 8, 20, 40][seed % 4]
    requests, supporters = random_instance(rng, rng.randint(5, 40), n_supporters, seed % 3 / 4)
    result = match(requests, supporters)
    got = (len(result.proposals), sum(p.score for p in result.proposals))
    assert got == one_solve(requests, supporters)
    # Each proposal is allowed, within the supporter's places, and scored and explained as
    # `score` does for that pair.
    by_id = {s.id: s for s in supporters}
    by_request = {r.id: r for r in requests}
    taken: dict[int, int] = {}
    for p in result.proposals:
        r, s = by_request[p.request_id], by_id[p.supporter_id]
        assert feasible(r, s)
        assert (p.score, p.reasons) == score(r, s)
        taken[s.id] = taken.get(s.id, 0) + 1
    assert all(n <= by_id[s].max_active - by_id[s].current for s, n in taken.items())
    assert len({p.request_id for p in result.proposals}) == len(result.proposals)
    assert len(result.proposals) + len(result.unmatched) == len(requests)


def test_the_random_instances_have_several_components_and_bridges() -> None:
    """The instances above do cover areas apart and areas joined by a supporter of two."""
    counts = []
    for seed in range(40):
        rng = random.Random(seed)
        n_supporters = [3, 8, 20, 40][seed % 4]
        requests, supporters = random_instance(rng, rng.randint(5, 40), n_supporters, seed % 3 / 4)
        counts.append(components(requests, supporters))
    assert max(counts) >= 3
    assert 1 in counts


def test_a_supporter_of_two_areas_joins_them_and_goes_where_needed() -> None:
    # 北部 and 南部 are apart but for supporter 3, who reaches both; 北部 has two requests
    # and one supporter of its own, so 3 must go north and 南部's request takes supporter 2.
    requests = [request(1), request(2, wants=Wants(skills=("将棋",))), request(3, area="南部")]
    supporters = [
        supporter(1),
        supporter(2, areas=("南部",)),
        supporter(3, areas=("北部", "南部"), skills=("将棋",)),
    ]
    assert components(requests, supporters) == 1
    result = match(requests, supporters)
    assert {(p.request_id, p.supporter_id) for p in result.proposals} == {(1, 1), (2, 3), (3, 2)}
    assert (3, one_solve(requests, supporters)[1]) == one_solve(requests, supporters)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 25),
    st.integers(1, 25),
    st.sampled_from([0, 0.2, 0.6]),
)
def test_the_sparse_assignment_equals_one_solve_on_any_random_instance(
    seed: int, n_requests: int, n_supporters: int, bridges: float
) -> None:
    requests, supporters = random_instance(random.Random(seed), n_requests, n_supporters, bridges)
    result = match(requests, supporters)
    got = (len(result.proposals), sum(p.score for p in result.proposals))
    assert got == one_solve(requests, supporters)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 9),
    st.integers(1, 9),
    st.lists(st.tuples(st.integers(0, 8), st.integers(0, 8), st.integers(1, 9)), max_size=40),
)
def test_the_largest_then_cheapest_matching_when_none_takes_every_row_or_column(
    n_rows: int, n_columns: int, edges: list[tuple[int, int, int]]
) -> None:
    """`_most_then_cheapest` (fewer rows than columns, and more) against one dense solve."""
    from tsunagu.supporters.matching import _most_then_cheapest

    cost = np.zeros((n_rows, n_columns))
    for r, c, w in edges:
        if r < n_rows and c < n_columns:
            cost[r, c] = w
    big = 10 * min(n_rows, n_columns) + 1
    gain = np.where(cost > 0, big - cost, 0)
    rows, columns = linear_sum_assignment(gain, maximize=True)
    won = gain[rows, columns]
    won = won[won > 0]
    expected = (len(won), big * len(won) - int(won.sum()))
    rows, columns = _most_then_cheapest(csr_array(cost))
    assert np.all(cost[rows, columns] > 0)
    assert len(set(rows.tolist())) == len(rows) and len(set(columns.tolist())) == len(columns)
    assert (len(rows), int(cost[rows, columns].sum())) == expected


def test_each_unserved_request_says_which_rule_left_it_without_a_supporter() -> None:
    requests = [
        request(1, area="東部"),  # nobody covers the area
        request(2, when=(TUE_10,)),  # nobody of the area is free then
        request(3, refused=frozenset({1, 2})),  # refused the only ones who could go
        request(4, area="南部"),  # the only one of the area has no place left
        request(5),  # supporters 1 and 2 go to two of 5, 6 and 7
        request(6),
        request(7),
    ]
    supporters = [
        supporter(1),
        supporter(2),
        supporter(3, areas=("南部",), current=1, max_active=1),
    ]
    why = dict(match(requests, supporters).unmatched)
    (left,) = set(why) - {1, 2, 3, 4}
    assert left in {5, 6, 7}
    assert "東部" in why[1]
    assert len({why[1], why[2], why[3], why[4], why[left]}) == 5
    assert match([request(1)], [supporter(1, active=False)]).unmatched == [
        (1, match([request(1)], []).unmatched[0][1])
    ]
