"""Matching supporters to dispatch requests: serve the most requests, then the best fit.

Plain data in, proposals out (no database), so the rule is easy to test against brute force.
Hard rules (CONTRACT.md, "Supporters and dispatch"): the request's area is one of the
supporter's areas; one of the request's slots lies within one of the supporter's availability
slots on the same weekday; the supporter is active, not refused, and has fewer current
dispatches than `max_active`. Among the matchings that serve the most requests, the one with
the highest summed score is chosen: an assignment problem, each supporter one column per free
place, solved by scipy's sparse solver on the allowed pairs only (`_assign`). `full_gain` is
the same problem as one dense matrix for `linear_sum_assignment` (every feasible pair worth a
bonus larger than any total of scores, so cardinality comes first): the benchmark's baseline
and the tests' reference.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from itertools import chain
from typing import TypeVar

import numpy as np
from django.utils.translation import gettext as _
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_bipartite_matching, min_weight_full_bipartite_matching

from tsunagu.core.japanese import normalize_for_search

# Weights of the preferences: a wish the supporter fulfils counts more than a shared interest.
GENDER_WISH = 3
PEER_WISH = 3
SHARED_SKILL = 2
MAX_SKILL_POINTS = 3 * SHARED_SKILL
IDLE_SUPPORTER = 1
MAX_SCORE = GENDER_WISH + PEER_WISH + MAX_SKILL_POINTS + IDLE_SUPPORTER

T = TypeVar("T")


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    start: time
    end: time

    def within(self, other: "Slot") -> bool:
        return self.weekday == other.weekday and other.start <= self.start and self.end <= other.end


@dataclass(frozen=True)
class Wants:
    gender: str = ""
    peer: bool | None = None
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    id: int
    area: str
    when: tuple[Slot, ...]
    wants: Wants = Wants()
    refused: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Candidate:
    id: int
    areas: tuple[str, ...]
    availability: tuple[Slot, ...]
    active: bool = True
    max_active: int = 1
    current: int = 0
    gender: str = ""
    peer: bool = False
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    request_id: int
    supporter_id: int
    score: int
    reasons: tuple[str, ...]


@dataclass
class Result:
    proposals: list[Proposal] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    return normalize_for_search(text)


@lru_cache(maxsize=8192)
def _keys(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_key(t) for t in texts)


def feasible(request: Request, supporter: Candidate) -> bool:
    """The contract's hard rules for one pair."""
    return (
        supporter.active
        and supporter.id not in request.refused
        and supporter.current < supporter.max_active
        and _key(request.area) in _keys(supporter.areas)
        and any(slot.within(free) for slot in request.when for free in supporter.availability)
    )


Reason = tuple[str, str]  # (what matched, detail), translated only for the proposals made


