"""Matching supporters to dispatch requests: serve the most requests, then the best fit.

Plain data in, proposals out (no database), so the rule is easy to test against brute force.
Hard rules (CONTRACT.md, "Supporters and dispatch"): the request's area is one of the
supporter's areas; one of the request's slots lies within one of the supporter's availability
slots on the same weekday; the supporter is active, not refused, and has fewer current
dispatches than `max_active`. Among the matchings that serve the most requests, the one with
the highest summed score is chosen: an assignment problem solved with scipy's
`linear_sum_assignment`, each supporter's column repeated once per free place, and every
feasible pair worth a bonus larger than any total of scores, so cardinality comes first.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from itertools import chain
from threading import local

import numpy as np
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from tsunagu.core.japanese import normalize_for_search

# Weights of the preferences: a wish the supporter fulfils counts more than a shared interest.
GENDER_WISH = 3
PEER_WISH = 3
SHARED_SKILL = 2
MAX_SKILL_POINTS = 3 * SHARED_SKILL
IDLE_SUPPORTER = 1
MAX_SCORE = GENDER_WISH + PEER_WISH + MAX_SKILL_POINTS + IDLE_SUPPORTER


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
        theirs = _keys(tuple(skills))
        shared: list[str] = []
        counted: set[str] = set()
        for skill in wants.skills:
            key = _key(skill)
            if key in theirs and key not in counted:
                counted.add(key)
                shared.append(skill)
        shared = shared[: MAX_SKILL_POINTS // SHARED_SKILL]
        if shared:
            points += SHARED_SKILL * len(shared)
            reasons.append(("skills", "、".join(shared)))
    if idle:
        points += IDLE_SUPPORTER
        reasons.append(("idle", ""))
    return points, tuple(reasons)


def _sentences() -> Callable[[Reason], str]:
    """Reasons as sentences in the active language (translated once, not once per reason)."""
    said = {
        "gender": _("The gender the person wished for"),
        "peer": _("Has lived experience, as wished"),
        "skills": _("Shared interests: %(skills)s"),
        "idle": _("Has no other dispatch at present"),
    }
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
    refused: tuple[np.ndarray, np.ndarray]  # (request row, supporter column) pairs


def _wanted(requests: Sequence[Request], registry: Registry) -> _Wanted:
    nowhere = len(registry.areas)
    slots: dict[tuple[int, time, time], int] = {}  # the distinct requested slots
    sets: dict[frozenset[int], int] = {frozenset(): 0}
    column = dict(zip(registry.ids.tolist(), range(len(registry)), strict=True))
    width = max((len(r.when) for r in requests), default=1) or 1
    slot_of, area, gender, peer, which = [], [], [], [], []
    refused_rows: list[int] = []
    refused_columns: list[int] = []
    for n, r in enumerate(requests):
        wanted = [slots.setdefault((s.weekday, s.start, s.end), len(slots)) for s in r.when]
        slot_of.append(wanted + [-1] * (width - len(wanted)))
        area.append(registry.areas.get(_key(r.area), nowhere))
        gender.append(registry.genders.get(r.wants.gender, -1) if r.wants.gender else -1)
        peer.append(bool(r.wants.peer))
        interests = frozenset(
            registry.interests[k] for k in _keys(r.wants.skills) if k in registry.interests
        )
        which.append(sets.setdefault(interests, len(sets)))
        for x in r.refused:
            if x in column:
                refused_rows.append(n)
                refused_columns.append(column[x])
    slot_index = np.array(slot_of, dtype=np.int64).reshape(len(requests), width)
    slot_index[slot_index < 0] = len(slots)
    return _Wanted(
        area=np.array(area, dtype=np.int64),
        slots=np.array(
            [(day, minutes(start), minutes(end)) for day, start, end in slots], dtype=np.int16
        ).reshape(-1, 3),
        slot_of=slot_index,
        gender=np.array(gender, dtype=np.int64),
        peer=np.array(peer, dtype=bool),
        skill_sets=[sorted(s) for s in sets],
        skill_set=np.array(which, dtype=np.int64),
        refused=(np.array(refused_rows, dtype=np.int64), np.array(refused_columns, np.int64)),
    )


def _fits(wanted: _Wanted, registry: Registry, columns: np.ndarray) -> np.ndarray:
    """(R, columns): one of the request's slots lies within one of the supporter's on that
    weekday. Each distinct requested slot is tested once against every supporter slot."""
    w = wanted.slots
    day, start, end = registry.day[columns], registry.start[columns], registry.end[columns]
    fits = np.zeros((len(w) + 1, len(columns)), dtype=bool)  # the last row: no slot
    fits[:-1] = (
        (w[:, 0, None, None] == day[None])
        & (start[None] <= w[:, 1, None, None])
        & (w[:, 2, None, None] <= end[None])
    ).any(axis=2)
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


def _why_unmatched(registry: Registry, wanted: _Wanted, n: int, request: Request) -> str:
    """The first hard rule that no supporter passes, as a sentence for the lead."""
    everyone = np.arange(len(registry))
    pool = registry.active.copy()
    if not pool.any():
        return _("No supporter is active.")
    pool &= registry.covers[:, wanted.area[n]]
    if not pool.any():
        return _("No active supporter covers the area %(area)s.") % {"area": request.area}
    one = _Wanted(
        area=wanted.area[n : n + 1],
        slots=wanted.slots,
        slot_of=wanted.slot_of[n : n + 1],
        gender=wanted.gender[n : n + 1],
        peer=wanted.peer[n : n + 1],
        skill_sets=wanted.skill_sets,
        skill_set=wanted.skill_set[n : n + 1],
        refused=(np.zeros(0, np.int64), np.zeros(0, np.int64)),
    )
    pool &= _fits(one, registry, everyone)[0]
    if not pool.any():
        return _("No supporter of this area is free at the requested times.")
    rows, refused = wanted.refused
    pool[refused[rows == n]] = False
    if not pool.any():
        return _("The person refused every supporter who could go.")
    pool &= registry.free
    if not pool.any():
        return _("Every supporter who could go already has as many dispatches as they take.")
    return _("The supporters who could go were needed for other requests.")


# Each thread keeps its gain buffer between runs: fresh memory costs more than the sums.
_kept = local()


def _gain_buffer(rows: int, columns: int) -> np.ndarray:
    """A C-contiguous (rows, columns) float array, reusing this thread's buffer when it fits."""
    buffer: np.ndarray | None = getattr(_kept, "gain", None)
    if buffer is None or buffer.size < rows * columns:
        buffer = _kept.gain = np.empty(rows * columns)
    return buffer[: rows * columns].reshape(rows, columns)


