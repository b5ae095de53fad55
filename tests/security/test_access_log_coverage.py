"""Access logging that cannot be forgotten: every response that carries a person, a case or a
consultation has an access-log entry naming it.

Two municipalities hold one of everything (tests/security/world.py), with distinctive names
and consultation summaries. Every staff URL answered on GET (walked from the URL resolver) and
every API GET operation (from the OpenAPI schema) is requested as a lead, a counselor and a
partner, with its path ids filled with real objects of the right type. What the response
carried is read off its body: links to a person's, case's or consultation's page, the names
of persons and the summaries of consultations, and in JSON the ids of persons, cases and
consultations (`id` of the operation's own objects, `person_id`, `case_id`...). Each must be
among the objects the access log recorded for that request (AccessLogObject of the entries it
wrote); otherwise the URL has a gap.

A URL whose gap belongs to code being rewritten elsewhere is marked xfail (strict) with the
reason; `test_a_read_that_skips_the_log_is_caught` breaks the rule on purpose.
"""

import html
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pytest
from django.db.models import Max
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.security.test_authorization_matrix import (
    API_GLOBAL,
    STAFF,
    api_operations,
    staff_patterns,
)
from tests.security.world import World, api_url, build_world, staff_url
from tsunagu.audit.models import AccessLogEntry, AccessLogObject
from tsunagu.consultations.models import Consultation
from tsunagu.people.models import Person

WALKED_ROLES = ("lead", "counselor", "partner")
KINDS = ("person", "case", "consultation")

# Query strings that take a page down another path (a search, every stage, a filter).
VARIANTS: dict[str, list[str]] = {
    "staff:person_list": ["", "?q=架空"],
    "staff:case_list": ["", "?stage=all"],
    "staff:consultation_person_search": ["", "?q=架空"],
    "GET /api/v1/m/{code}/persons": ["", "?q=架空"],
}

# URLs with a known gap (label → reason), marked strict xfail so a fixed one must come off.
# None today: every response that carries personal data is logged.
GAPS: dict[str, str] = {}


def staff_labels() -> list[str]:
    return sorted(name for name, _ in staff_patterns() if STAFF[name].method == "get")


def api_labels() -> list[str]:
    return sorted(
        f"GET {path}" for method, path in api_operations() | API_GLOBAL if method == "get"
    )


# --- what a response carried ------------------------------------------------------------

Shown = frozenset[tuple[str, int]]  # one thing seen: any one of these objects (names repeat)


@dataclass
class Index:
    """How each person, case and consultation of the world can be recognized in a body."""

    texts: dict[str, set[tuple[str, int]]] = field(default_factory=dict)
    numbers: dict[int, set[tuple[str, int]]] = field(default_factory=dict)

    @classmethod
    def build(cls) -> "Index":
        index = cls()
        with scopes_disabled():
            for person in Person.objects.all():
                if person.name:
                    index.texts.setdefault(person.name, set()).add(("person", person.pk))
                index.numbers.setdefault(person.number, set()).add(("person", person.pk))
            for consultation in Consultation.objects.all():
                # A short summary ("相談") is also a menu label: not a marker of this record.
                if len(consultation.summary or "") >= 5:
                    index.texts.setdefault(consultation.summary, set()).add(
                        ("consultation", consultation.pk)
                    )
        return index


LINK = re.compile(r"/m/\d{6}/(persons|cases|consultations)/(\d+)/")
KIND_OF = {"persons": "person", "cases": "case", "consultations": "consultation"}
ID_KEYS = {"person_id": "person", "case_id": "case", "consultation_id": "consultation"}
CONTAINERS = {
    "person": "person",
    "persons": "person",
    "case": "case",
    "cases": "case",
    "consultation": "consultation",
    "consultations": "consultation",
}


def body_text(response: HttpResponseBase) -> str:
    if isinstance(response, StreamingHttpResponse):  # what `response.streaming` tells
        # The stubs allow an async iterator; the test client's responses are synchronous.
        raw = b"".join(response.streaming_content)  # type: ignore[arg-type]
    else:
        assert isinstance(response, HttpResponse)
        raw = response.content
    content_type = response.get("Content-Type", "")
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(raw), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return html.unescape(raw.decode("utf-8", errors="replace"))