def _shared(wished: Sequence[str], theirs: Sequence[str]) -> list[str]:
    """The wished-for interests the supporter has, as the request spells them, in its order,
    each (normalised) interest once, at most as many as count."""
    keys = _keys(tuple(theirs))
    shared: list[str] = []
    counted: set[str] = set()
    for skill in wished:
        key = _key(skill)
        if key in keys and key not in counted:
            counted.add(key)
            shared.append(skill)
    return shared[: MAX_SKILL_POINTS // SHARED_SKILL]


def _score(
    wants: Wants, gender: str, peer: bool, skills: Sequence[str], idle: bool
) -> tuple[int, tuple[Reason, ...]]:
    points = 0
    reasons: list[Reason] = []
    if wants.gender and gender == wants.gender:
        points += GENDER_WISH
        reasons.append(("gender", ""))
    if wants.peer and peer:
        points += PEER_WISH
        reasons.append(("peer", ""))
    if wants.skills and skills:
        shared = _shared(wants.skills, skills)
        if shared:
            points += SHARED_SKILL * len(shared)
            reasons.append(("skills", "、".join(shared)))
    if idle:
        points += IDLE_SUPPORTER
        reasons.append(("idle", ""))
    return points, tuple(reasons)


def _said() -> dict[str, str]:
    """The reasons' sentences in the active language (translated once, not once per reason)."""
    return {
        "gender": _("The gender the person wished for"),
        "peer": _("Has lived experience, as wished"),
        "skills": _("Shared interests: %(skills)s"),
        "idle": _("Has no other dispatch at present"),
    }


def _sentences() -> Callable[[Reason], str]:
    said = _said()
    return lambda reason: said[reason[0]] % {"skills": reason[1]} if reason[1] else said[reason[0]]


def score(request: Request, supporter: Candidate) -> tuple[int, tuple[str, ...]]:
    """The preference score of a feasible pair, and each point's reason as a sentence."""
    s = supporter
    points, reasons = _score(request.wants, s.gender, s.peer, s.skills, s.current == 0)
    return points, tuple(map(_sentences(), reasons))


def minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def _incidence(lists: Sequence[Sequence[str]]) -> tuple[np.ndarray, dict[str, int]]:
    """(owners, keys + 1) booleans: owner n has the (normalised) key; the last column is a key
    nobody has. Only the distinct names are normalised, and no loop runs over the owners."""
    index: dict[str, int] = {}
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = list(chain.from_iterable(lists))
    if flat:
        names, inverse = np.unique(np.array(flat, dtype=str), return_inverse=True)
        keys = [_key(name) for name in names.tolist()]
        index = {key: n for n, key in enumerate(dict.fromkeys(keys))}
        code = np.array([index[key] for key in keys], dtype=np.int64)[inverse.reshape(-1)]
    matrix = np.zeros((len(lists), len(index) + 1), dtype=bool)
    if flat:
        matrix[np.repeat(np.arange(len(lists)), lengths), code] = True
    return matrix, index


def _words(bits: np.ndarray) -> np.ndarray:
    """(n, bytes) uint8 bits (little bit order) as (n, words) uint64, the bytes padded."""
    words = np.zeros((len(bits), -(-bits.shape[1] // 8) * 8), dtype=np.uint8)
    words[:, : bits.shape[1]] = bits
    return words.view("<u8")


@dataclass(frozen=True)
class Registry:
    """The supporters as columns, one entry per supporter, built once per matching run with
    whole-array operations (from the database's value lists, or from `Candidate`s)."""

    ids: np.ndarray  # (J,) supporter ids
    active: np.ndarray  # (J,) status active
    free: np.ndarray  # (J,) fewer current dispatches than max_active
    places: np.ndarray  # (J,) dispatches they may still take (0 unless active)
    idle: np.ndarray  # (J,) no current dispatch
    gender: np.ndarray  # (J,) code into `genders`
    genders: dict[str, int]
    peer: np.ndarray  # (J,)
    covers: np.ndarray  # (J, A + 1) the supporter reaches the area (keys in `areas`)
    areas: dict[str, int]
    has: np.ndarray  # (J, S + 1) the supporter has the interest (keys in `interests`)
    bits: np.ndarray  # (J, B) uint64: `has` as bits, for counting shared interests per pair
    interests: dict[str, int]
    skills: Sequence[Sequence[str]]  # as recorded, for the reasons
    day: np.ndarray  # (J, K) weekday of each availability slot, -2 where none
    start: np.ndarray  # (J, K) minutes
    end: np.ndarray  # (J, K) minutes

    @classmethod
    def build(
        cls,
        *,
        ids: Sequence[int],
        active: Sequence[bool],
        max_active: Sequence[int],
        current: Sequence[int] | np.ndarray,
        gender: Sequence[str],
        peer: Sequence[bool],
        areas: Sequence[Sequence[str]],
        skills: Sequence[Sequence[str]],
        slots: Sequence[tuple[int, int, int, int]],
    ) -> "Registry":
        """`slots`: (supporter id, weekday, start minute, end minute) rows in any order."""
        n = len(ids)
        id_array = np.array(ids, dtype=np.int64).reshape(n)
        is_active = np.array(active, dtype=bool).reshape(n)
        taken = np.array(current, dtype=np.int64).reshape(n)
        room = np.array(max_active, dtype=np.int64).reshape(n) - taken
        genders_seen, gender_code = np.unique(np.array(gender, dtype=str), return_inverse=True)
        table = np.array(slots, dtype=np.int64).reshape(-1, 4)
        # Each slot row to its supporter's position (rows of supporters not given are dropped).
        order = np.argsort(id_array)
        at = np.searchsorted(id_array, table[:, 0], sorter=order).clip(0, max(n - 1, 0))
        known = id_array[order[at]] == table[:, 0] if n else np.zeros(len(table), dtype=bool)
        table, owner = table[known], order[at[known]]
        by_owner = np.argsort(owner, kind="stable")
        table, owner = table[by_owner], owner[by_owner]
        counts = np.bincount(owner, minlength=n)
        width = int(counts.max(initial=0)) or 1
        column = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
        day = np.full((n, width), -2, dtype=np.int16)
        start = np.zeros((n, width), dtype=np.int16)
        end = np.zeros((n, width), dtype=np.int16)
        day[owner, column], start[owner, column], end[owner, column] = table[:, 1:].T
        covers, area_index = _incidence(areas)
        has, interest_index = _incidence(skills)
        return cls(
            ids=id_array,
            active=is_active,
            free=room > 0,
            places=np.where(is_active, room.clip(0), 0),
            idle=taken == 0,
            gender=gender_code.reshape(n),
            genders={g: k for k, g in enumerate(genders_seen.tolist())},
            peer=np.array(peer, dtype=bool).reshape(n),
            covers=covers,
            areas=area_index,
            has=has,
            bits=_words(np.packbits(has, axis=1, bitorder="little")),
            interests=interest_index,
            skills=skills,
            day=day,
            start=start,
            end=end,
        )

    @classmethod
    def of(cls, supporters: Sequence[Candidate]) -> "Registry":
        return cls.build(
            ids=[s.id for s in supporters],
            active=[s.active for s in supporters],
            max_active=[s.max_active for s in supporters],
            current=[s.current for s in supporters],
            gender=[s.gender for s in supporters],
            peer=[s.peer for s in supporters],
            areas=[s.areas for s in supporters],
            skills=[s.skills for s in supporters],
            slots=[
                (s.id, a.weekday, minutes(a.start), minutes(a.end))
                for s in supporters
                for a in s.availability
            ],
        )

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class _Wanted:
    """The requests as columns, against one registry's vocabularies."""

    area: np.ndarray  # (R,) area column in the registry (its last column: nobody's)
    slots: np.ndarray  # (U, 3) distinct requested slots: weekday, start, end minutes
    slot_of: np.ndarray  # (R, W) which distinct slot (U: none)
    gender: np.ndarray  # (R,) wished gender's code, -1 for none
    peer: np.ndarray  # (R,)
    skill_sets: list[list[int]]  # distinct wished-for interest columns
    skill_set: np.ndarray  # (R,) which of them
    bits: np.ndarray  # (R, B) uint64: the wished-for interests as bits (as `Registry.bits`)
    refused: tuple[np.ndarray, np.ndarray]  # (request row, supporter column) pairs


def _codes(values: list[T], code: Callable[[T], int]) -> np.ndarray:
    """`code` of each value, called once per distinct value."""
    distinct = {v: code(v) for v in dict.fromkeys(values)}
    return np.fromiter(map(distinct.__getitem__, values), dtype=np.int64, count=len(values))


def _wanted(requests: Sequence[Request], registry: Registry) -> _Wanted:
    """The requests' columns: each distinct area, gender, slot and set of wishes is looked up
    once; the loops over the requests only gather their attributes."""
    n = len(requests)
    nowhere = len(registry.areas)
    area = _codes([r.area for r in requests], lambda a: registry.areas.get(_key(a), nowhere))
    wants = [r.wants for r in requests]
    genders = registry.genders
    gender = _codes([w.gender for w in wants], lambda g: genders.get(g, -1) if g else -1)
    peer = np.array([w.peer for w in wants], dtype=bool).reshape(n)
    # The distinct requested slots, and each request's (U where it has fewer than W).
    whens = [r.when for r in requests]
    lengths = np.fromiter(map(len, whens), dtype=np.int64, count=n)
    index: dict[tuple[int, time, time], int] = {}
    flat = [index.setdefault((s.weekday, s.start, s.end), len(index)) for w in whens for s in w]
    width = int(lengths.max(initial=0)) or 1
    slot_of = np.full((n, width), len(index), dtype=np.int64)
    slot_of[
        np.repeat(np.arange(n), lengths),
        np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths),
    ] = flat
    # The distinct sets of wished-for interests (as the registry's interest columns).
    sets: dict[frozenset[int], int] = {frozenset(): 0}
    interests = registry.interests

    def which(skills: tuple[str, ...]) -> int:
        keys = _keys(skills)
        return sets.setdefault(frozenset(interests[k] for k in keys if k in interests), len(sets))

    skill_set = _codes([w.skills for w in wants], which)
    set_bits = np.zeros((len(sets), 8 * registry.bits.shape[1]), dtype=np.uint8)
    for k, columns in enumerate(sets):
        for c in columns:
            set_bits[k, c >> 3] |= 1 << (c & 7)
    # Refusals of supporters in the registry, as (request row, supporter column) pairs.
    refusals = [r.refused for r in requests]
    counts = np.fromiter(map(len, refusals), dtype=np.int64, count=n)
    refused = np.fromiter(chain.from_iterable(refusals), dtype=np.int64, count=int(counts.sum()))
    order = np.argsort(registry.ids, kind="stable")
    at = np.searchsorted(registry.ids, refused, sorter=order).clip(0, max(len(order) - 1, 0))
    known = registry.ids[order[at]] == refused if len(order) else np.zeros(0, dtype=bool)
    return _Wanted(
        area=area,
        slots=np.array(
            [(day, minutes(start), minutes(end)) for day, start, end in index], dtype=np.int16
        ).reshape(-1, 3),
        slot_of=slot_of,
        gender=gender,
        peer=peer,
        skill_sets=[sorted(s) for s in sets],
        skill_set=skill_set,
        bits=_words(set_bits)[skill_set],
        refused=(np.repeat(np.arange(n), counts)[known], order[at[known]]),
    )


def _fits(wanted: _Wanted, registry: Registry, columns: np.ndarray) -> np.ndarray:
    """(R, columns): one of the request's slots lies within one of the supporter's on that
    weekday. Each distinct requested slot is tested against the supporters' slots of its
    weekday only."""
    w = wanted.slots
    owner, nth = np.nonzero(registry.day[columns] >= 0)  # every availability slot
    day = registry.day[columns[owner], nth]
    start, end = registry.start[columns[owner], nth], registry.end[columns[owner], nth]
    fits = np.zeros((len(w) + 1, len(columns)), dtype=bool)  # the last row: no slot
    for weekday in np.unique(w[:, 0]).tolist():
        asked = np.flatnonzero(w[:, 0] == weekday)
        given = np.flatnonzero(day == weekday)
        inside = (start[given] <= w[asked, 1, None]) & (w[asked, 2, None] <= end[given])
        u, t = np.nonzero(inside)
        fits[asked[u], owner[given[t]]] = True
    fit: np.ndarray = fits[wanted.slot_of[:, 0]]
    for k in range(1, wanted.slot_of.shape[1]):
        fit |= fits[wanted.slot_of[:, k]]
    return fit


def _allowed(wanted: _Wanted, registry: Registry, columns: np.ndarray) -> np.ndarray:
    """The hard rules of area, time and refusal (requests x the registry's `columns`)."""
    ok: np.ndarray = np.ascontiguousarray(registry.covers[columns].T)[wanted.area]
    ok &= _fits(wanted, registry, columns)
    rows, refused = wanted.refused
    if len(rows):
        place = np.full(len(registry), -1, dtype=np.int64)
        place[columns] = np.arange(len(columns))
        inside = place[refused]
        ok[rows[inside >= 0], inside[inside >= 0]] = False
    return ok


def _points(wanted: _Wanted, registry: Registry, columns: np.ndarray, bonus: int = 0) -> np.ndarray:
    """The preference score (+ `bonus`) of every pair (requests x the registry's `columns`).

    Two gathers of small tables: one row per (wished gender, peer wished) with the gender,
    peer and idle points, and one row per distinct wished-for set of interests."""
    gender = registry.gender[columns]
    wished = np.arange(-1, len(registry.genders))[:, None] == gender[None, :]  # (G + 1, C)
    peer = np.array([False, True])[:, None] & registry.peer[columns][None, :]  # (2, C)
    table = (
        wished[:, None, :].astype(np.int32) * GENDER_WISH
        + peer[None, :, :] * PEER_WISH
        + registry.idle[columns] * IDLE_SUPPORTER
        + bonus
    ).reshape(-1, len(columns))
    table = table.astype(np.int16) if table.max(initial=0) < 2**15 - MAX_SKILL_POINTS else table
    cap = MAX_SKILL_POINTS // SHARED_SKILL
    has = registry.has[columns]
    per_set = np.zeros((len(wanted.skill_sets), len(columns)), dtype=np.int16)
    for n, interests in enumerate(wanted.skill_sets):
        if interests:
            per_set[n] = np.minimum(has[:, interests].sum(axis=1), cap) * SHARED_SKILL
    row = (wanted.gender + 1) * 2 + wanted.peer
    points: np.ndarray = table[row] + per_set[wanted.skill_set]
    return points


def _pair_points(
    wanted: _Wanted, registry: Registry, rows: np.ndarray, columns: np.ndarray
) -> np.ndarray:
    """The preference score of the pairs (request `rows[n]`, registry column `columns[n]`):
    the same points as `_points`, for the given pairs only (shared interests counted as the
    bits both have)."""
    cap = MAX_SKILL_POINTS // SHARED_SKILL
    if wanted.bits.shape[1] == 1:  # up to 64 interests: one word per side
        shared = np.bitwise_count(wanted.bits[:, 0][rows] & registry.bits[:, 0][columns])
    else:
        shared = np.bitwise_count(wanted.bits[rows] & registry.bits[columns]).sum(axis=1)
    points: np.ndarray = np.minimum(shared, cap, dtype=np.int64) * SHARED_SKILL
    points += (wanted.gender[rows] == registry.gender[columns]) * GENDER_WISH
    points += (wanted.peer[rows] & registry.peer[columns]) * PEER_WISH
    points += registry.idle[columns] * IDLE_SUPPORTER
    return points


def _feasible_matrix(requests: Sequence[Request], supporters: Sequence[Candidate]) -> np.ndarray:
    """The hard rules for every pair at once (requests x supporters), as `match` applies them."""
    registry = Registry.of(supporters)
    everyone = np.arange(len(registry))
    able = registry.active & registry.free
    ok: np.ndarray = _allowed(_wanted(requests, registry), registry, everyone) & able[None, :]
    return ok


def _pair_scores(requests: Sequence[Request], supporters: Sequence[Candidate]) -> np.ndarray:
    """`_score` of every pair at once (requests x supporters), as `match` computes it."""
    registry = Registry.of(supporters)
    return _points(_wanted(requests, registry), registry, np.arange(len(registry)))


def _why_unmatched(
    registry: Registry, wanted: _Wanted, rows: np.ndarray, requests: Sequence[Request]
) -> list[str]:
    """For each of the requests `rows`, the first hard rule that no supporter passes, as a
    sentence for the lead (the rules for all of them at once, against every supporter)."""
    if not registry.active.any():
        return [_("No supporter is active.")] * len(rows)
    some = _Wanted(
        area=wanted.area[rows],
        slots=wanted.slots,
        slot_of=wanted.slot_of[rows],
        gender=wanted.gender[rows],
        peer=wanted.peer[rows],
        skill_sets=wanted.skill_sets,
        skill_set=wanted.skill_set[rows],
        bits=wanted.bits[rows],
        refused=(np.zeros(0, np.int64), np.zeros(0, np.int64)),
    )
    covered = registry.covers.T[some.area] & registry.active  # (rows, supporters)
    fit = covered & _fits(some, registry, np.arange(len(registry)))
    allowed = fit.copy()
    at = np.full(len(wanted.area), -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    refusing, refused = wanted.refused
    mine = at[refusing] >= 0
    allowed[at[refusing[mine]], refused[mine]] = False
    free = allowed & registry.free
    reasons = []
    stages = zip(
        rows.tolist(),
        covered.any(axis=1).tolist(),
        fit.any(axis=1).tolist(),
        allowed.any(axis=1).tolist(),
        free.any(axis=1).tolist(),
        strict=True,
    )
    for n, any_covers, any_fits, any_allowed, any_free in stages:
        if not any_covers:
            area = requests[n].area
            reasons.append(_("No active supporter covers the area %(area)s.") % {"area": area})
        elif not any_fits:
            reasons.append(_("No supporter of this area is free at the requested times."))
        elif not any_allowed:
            reasons.append(_("The person refused every supporter who could go."))
        elif not any_free:
            reasons.append(
                _("Every supporter who could go already has as many dispatches as they take.")
            )
        else:
            reasons.append(_("The supporters who could go were needed for other requests."))
    return reasons


def _most_then_cheapest(graph: csr_array) -> tuple[np.ndarray, np.ndarray]:
    """The cheapest of the largest matchings of `graph` (rows x columns, positive costs), as
    (rows, columns) of its pairs, when no matching takes every row or every column.

    Hopcroft-Karp gives the size m of the largest matchings. With r rows <= c columns, r - m
    "nobody" columns joined to every row (any cost) make the matchings that take every row
    exactly the largest matchings of `graph` plus r - m rows on a "nobody": the solver's
    cheapest full matching is the cheapest largest one. With more rows than columns, c - m
    "nobody" rows joined to every column, likewise."""
    n_rows, n_columns = graph.shape
    largest = int(np.count_nonzero(maximum_bipartite_matching(graph, perm_type="column") >= 0))
    data, indices, indptr = graph.data, graph.indices, graph.indptr
    if n_rows <= n_columns:
        nobody = n_rows - largest
        # Every row gets the `nobody` new columns after its own pairs.
        own = np.diff(indptr)
        at = np.repeat(indptr[:-1] + np.arange(n_rows) * nobody + own, nobody)
        at += np.tile(np.arange(nobody), n_rows)
        spread = np.ones(len(data) + n_rows * nobody, dtype=bool)
        spread[at] = False
        cost, column = np.ones(len(spread)), np.empty(len(spread), dtype=np.int32)
        cost[spread], column[spread] = data, indices
        column[at] = np.tile(np.arange(n_columns, n_columns + nobody), n_rows)
        indptr = indptr + np.arange(n_rows + 1, dtype=np.int32) * nobody
        shape = (n_rows, n_columns + nobody)
    else:
        nobody = n_columns - largest
        cost = np.concatenate([data, np.ones(nobody * n_columns)])
        column = np.concatenate([indices, np.tile(np.arange(n_columns, dtype=np.int32), nobody)])
        more = indptr[-1] + np.arange(1, nobody + 1, dtype=np.int32) * n_columns
        indptr = np.concatenate([indptr, more])
        shape = (n_rows + nobody, n_columns)
    rows, columns = min_weight_full_bipartite_matching(csr_array((cost, column, indptr), shape))
    real = (rows < n_rows) & (columns < n_columns)
    return rows[real], columns[real]


def _assign(
    rows: np.ndarray, columns: np.ndarray, points: np.ndarray, places: np.ndarray
) -> np.ndarray:
    """Which of the allowed pairs (request `rows[n]`, supporter `columns[n]`, in ascending
    order of row, then column) to propose: as many as possible, then the highest summed
    `points`; at most `places[c]` pairs of supporter c. Returns the indices of the chosen
    pairs, in the order of `rows`.

    The same assignment problem as `full_gain`'s matrix, given to scipy's sparse solver
    (LAPJVsp) as the allowed pairs only: each supporter is one column per place (the k-th
    place of every supporter a column of its own), a pair costs MAX_SCORE + 1 - points (> 0),
    and the requests no supporter may serve are left out. The solver finds the cheapest
    matching that serves every remaining request (or, with fewer places than requests,
    fills every place); when there is none, `_most_then_cheapest`."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    # Supporter c's places are the columns first[c] .. first[c] + places[c] - 1; each pair
    # is repeated once per place of its supporter, its k-th copy in the k-th place.
    places = places.astype(np.int32)
    first = np.cumsum(places, dtype=np.int32) - places
    n_columns = int(first[-1] + places[-1])
    copies = places[columns]
    start = np.cumsum(copies, dtype=np.int32) - copies  # where each pair's copies start
    column = np.repeat(first[columns] - start, copies)
    column += np.arange(len(column), dtype=np.int32)
    cost = np.repeat((MAX_SCORE + 1 - points).astype(np.float64), copies)
    # The requests with an allowed pair, numbered 0.. in order (rows ascending).
    per_row = np.bincount(rows, weights=copies).astype(np.int32)
    present = np.flatnonzero(per_row)
    indptr = np.zeros(len(present) + 1, dtype=np.int32)
    np.cumsum(per_row[present], out=indptr[1:])
    graph = csr_array((cost, column, indptr), shape=(len(present), n_columns))
    try:
        served, place = min_weight_full_bipartite_matching(graph)
    except ValueError:  # no matching serves every request (or fills every place)
        served, place = _most_then_cheapest(graph)
    # Back from (request, place) to the pair: the pairs are in (row, column) order.
    owner = np.repeat(np.arange(len(places)), places)  # the supporter of each place
    width = len(places)
    chosen: np.ndarray = np.searchsorted(
        rows * width + columns, present[served] * width + owner[place]
    )
    return chosen


def full_gain(requests: Sequence[Request], registry: Registry) -> tuple[np.ndarray, np.ndarray]:
    """The dense formulation `match` used before `_assign`: the (requests x places) gain
    matrix for scipy's `linear_sum_assignment(gain, maximize=True)`, and the registry column
    of each place. A pair the rules allow gains its score plus a bonus larger than any total
    of scores, so cardinality comes first; any other pair gains 0. Columns: every usable
    place (supporters ordered by places, the k-th place of each a copy of the first columns),
    each supporter capped at the requests the rules let them serve. Kept for the benchmark's
    baseline (the solver alone on this matrix) and for the tests' comparison with one solve."""
    able = np.flatnonzero(registry.places > 0)
    if not requests or not len(able):
        return np.zeros((len(requests), 0)), np.zeros(0, dtype=np.int64)
    wanted = _wanted(requests, registry)
    ok = _allowed(wanted, registry, able)
    places = np.minimum(registry.places[able], np.count_nonzero(ok, axis=0))
    keep = np.argsort(-places, kind="stable")[: np.count_nonzero(places)]
    columns, ok, places = able[keep], np.take(ok, keep, axis=1), places[keep]
    widths = [int(np.count_nonzero(places >= k)) for k in range(1, int(places.max(initial=0)) + 1)]
    gain = np.zeros((len(requests), sum(widths)))
    if widths:
        first = gain[:, : widths[0]]
        bonus = MAX_SCORE * len(requests) + 1
        np.multiply(_points(wanted, registry, columns, bonus), ok, out=first)
        at = widths[0]
        for width in widths[1:]:
            gain[:, at : at + width] = first[:, :width]
            at += width
    return gain, np.concatenate([columns[:width] for width in widths] or [columns[:0]])


def match(requests: Sequence[Request], supporters: Registry | Sequence[Candidate]) -> Result:
    """Proposals serving as many requests as the hard rules allow, with the highest total score."""
    registry = supporters if isinstance(supporters, Registry) else Registry.of(supporters)
    result = Result()
    wanted = _wanted(requests, registry) if requests else None
    able = np.flatnonzero(registry.places > 0)  # only supporters with a free place
    rows = who = points = np.zeros(0, dtype=np.int64)
    if wanted is not None and len(able):
        ok = _allowed(wanted, registry, able)
        rows, column = np.divmod(np.flatnonzero(ok), len(able))
        points = _pair_points(wanted, registry, rows, able[column])
        # At most one place per request they can serve.
        places = np.minimum(registry.places[able], np.bincount(column, minlength=len(able)))
        chosen = _assign(rows, column, points, places)
        rows, who, points = rows[chosen], able[column[chosen]], points[chosen]
    # Reasons are written for the proposals made (and why-nots for the requests left).
    said = _said()
    gender = (wanted.gender[rows] == registry.gender[who]).tolist() if wanted else []
    peer = (wanted.peer[rows] & registry.peer[who]).tolist() if wanted else []
    idle = registry.idle[who].tolist()
    shares = (wanted.bits[rows] & registry.bits[who]).any(axis=1).tolist() if wanted else []
    ids = registry.ids[who].tolist()
    for n, j, supporter, total, g, p, s, i in zip(
        rows.tolist(), who.tolist(), ids, points.tolist(), gender, peer, shares, idle, strict=True
    ):
        reasons = []
        if g:
            reasons.append(said["gender"])
        if p:
            reasons.append(said["peer"])
        if s:
            shared = _shared(requests[n].wants.skills, registry.skills[j])
            reasons.append(said["skills"] % {"skills": "、".join(shared)})
        if i:
            reasons.append(said["idle"])
        result.proposals.append(Proposal(requests[n].id, supporter, total, tuple(reasons)))
    left = np.ones(len(requests), dtype=bool)
    left[rows] = False
    unserved = np.flatnonzero(left)
    if wanted is None or not len(registry):
        why = [_("No supporter is active.")] * len(unserved)
    else:
        why = _why_unmatched(registry, wanted, unserved, requests) if len(unserved) else []
    result.unmatched = [(requests[n].id, w) for n, w in zip(unserved.tolist(), why, strict=True)]
    return result
