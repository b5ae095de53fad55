"""Matching serves the most requests the hard rules allow, then the highest total score."""

import itertools
from datetime import time

from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.supporters.matching import Candidate, Request, Slot, Wants, feasible, match, score

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
    from tsunagu.supporters.matching import _feasible_matrix, _pair_scores

    requests, supporters = instance
    ok = _feasible_matrix(requests, supporters)
    points = _pair_scores(requests, supporters)
    assert ok.shape == points.shape == (len(requests), len(supporters))
    for a, r in enumerate(requests):
        for b, s in enumerate(supporters):
            assert bool(ok[a, b]) == feasible(r, s)
            assert int(points[a, b]) == score(r, s)[0]