def json_ids(node: object, kind: str | None) -> Iterator[tuple[str, int]]:
    """(kind, id) of every person, case and consultation a JSON document names."""
    if isinstance(node, dict):
        for key, item in node.items():
            if key in ID_KEYS and isinstance(item, int):
                yield ID_KEYS[key], item
            elif key == "id" and kind and isinstance(item, int):
                yield kind, item
            elif key in CONTAINERS and isinstance(item, int):
                yield CONTAINERS[key], item
            elif key.endswith("_ids") and key[:-4] in KINDS and isinstance(item, list):
                yield from ((key[:-4], i) for i in item if isinstance(i, int))
            child = kind if key == "items" else CONTAINERS.get(key)
            yield from json_ids(item, child)
    elif isinstance(node, list):
        for item in node:
            yield from json_ids(item, kind)


def operation_kind(path: str) -> str | None:
    """The kind of the objects an API path answers with (its last fixed segment)."""
    fixed = [part for part in path.split("?")[0].split("/") if part and "{" not in part]
    return KIND_OF.get(fixed[-1]) if fixed else None


def carried(response: HttpResponseBase, path: str, index: Index, *, api: bool) -> set[Shown]:
    """What the response showed: each a set of objects of which at least one was shown."""
    shown: set[Shown] = set()
    text = body_text(response)
    if api and "json" in response.get("Content-Type", ""):
        document = json.loads(text)
        kind = operation_kind(path)
        shown |= {frozenset({seen}) for seen in json_ids(document, kind)}
        text = json.dumps(document, ensure_ascii=False)
        if kind == "person":
            numbers = re.findall(r'"number": (\d+)', text)
            shown |= {frozenset(index.numbers[int(n)]) for n in numbers if int(n) in index.numbers}
    for plural, pk in LINK.findall(text):
        shown.add(frozenset({(KIND_OF[plural], int(pk))}))
    for marker, objects in index.texts.items():
        if marker in text:
            shown.add(frozenset(objects))
    return shown


def logged_since(entry_id: int) -> set[tuple[str, int]]:
    with scopes_disabled():
        return set(
            AccessLogObject.objects.filter(entry_id__gt=entry_id).values_list("type", "object_id")
        )


def last_entry() -> int:
    with scopes_disabled():
        return AccessLogEntry.objects.aggregate(last=Max("pk"))["last"] or 0


def describe(shown: Shown, index: Index) -> str:
    names = {obj: marker for marker, objects in index.texts.items() for obj in objects}
    return " or ".join(
        f"{kind} {pk}" + (f" ({names[kind, pk]})" if (kind, pk) in names else "")
        for kind, pk in sorted(shown)
    )


# --- the walk ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    label: str
    url: str
    api: bool


def targets(code: str, world: World, labels: Iterable[str]) -> list[Target]:
    found = []
    for label in labels:
        api = label.startswith("GET ")
        base = api_url(label[4:], code, world) if api else staff_url(label, code, world)
        if api and "/stats/" in base:
            base += "?fiscal_year=2026"
        for variant in VARIANTS.get(label, [""]):
            if variant and "?" in base:
                variant = "&" + variant[1:]
            found.append(Target(label, base + variant, api))
    return found


def walk(
    personas: Personas, world: World, roles: Iterable[str], labels: Iterable[str]
) -> dict[str, list[str]]:
    """label → what responses carried that the access log did not record (empty: covered)."""
    index = Index.build()
    code = personas.municipality.code
    gaps: dict[str, list[str]] = {}
    for role in roles:
        web = personas.client(role)
        api = Client(headers={"Authorization": f"Bearer {personas.token(role)}"})
        for target in targets(code, world, labels):
            before = last_entry()
            response = (api if target.api else web).get(target.url)
            found = gaps.setdefault(target.label, [])
            if response.status_code >= 500:
                found.append(f"{role} {target.url}: {response.status_code}")
                continue
            if response.status_code != 200:
                continue
            logged = logged_since(before)
            for shown in carried(response, target.url, index, api=target.api):
                if not shown & logged:
                    found.append(f"as {role}, {target.url} showed {describe(shown, index)}")
    return gaps


