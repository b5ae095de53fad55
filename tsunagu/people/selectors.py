"""Reads of persons: search in any script or width, and what a person's page shows."""

from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from itertools import combinations
from typing import Any, TypeVar

from django.core.paginator import Paginator
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


# The screen counts at most this many matches and then says "1,000件以上": counting every
# 佐藤 of a city of a million costs more than the page itself and helps no one.
SEARCH_CAP = 1000

# Keys of one or two characters have no trigram; PostgreSQL finds them through an index of
# each name's one- and two-character substrings (migration people 0003).
SHORT_KEY = 2


class HasShortGram(Func):
    """HasShortGram(column, key): `tsunagu_short_grams(column) @> ARRAY[key]` (PostgreSQL).

    Written exactly as the index expression of migration people 0003, so that index serves it.
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
        return rows.filter(HasShortGram(F(column), Value(key)))
    return rows.filter(**{f"{column}__contains": key})


def person_matches(*, municipality_id: int, query: str) -> QuerySet[Person] | None:
    """Ids of the municipality's persons matching the query, visible or not (None: no query).

    A UNION of one branch per indexed key (name, kana, a family member's name, the number),
    each served by its own per-municipality index; an OR across them would read every row.
    """
    key = normalize_for_search(query)
    if not key:
        return None
    branches: list[QuerySet[Any]] = [
        _matching(Person, "name_key", key).filter(municipality_id=municipality_id).values("pk"),
        _matching(Person, "kana_key", key).filter(municipality_id=municipality_id).values("pk"),
        _matching(FamilyMember, "name_key", key)
        .filter(municipality_id=municipality_id)
        .values("person_id"),
    ]
    number = _as_number(query)
    if number is not None:
        branches.append(
            Person.objects.order_by()
            .filter(municipality_id=municipality_id, number=number)
            .values("pk")
        )
    first, *rest = branches
    return first.union(*rest, all=True)


def person_search(*, viewer: Membership, query: str = "") -> QuerySet[Person]:
    """Visible persons matching a number, a name or kana, or a family member's name.

    Names are compared on their normalized keys, so 山田 = やまだ = ヤマダ = ﾔﾏﾀﾞ and 髙橋 = 高橋.
    The person with that number and exact names come first, then names starting with the
    key, then the rest; newest first within each.
    """
    persons = visible(viewer, Person)
    matches = person_matches(municipality_id=viewer.municipality_id, query=query)
    if matches is None:
        return persons.order_by("-number")
    key = normalize_for_search(query)
    exact = Q(name_key=key) | Q(kana_key=key)
    number = _as_number(query)
    if number is not None:
        exact |= Q(number=number)
    rank = Ranked(
        When(exact, then=Value(0)),
        When(Q(name_key__startswith=key) | Q(kana_key__startswith=key), then=Value(1)),
        default=Value(2),
    )
    return persons.filter(pk__in=matches).alias(rank=rank).order_by("rank", "-number")


def capped_count(rows: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """(count, more): at most `cap`, and whether there are more rows than that."""
    found = rows.order_by()[: cap + 1].count()
    return min(found, cap), found > cap


class CappedPaginator(Paginator[Any]):
    """Pages over the first `cap` rows only; `more` says whether the rows went beyond."""

    def __init__(self, rows: QuerySet[Any], per_page: int, cap: int | None = None) -> None:
        cap = SEARCH_CAP if cap is None else cap
        super().__init__(rows[:cap], per_page)
        self.rows = rows
        self.cap = cap

    @cached_property
    def _capped(self) -> tuple[int, bool]:
        return capped_count(self.rows, self.cap)

    @cached_property
    def count(self) -> int:
        return self._capped[0]

    @property
    def more(self) -> bool:
        return self._capped[1]


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