def match(requests: Sequence[Request], supporters: Registry | Sequence[Candidate]) -> Result:
    """Proposals serving as many requests as the hard rules allow, with the highest total score."""
    registry = supporters if isinstance(supporters, Registry) else Registry.of(supporters)
    result = Result()
    assigned: dict[int, int] = {}
    wanted = _wanted(requests, registry) if requests else None
    able = np.flatnonzero(registry.places > 0)  # only supporters with a free place
    if wanted is not None and len(able):
        ok = _allowed(wanted, registry, able)
        # One column per free place, at most one per request they can serve; the most places
        # first, so that the supporters with a k-th place are the first ones (a slice).
        places = np.minimum(registry.places[able], np.count_nonzero(ok, axis=0))
        keep = np.argsort(-places, kind="stable")[: np.count_nonzero(places)]
        columns, ok, places = able[keep], np.take(ok, keep, axis=1), places[keep]
        widths = [
            int(np.count_nonzero(places >= k)) for k in range(1, int(places.max(initial=0)) + 1)
        ]
        if widths:
            # The gain of each pair: score + a bonus where the rules allow, else 0.
            gain = _gain_buffer(len(requests), sum(widths))
            first = gain[:, : widths[0]]
            bonus = MAX_SCORE * len(requests) + 1
            np.multiply(_points(wanted, registry, columns, bonus), ok, out=first)
            at = widths[0]
            for width in widths[1:]:
                gain[:, at : at + width] = first[:, :width]
                at += width
            place_of = np.concatenate([columns[:width] for width in widths])
            rows, cols = linear_sum_assignment(gain, maximize=True)
            assigned = {
                int(r): int(place_of[c])
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
                if gain[r, c] > 0
            }
    # Reasons are written for the proposals made (and why-nots for the requests left).
    sentence = _sentences()
    genders = list(registry.genders)  # in the order of their codes
    for n, request in enumerate(requests):
        if n in assigned:
            j = assigned[n]
            points, reasons = _score(
                request.wants,
                genders[registry.gender[j]],
                bool(registry.peer[j]),
                registry.skills[j],
                bool(registry.idle[j]),
            )
            sentences = tuple(map(sentence, reasons))
            result.proposals.append(Proposal(request.id, int(registry.ids[j]), points, sentences))
        elif wanted is None or not len(registry):
            result.unmatched.append((request.id, _("No supporter is active.")))
        else:
            result.unmatched.append((request.id, _why_unmatched(registry, wanted, n, request)))
    return result
