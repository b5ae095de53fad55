"""Reads of persons: search in any script or width, and what a person's page shows."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as Ranked
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagu.cases.models import Case, CaseAssignment
from tsunagu.core.japanese import normalize_for_search
from tsunagu.people.codes import AgeBand
from tsunagu.people.models import Consent, FamilyMember, Person, PersonMerge
from tsunagu.policy import shown, visible
from tsunagu.policy.casework import consent_in_force
from tsunagu.tenancy.models import Membership

M = TypeVar("M", bound=Model)


# What the persons screen shows of each row (templates/people/_person_results.html): loading
# nothing else spares decrypting the encrypted fields and parsing the timestamps of each row.
PERSON_LIST_FIELDS = ("number", "name", "name_kana", "birth_date", "age_band", "district")

# A one- or two-character key inside names is first looked for among this many newest persons
# of the city (PersonSearch._inside).
WINDOW = 20_000

# Keys of one or two characters have no trigram; PostgreSQL finds them through an index of
# each name's one- and two-character substrings (migration people 0005).
SHORT_KEY = 2


class HasShortGram(Func):
    """HasShortGram(column, key): `tsunagu_short_grams(column) @> ARRAY[key]` (PostgreSQL).

    Written exactly as the index expression of migration people 0005, so that index serves it.
    """

    template = "tsunagu_short_grams(%(expressions)s]::text[]"
    arg_joiner = ") @> ARRAY["
    output_field = BooleanField()


def _as_number(query: str) -> int | None:
    digits = normalize_for_search(query).removeprefix("no.")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 10 else None


def _matching(
    model: type[M], column: str, key: str, rows: QuerySet[M] | None = None
) -> QuerySet[M]:
    """Rows (default: the model's own) whose `column` contains `key`, in a shape an index of
    the column serves."""
    rows = (model._default_manager.all() if rows is None else rows).order_by()
    if len(key) <= SHORT_KEY and connection.vendor == "postgresql":
        # The LIKE says the same as the index condition; it is there because it is cheap: when
        # the planner walks persons newest first instead, it filters on the LIKE first and
        # calls tsunagu_short_grams (an SQL function) only for the rows that pass.
        return rows.filter(HasShortGram(F(column), Value(key)), **{f"{column}__contains": key})
    return rows.filter(**{f"{column}__contains": key})


# Ranks of a match: the person with that number and exact names, names starting with the
# key, the rest (inside a name, or a family member's name).
EXACT, PREFIX, INSIDE = 0, 1, 2


@dataclass(frozen=True)
class _Branch:
    """Visible persons matching one indexed condition, with the rank that condition gives:
    `where` is SQL on `v`, the visible persons (id, number, name_key, kana_key)."""

    rank: int
    where: str
    params: tuple[Any, ...] = ()

    def narrowed(self, where: str, *params: Any) -> "_Branch":
        return _Branch(self.rank, f"{self.where} AND {where}", (*self.params, *params))


class _Branches:
    """One branch per indexed condition of a search (an OR across them would read every row),
    built when first needed.

    Each branch is SQL over the visible persons, `visible(viewer, Person)` compiled once by
    the ORM (`base`): PostgreSQL pulls that subquery up, so each branch is planned on the
    table and its indexes, as the conditions written here are the ones the indexes of
    migrations 0005 and 0008 answer."""

    def __init__(self, persons: QuerySet[Person], municipality_id: int, query: str) -> None:
        self.persons = persons
        self.municipality_id = municipality_id
        self.key = normalize_for_search(query)
        self.number = _as_number(query)

    @cached_property
    def base(self) -> tuple[str, tuple[Any, ...]] | None:
        """The visible persons' SQL and parameters; None when the member may see no one."""
        rows = self.persons.order_by().values("id", "number", "name_key", "kana_key")
        try:
            sql, params = rows.query.sql_with_params()
        except EmptyResultSet:
            return None
        return sql, tuple(params)

    @cached_property
    def exact(self) -> list[_Branch]:
        """Exact names and the person with that number: btree indexes."""
        key = self.key
        return [
            _Branch(EXACT, "v.name_key = %s", (key,)),
            _Branch(EXACT, "v.kana_key = %s", (key,)),
            *self.numbered,
        ]

    @cached_property
    def numbered(self) -> list[_Branch]:
        return [] if self.number is None else [_Branch(EXACT, "v.number = %s", (self.number,))]

    @cached_property
    def prefix(self) -> list[_Branch]:
        """Names starting with the key: btree (pattern_ops) indexes of migration 0008."""
        starting = connection.ops.prep_for_like_query(self.key) + "%"
        return [
            _Branch(PREFIX, "v.name_key::text LIKE %s", (starting,)),
            _Branch(PREFIX, "v.kana_key::text LIKE %s", (starting,)),
        ]

    def _containing(self, column: str) -> tuple[str, tuple[Any, ...]]:
        """`column` contains the key, in the shape its GIN index serves (see `_matching`)."""
        inside = "%" + connection.ops.prep_for_like_query(self.key) + "%"
        if len(self.key) <= SHORT_KEY:
            gram = f"tsunagu_short_grams({column}) @> ARRAY[%s]::text[]"
            # `|| ''` keeps the LIKE off the trigram index: a key of one or two characters
            # has no trigram, so that index would return every row (1,000,001 entries for
            # 花子, 380 ms) for a BitmapAnd the planner wrongly thinks narrows the short one.
            return f"{gram} AND ({column}::text || '') LIKE %s", (self.key, inside)
        return f"{column}::text LIKE %s", (inside,)

    @cached_property
    def inside(self) -> list[_Branch]:
        """The key anywhere in a name or a family member's name: GIN indexes."""
        family, family_params = self._containing("f.name_key")
        table = FamilyMember._meta.db_table
        return [
            _Branch(INSIDE, *self._containing("v.name_key")),
            _Branch(INSIDE, *self._containing("v.kana_key")),
            _Branch(
                INSIDE,
                f"v.id IN (SELECT f.person_id FROM {table} f "  # noqa: S608 (a model's table)
                f"WHERE f.municipality_id = %s AND {family})",
                (self.municipality_id, *family_params),
            ),
        ]

    def rank_of(self, person: Person) -> int:
        """The rank a person matching the search has (as the branches give it)."""
        key = self.key
        if key in (person.name_key, person.kana_key) or person.number == self.number:
            return EXACT
        if person.name_key.startswith(key) or person.kana_key.startswith(key):
            return PREFIX
        return INSIDE

    @cached_property
    def one_scan(self) -> QuerySet[Any] | None:
        """Every match in one query, ranked, where there are no indexes for the branches
        (SQLite): there one scan of the table costs less than one per branch."""
        if connection.vendor == "postgresql":
            return None
        key = self.key
        family = _matching(FamilyMember, "name_key", key)
        family = family.filter(municipality_id=self.municipality_id)
        exact = Q(name_key=key) | Q(kana_key=key)
        anywhere = Q(name_key__contains=key) | Q(kana_key__contains=key)
        anywhere |= Q(pk__in=family.values("person_id"))
        if self.number is not None:
            exact |= Q(number=self.number)
            anywhere |= Q(number=self.number)
        rank = Ranked(
            When(exact, then=Value(EXACT)),
            When(Q(name_key__startswith=key) | Q(kana_key__startswith=key), then=Value(PREFIX)),
            default=Value(INSIDE),
        )
        return self.persons.filter(anywhere).annotate(search_rank=rank)

    def sql(self, branch: _Branch, limit: int | None, newest_first: bool) -> tuple[str, list[Any]]:
        """The branch's `SELECT pk, number` (newest first, or in no order), up to `limit`."""
        assert self.base is not None
        base, base_params = self.base
        sql = f"SELECT v.id AS pk, v.number FROM ({base}) v WHERE {branch.where}"  # noqa: S608
        sql += " ORDER BY v.number DESC" if newest_first else ""
        sql += "" if limit is None else f" LIMIT {limit:d}"
        return sql, [*base_params, *branch.params]


def _union_all(
    branches: _Branches, parts: list[_Branch], limit: int | None, newest_first: bool
) -> tuple[str, list[Any]]:
    """`SELECT pk, number, rank, branch` of each branch (its first `limit` rows), as one
    UNION ALL; "" when no branch can match."""
    if limit == 0 or branches.base is None:
        return "", []
    selects: list[str] = []
    params: list[Any] = []
    for i, branch in enumerate(parts):
        sql, branch_params = branches.sql(branch, limit, newest_first)
        # SQL of this module's conditions on the ORM's SQL of the visible persons; ints.
        select = f"SELECT b.*, {branch.rank:d} AS rank, {i:d} AS branch FROM ({sql}) b"  # noqa: S608
        selects.append(select)
        params.extend(branch_params)
    return " UNION ALL ".join(selects), params


def _newest_of_each(
    branches: _Branches, parts: list[_Branch], limit: int | None
) -> list[list[tuple[int, int]]]:
    """(pk, number) of the newest `limit` matches of each branch: one statement.

    Each branch is read newest first with its own LIMIT, so an index holding the key and the
    number answers it without visiting the table."""
    found: list[list[tuple[int, int]]] = [[] for _ in parts]
    sql, params = _union_all(branches, parts, limit, newest_first=True)
    if sql:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for pk, number, _rank, branch in cursor.fetchall():
                found[branch].append((pk, number))
    return found


def _best_first(
    parts: list[_Branch], found: list[list[tuple[int, int]]]
) -> list[tuple[int, int, int]]:
    """(rank, -number, pk), one per person (its best rank), best first.

    The newest `limit` of each branch are enough for the first `limit` overall: a person
    among those is within the first `limit` of the branch giving its rank, since whoever
    comes before it there comes before it overall too."""
    best: dict[int, tuple[int, int, int]] = {}
    for branch, rows in zip(parts, found, strict=True):
        for pk, number in rows:
            if pk not in best or branch.rank < best[pk][0]:
                best[pk] = (branch.rank, -number, pk)
    return sorted(best.values())


def _newest(
    branches: _Branches, parts: list[_Branch], limit: int | None
) -> list[tuple[int, int, int]]:
    """(rank, -number, pk) of the first `limit` matches of the branches, best first."""
    return _best_first(parts, _newest_of_each(branches, parts, limit))


def _ids(branches: _Branches, parts: list[_Branch], limit: int) -> set[int]:
    """Ids of the first `limit` rows of each branch, in no order: one statement."""
    sql, params = _union_all(branches, parts, limit, newest_first=False)
    if not sql:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def _distinct(branches: _Branches, parts: list[_Branch], limit: int | None) -> int:
    """How many persons the first `limit` rows of the branches hold: one statement."""
    sql, params = _union_all(branches, parts, limit, newest_first=False)
    if not sql:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT pk) FROM ({sql}) m", params)  # noqa: S608
        return int(cursor.fetchone()[0])