def two_worlds(personas: Personas) -> World:
    world = build_world(personas.municipality, personas.members)
    build_world(personas.outsider, personas.outsiders, surname="三好")
    return world


_WALKED: dict[str, list[str]] = {}


@pytest.fixture
def walked(personas: Personas) -> dict[str, list[str]]:
    """The walk over every URL, done once per test process (each URL's test reads its part)."""
    if not _WALKED:
        world = two_worlds(personas)
        _WALKED.update(walk(personas, world, WALKED_ROLES, staff_labels() + api_labels()))
    return _WALKED


def marked(labels: list[str]) -> list[object]:
    return [
        pytest.param(label, marks=pytest.mark.xfail(strict=True, reason=GAPS[label]))
        if label in GAPS
        else label
        for label in labels
    ]


@pytest.mark.parametrize("label", marked(staff_labels() + api_labels()))
def test_every_person_case_and_consultation_a_response_carries_is_logged(
    walked: dict[str, list[str]], label: str
) -> None:
    assert walked[label] == [], "\n".join(walked[label])


def test_the_walk_covers_the_schema_that_is_served(personas: Personas) -> None:
    served = Client().get("/api/v1/openapi.json").json()["paths"]
    served_gets = {f"GET {path}" for path, ops in served.items() if "get" in ops}
    assert served_gets == set(api_labels())
    assert {"staff:person_detail", "staff:case_detail", "staff:home"} <= set(staff_labels())
    assert set(GAPS) <= set(staff_labels()) | set(api_labels())


# --- the check itself -------------------------------------------------------------------


# Two ways to break the rule on purpose: the policy's `one`/`shown` stop recording (the API's
# consultation answer reads through `one`), or the log stops keeping the objects of an entry
# (every way of logging ends there, the hand-written calls of the person page too). Each is
# (what is replaced, what it then returns, the page, the object the page then carries unlogged).
BREAKS: dict[str, tuple[str, object, str, tuple[str, str]]] = {
    "policy record skipped": (
        "tsunagu.policy.recording.record",
        None,
        "GET /api/v1/m/{code}/consultations/{consultation_id}",
        ("consultation", "consultation"),
    ),
    "objects of an entry dropped": (
        "tsunagu.audit.services._object_rows",
        [],
        "staff:person_detail",
        ("person", "person"),
    ),
}


def _shows(gaps: list[str], kind: str, pk: int) -> bool:
    return any(re.search(rf"\b{kind} {pk}\b", gap) for gap in gaps)


@pytest.mark.parametrize("how", sorted(BREAKS))
def test_a_read_that_skips_the_log_is_caught(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    target, returned, label, (kind, key) = BREAKS[how]
    world = two_worlds(personas)
    intact = walk(personas, world, ["lead"], [label])[label]
    assert not _shows(intact, kind, world[key])
    monkeypatch.setattr(target, lambda *args, **kwargs: returned)
    broken = walk(personas, world, ["lead"], [label])[label]
    assert _shows(broken, kind, world[key]), broken


def test_what_a_response_carried_is_read_from_links_names_and_json_ids() -> None:
    index = Index(
        texts={"架空 一郎": {("person", 1), ("person", 2)}, "相談記録": {("consultation", 9)}}
    )
    page = HttpResponse(
        '<a href="/m/232297/cases/7/">x</a> 架空 一郎 <a href="/m/232297/persons/3/edit/">',
        content_type="text/html",
    )
    assert carried(page, "/m/232297/", index, api=False) == {
        frozenset({("case", 7)}),
        frozenset({("person", 3)}),
        frozenset({("person", 1), ("person", 2)}),
    }
    body = {"items": [{"id": 5, "person_id": 1, "assignments": [{"id": 99}]}], "count": 1}
    answer = HttpResponse(json.dumps(body), content_type="application/json")
    assert carried(answer, "/api/v1/m/232297/cases", index, api=True) == {
        frozenset({("case", 5)}),
        frozenset({("person", 1)}),
    }
    summary = HttpResponse(
        json.dumps({"id": 4, "summary": "相談記録"}), content_type="application/json"
    )
    assert carried(summary, "/api/v1/m/232297/referrals/4", index, api=True) == {
        frozenset({("consultation", 9)})
    }