class PersonSearch:
    """The results of a name search, best first, read a slice at a time like a QuerySet
    (slicing, `defer`/`only`, `count`, iteration; `capped_count` for the screen).

    On PostgreSQL a page is one statement when exact and prefix matches fill it (btree
    pattern indexes, index-only, the newest of each branch, then its persons by primary
    key); the GIN branches for matches inside a name are read only when they do not
    (`_inside`). Every branch is a query on `visible(viewer, Person)`: the policy decides
    who can be found, as everywhere else. Elsewhere (SQLite) it is one scan of the table.
    """

    ordered = True  # for Paginator: the order is the search's own

    def __init__(
        self,
        persons: QuerySet[Person],
        branches: _Branches,
        *,
        low: int = 0,
        high: int | None = None,
    ) -> None:
        self.persons = persons
        self.branches = branches
        self.low, self.high = low, high
        self._result: list[Person] | None = None

    def _clone(self, persons: QuerySet[Person], low: int, high: int | None) -> "PersonSearch":
        return PersonSearch(persons, self.branches, low=low, high=high)

    def defer(self, *fields: str) -> "PersonSearch":
        kept = {"name_key", "kana_key", "number"}  # a page is put in order by them
        persons = self.persons.defer(*(f for f in fields if f not in kept))
        return self._clone(persons, self.low, self.high)

    def only(self, *fields: str) -> "PersonSearch":
        # The keys too: a page is put in order by them.
        persons = self.persons.only(*fields, "name_key", "kana_key")
        return self._clone(persons, self.low, self.high)

    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, int):
            if k < 0:
                raise ValueError("Negative indexing is not supported.")
            return self[k : k + 1]._fetch()[0]
        if k.step is not None or (k.start or 0) < 0 or (k.stop or 0) < 0:
            raise ValueError("Only positive slices without a step are supported.")
        low = self.low + (k.start or 0)
        high = self.high if k.stop is None else self.low + k.stop
        if self.high is not None and high is not None:
            high = min(high, self.high)
        return self._clone(self.persons, low, high if high is None else max(high, low))

    def __iter__(self) -> Iterator[Person]:
        return iter(self._fetch())

    def __len__(self) -> int:
        return len(self._fetch())

    def ranked(self) -> list[tuple[int, int, int]]:
        """(rank, -number, pk) of the results up to this slice's end, best first."""
        branches = self.branches
        if branches.one_scan is not None:
            rows = branches.one_scan.order_by("search_rank", "-number")
            rows = rows.values_list("search_rank", "number", "pk")[: self.high]
            return [(rank, -number, pk) for rank, number, pk in rows]
        found = _newest(branches, branches.exact + branches.prefix, self.high)
        if self.high is not None and len(found) >= self.high:
            return found  # the page is full: nothing inside a name comes before these
        # Every exact and prefix match is in `found`; the rest rank after all of them.
        seen = {pk for _rank, _number, pk in found}
        inside = _best_first(branches.inside, self._inside(self.high))
        return found + [row for row in inside if row[2] not in seen]

    def _inside(self, limit: int | None) -> list[list[tuple[int, int]]]:
        """The newest `limit` matches of each branch inside a name.

        A one- or two-character key inside names (花子) can match thousands of persons, and
        GIN cannot give them newest first: all of them would be read from the table to take
        the newest. So the persons' own names are first looked for among the newest `WINDOW`
        persons only (the index of numbers and the GIN index together); a branch that finds
        fewer than `limit` there is read again in full. Family members' names are read in
        full (their persons' numbers are in the persons' table anyway).
        """
        branches = self.branches
        if limit is None or len(branches.key) > SHORT_KEY or connection.vendor != "postgresql":
            return _newest_of_each(branches, branches.inside, limit)
        newest = self.persons.order_by("-number").values_list("number", flat=True).first()
        if newest is None:
            return [[] for _ in branches.inside]
        names, family = branches.inside[:2], branches.inside[2:]
        window = [b.narrowed("v.number > %s", newest - WINDOW) for b in names]
        found = _newest_of_each(branches, window + family, limit)
        short = [i for i in range(len(names)) if len(found[i]) < limit]
        if short and newest > WINDOW:
            again = _newest_of_each(branches, [names[i] for i in short], limit)
            for i, rows in zip(short, again, strict=True):
                found[i] = rows
        return found

    def _fetch(self) -> list[Person]:
        if self._result is None and self.high is not None and self.high <= self.low:
            self._result = []
        if self._result is None and self.high is not None and self.branches.one_scan is None:
            self._result = self._page_of_exact_and_prefix()
        if self._result is None:
            ids = [pk for _rank, _number, pk in self.ranked()[self.low : self.high]]
            by_pk = {p.pk: p for p in self.persons.filter(pk__in=ids)} if ids else {}
            self._result = [by_pk[pk] for pk in ids if pk in by_pk]
        return self._result

    def _page_of_exact_and_prefix(self) -> list[Person] | None:
        """The slice's persons in one statement when exact and prefix matches fill it (the
        usual case for a name), else None: ranked in SQL, put back in order here."""
        assert self.high is not None
        branches = self.branches
        union, params = _union_all(
            branches, branches.exact + branches.prefix, self.high, newest_first=True
        )
        if not union:
            return None
        page = RawSQL(  # noqa: S611 (the ORM's SQL of the branches, ints)
            "SELECT pk FROM (SELECT pk, min(rank) AS r, max(number) AS n "  # noqa: S608
            f"FROM ({union}) u GROUP BY pk ORDER BY r, n DESC "
            f"LIMIT {self.high - self.low:d} OFFSET {self.low:d}) t",
            params,
        )
        persons = list(self.persons.filter(pk__in=page))
        if len(persons) < self.high - self.low:
            return None
        return sorted(persons, key=lambda p: (self.branches.rank_of(p), -p.number))

    def _matches(self, cap: int | None) -> int:
        """How many persons match: at most `cap + 1` (every one without a cap)."""
        branches = self.branches
        limit = None if cap is None else cap + 1
        if branches.one_scan is not None:
            rows = branches.one_scan.order_by().values("pk")
            return (rows if limit is None else rows[:limit]).count()
        # Exact names are among the prefix matches, and those among the matches inside: the
        # number and prefixes first (index-only), then one branch inside at a time (GIN),
        # until past the cap.
        if limit is None:
            return _distinct(branches, branches.numbered + branches.prefix + branches.inside, None)
        if (counted := _distinct(branches, branches.numbered + branches.prefix, limit)) >= limit:
            return counted  # the usual case for a name: one statement
        found = _ids(branches, branches.numbered + branches.prefix, limit)
        for branch in branches.inside:
            found |= _ids(branches, [branch], limit)
            if len(found) >= limit:
                break
        return len(found)

    def capped_count(self, cap: int) -> tuple[int, bool]:
        """(count, more): at most `cap` matches, and whether there are more than that.

        The number and prefix branches are counted first, each up to `cap + 1` index entries;
        only when they hold no more than `cap` are the matches inside a name counted too.
        """
        found = self._matches(cap)
        return min(found, cap), found > cap

    def count(self) -> int:
        """Every match (within the slice), as QuerySet.count(): reads them all."""
        if self._result is not None:
            return len(self._result)
        total = max(0, self._matches(None) - self.low)
        return total if self.high is None else min(total, self.high - self.low)


def person_search(*, viewer: Membership, query: str = "") -> "QuerySet[Person] | PersonSearch":
    """Visible persons matching a number, a name or kana, or a family member's name.

    Names are compared on their normalized keys, so 山田 = やまだ = ヤマダ = ﾔﾏﾀﾞ and 髙橋 = 高橋.
    The person with that number and exact names come first, then names starting with the
    key, then the rest; newest first within each. Without a query: every visible person,
    newest first (a QuerySet).
    """
    persons = visible(viewer, Person)
    if not normalize_for_search(query):
        return persons.order_by("-number")
    return PersonSearch(persons, _Branches(persons, viewer.municipality_id, query))


def age_band_label(person: Person, today: date) -> str:
    """The age band today (from the birth date, else the estimate), as a label."""
    band = person.age_band_on(today)
    return str(AgeBand(band).label) if band in AgeBand.values else ""


def with_age_bands(persons: list[Person], today: date) -> list[Person]:
    """Give each person an `age_band_label` for templates, which cannot pass today."""
    for person in persons:
        person.age_band_label = age_band_label(person, today)  # type: ignore[attr-defined]
    return persons


def active_consents_of(person: Person, *, today: date | None = None) -> QuerySet[Consent]:
    """The person's consents in force today, with their recipients."""
    return Consent.objects.filter(consent_in_force(today=today), person=person).prefetch_related(
        "organizations"
    )


# Where a consent stands on a given day, for the person's page.
CONSENT_STATUS = {
    "in_force": gettext_lazy("In force"),
    "future": gettext_lazy("Not yet in force"),
    "expired": gettext_lazy("Expired"),
    "revoked": gettext_lazy("Revoked"),
}


def _with_status(consents: QuerySet[Consent], today: date) -> QuerySet[Consent]:
    """Consents annotated `in_force` by the one definition (tsunagu.policy.casework)."""
    return consents.annotate(
        in_force=Ranked(
            When(consent_in_force(today=today), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def _status(consent: Consent, today: date) -> str:
    """Why a consent is not in force, or "in_force" (needs the `in_force` annotation)."""
    if consent.in_force:  # type: ignore[attr-defined]
        return "in_force"
    if consent.revoked_at is not None:
        return "revoked"
    return "future" if consent.valid_from > today else "expired"


def _labelled(consent: Consent, today: date) -> Consent:
    consent.status = _status(consent, today)  # type: ignore[attr-defined]
    consent.status_label = CONSENT_STATUS[consent.status]  # type: ignore[attr-defined]
    return consent


def consents_of(person: Person, today: date) -> list[Consent]:
    """Every consent of the person, newest first, each with `status` and `status_label`."""
    consents = _with_status(
        Consent.objects.filter(person=person)
        .select_related("recorded_by__user")
        .prefetch_related("organizations"),
        today,
    )
    return [_labelled(consent, today) for consent in consents]


def consent_of(person: Person, pk: int, today: date | None = None) -> Consent | None:
    """One consent of the person, with its status, or None."""
    today = today or timezone.localdate()
    consent = _with_status(Consent.objects.filter(person=person, pk=pk), today).first()
    return None if consent is None else _labelled(consent, today)


@dataclass
class PersonPage:
    """Everything a person's page shows, each part limited to what the viewer may see."""

    family_members: list[FamilyMember]
    cases: list[Case]
    consultations: list[Any]


def person_page(*, viewer: Membership, person: Person, consultations: int = 50) -> PersonPage:
    """The parts of a person's page; the cases and consultations it lists are recorded."""
    assignments = CaseAssignment.objects.select_related("membership__user")
    # Consultations sit above persons: reached through the relation, not imported.
    consultation_model = person.consultations.model
    page = PersonPage(
        family_members=list(person.family_members.all()),
        cases=list(
            visible(viewer, Case)
            .filter(person=person)
            .prefetch_related(Prefetch("assignments", queryset=assignments))
        ),
        consultations=list(
            visible(viewer, consultation_model)
            .filter(person=person)
            .select_related("staff__user")[:consultations]
        ),
    )
    shown(viewer, Case, page.cases)
    shown(viewer, consultation_model, page.consultations)
    return page


# Likely duplicates -----------------------------------------------------------------------

# Two names this alike (difflib's ratio of their search keys), born the same day: likely one.
SIMILAR_NAME = 0.5


def _similar(a: str, b: str) -> bool:
    return bool(a and b) and SequenceMatcher(None, a, b).ratio() >= SIMILAR_NAME


def _alike(a: Person, b: Person) -> list[str]:
    """Why two records are likely one person (empty when they are not)."""
    reasons = []
    if a.name_key and a.name_key == b.name_key:
        reasons.append(str(_("same name")))
    if a.kana_key and a.kana_key == b.kana_key:
        reasons.append(str(_("same kana")))
    if (
        a.birth_date is not None
        and a.birth_date == b.birth_date
        and (_similar(a.name_key, b.name_key) or _similar(a.kana_key, b.kana_key))
    ):
        reasons.append(str(_("same birth date, similar name")))
    return reasons


def possible_duplicates(*, viewer: Membership, person: Person) -> list[Person]:
    """Persons the viewer may see who are likely the same as `person` (not themselves):
    the same normalized name or kana, the same birth date with a similar name, or a family
    member or contact with the same phone or e-mail (blind index)."""
    match = Q(pk__in=[])
    if person.name_key:
        match |= Q(name_key=person.name_key)
    if person.kana_key:
        match |= Q(kana_key=person.kana_key)
    if person.birth_date is not None:
        match |= Q(birth_date=person.birth_date)
    indexes = _contact_indexes(person)
    if indexes:
        match |= Q(
            Exists(
                FamilyMember.objects.filter(person=OuterRef("pk")).filter(
                    Q(phone_index__in=indexes) | Q(email_index__in=indexes)
                )
            )
        )
    candidates = visible(viewer, Person).filter(match).exclude(pk=person.pk).order_by("number")
    shared = _persons_sharing_contacts(indexes) if indexes else set()
    return [c for c in candidates.defer(*_SECRET) if _alike(person, c) or c.pk in shared]


_SECRET = ("household", "background_note", "guideline_axes")


def _contact_indexes(person: Person) -> set[str]:
    pairs = FamilyMember.objects.filter(person=person).values_list("phone_index", "email_index")
    return {value for pair in pairs for value in pair if value}


def _persons_sharing_contacts(indexes: set[str]) -> set[int]:
    return set(
        FamilyMember.objects.filter(
            Q(phone_index__in=indexes) | Q(email_index__in=indexes)
        ).values_list("person_id", flat=True)
    )


@dataclass(frozen=True)
class DuplicatePair:
    first: Person
    second: Person
    reasons: list[str]


def duplicate_pairs(*, viewer: Membership, limit: int = 200) -> list[DuplicatePair]:
    """Pairs of persons the viewer may see that are likely one person, oldest number first.

    Candidates come from equal search keys, equal birth dates and shared contact indexes
    (each a GROUP BY in the database); only those pairs are compared in Python.
    """
    persons = visible(viewer, Person)
    groups: list[set[int]] = []
    for key in ("name_key", "kana_key", "birth_date"):
        present = (
            persons.filter(birth_date__isnull=False)
            if key == "birth_date"
            else persons.exclude(**{key: ""})
        )
        repeated = (
            present.order_by()
            .values(key)
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .values_list(key, flat=True)
        )
        by_value: dict[object, set[int]] = {}
        for pk, value in persons.filter(**{f"{key}__in": list(repeated)}).values_list("pk", key):
            by_value.setdefault(value, set()).add(pk)
        groups.extend(by_value.values())
    contact_pairs: set[tuple[int, int]] = set()
    for field in ("phone_index", "email_index"):
        shared = (
            FamilyMember.objects.filter(person__in=persons.values("pk"))
            .exclude(**{field: ""})
            .order_by()
            .values(field)
            .annotate(n=Count("person", distinct=True))
            .filter(n__gt=1)
            .values_list(field, flat=True)
        )
        by_value = {}
        rows = FamilyMember.objects.filter(
            person__in=persons.values("pk"), **{f"{field}__in": list(shared)}
        ).values_list(field, "person_id")
        for value, person_id in rows:
            by_value.setdefault(value, set()).add(person_id)
        for ids in by_value.values():
            groups.append(ids)
            contact_pairs.update(combinations(sorted(ids), 2))
    wanted = {pair for ids in groups for pair in combinations(sorted(ids), 2)}
    ids = {i for pair in wanted for i in pair}
    rows_of = {p.pk: p for p in persons.filter(pk__in=ids).defer(*_SECRET)}
    pairs = [pair for pair in wanted if pair[0] in rows_of and pair[1] in rows_of]
    pairs.sort(key=lambda pair: sorted((rows_of[pair[0]].number, rows_of[pair[1]].number)))
    found = []
    for a, b in pairs:
        first, second = sorted((rows_of[a], rows_of[b]), key=lambda p: p.number)
        reasons = _alike(first, second)
        if (a, b) in contact_pairs:
            reasons.append(str(_("same phone or e-mail of a contact")))
        if reasons:
            found.append(DuplicatePair(first, second, reasons))
        if len(found) >= limit:
            break
    return found


@dataclass(frozen=True)
class MergeSummary:
    person: Person
    cases: int
    open_cases: int
    consultations: int
    family_members: int
    consents: int


def merge_summaries(*, viewer: Membership, pair: tuple[Person, Person]) -> list[MergeSummary]:
    """What each record holds, side by side, so the lead sees what moves where."""
    return [
        MergeSummary(
            person=p,
            cases=Case.objects.filter(person=p).count(),
            open_cases=Case.objects.filter(person=p, closed_on__isnull=True).count(),
            consultations=p.consultations.count(),
            family_members=p.family_members.count(),
            consents=p.consents.count(),
        )
        for p in pair
    ]


def merge_history(*, viewer: Membership, limit: int = 20) -> list[PersonMerge]:
    """The municipality's latest merges, for the duplicates screen (numbers only)."""
    return list(
        PersonMerge.objects.filter(municipality_id=viewer.municipality_id).select_related(
            "survivor", "merged", "merged_by__user"
        )[:limit]
    )


def merge_of(*, viewer: Membership, pk: int) -> PersonMerge | None:
    return PersonMerge.objects.filter(pk=pk, municipality_id=viewer.municipality_id).first()
