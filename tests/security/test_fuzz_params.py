"""No query parameter, path id or JSON body reaches a server error (issue 13, item 10).

Odd values — other scripts' digits and superscripts (`²`, `٣`, `１２`), numbers beyond 64
bits, negatives, NUL, deeply nested JSON — are drawn by hypothesis for

- every query parameter each staff screen reads (found by requesting the screen once with a
  QueryDict that notes the keys the view and its forms look up), and every int path id;
- every query and path parameter of every API operation (from the OpenAPI schema), and the
  body of every write operation (each field of its schema, and JSON of any shape).

The answer must be below 500. Each test is one group of URLs (a staff app, the API's reads,
its writes) with a bounded number of examples, so a run stays within seconds per group.
The bad-id cases found so far have their own readable tests in tests/security/test_bad_ids.py
and tests/api/test_out_of_range_ids.py.
"""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.handlers import wsgi
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Personas
from tests.security.test_authorization_matrix import STAFF, staff_patterns
from tests.security.world import build_world, staff_url
from tsunagu.api.api import api

ODD = [
    "²",
    "٣",
    "１２",
    "-1",
    "0",
    "00",
    str(2**63),
    str(2**63 - 1),
    str(-(2**63) - 1),
    "9" * 40,
    "1e3",
    " 1",
    "1.5",
    "",
    "\x00",
    "2026-02-30",
    "99999-01-01",
    "R1.5.1",
    "%",
    "[]",
    '{"a": [1]}',
]
HUGE = 2**100

odd_strings = st.one_of(
    st.sampled_from(ODD),
    st.integers(min_value=-HUGE, max_value=HUGE).map(str),
    st.text(alphabet=st.characters(categories=["Nd", "No", "Nl"]), min_size=1, max_size=6),
    st.text(max_size=12),
)
path_ids = st.one_of(
    st.sampled_from([0, 2**31, 2**63 - 1, 2**63, 2**64, HUGE]),
    st.integers(min_value=0, max_value=HUGE),
)
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-HUGE, max_value=HUGE),
        st.floats(allow_nan=False, allow_infinity=False),
        odd_strings,
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)

# Deterministic (derandomized, no example database) and bounded: a few seconds per group.
STAFF_FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
API_FUZZ = settings(STAFF_FUZZ, max_examples=80)


def bad(status: int) -> bool:
    return status >= 500


# --- staff screens ----------------------------------------------------------------------


class NotingQueryDict(QueryDict):
    """A request's GET that notes every key looked up (the view's and its forms')."""

    noted: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.noted.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.noted.add(key)
        return super().get(key, default)

    def getlist(self, key: str, default: Any = None) -> Any:
        self.noted.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            self.noted.add(key)
        return super().__contains__(key)


def staff_get_labels() -> list[str]:
    return sorted(name for name, _ in staff_patterns() if STAFF[name].method == "get")


def app_of(name: str) -> str:
    """The app whose view answers the URL named `name` ("people" for staff:person_list)."""
    for pattern in _patterns(get_resolver()):
        if pattern[0] == name:
            return pattern[1].split(".")[1]
    raise LookupError(name)


def _patterns(resolver: URLResolver, namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, ":".join(filter(None, [namespace, pattern.namespace])))
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}", pattern.lookup_str


STAFF_APPS = sorted({app_of(name) for name in staff_get_labels()})


def query_targets(
    client: Client, urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, str]]:
    """(url, parameter) for every query parameter a screen reads."""
    monkeypatch.setattr(wsgi, "QueryDict", NotingQueryDict)
    found = []
    for url in urls.values():
        NotingQueryDict.noted = set()
        client.get(url)
        found += [(url.split("?")[0], key) for key in sorted(NotingQueryDict.noted)]
    monkeypatch.undo()
    return found


def id_targets(urls: dict[str, str]) -> list[tuple[str, str]]:
    """(name, kwarg) for every int path id of the screens."""
    found = []
    for name in urls:
        for pattern_name, route in staff_patterns():
            if pattern_name == name:
                found += [(name, kwarg) for kwarg in re.findall(r"<int:(\w+)>", route)]
    return found


@pytest.mark.parametrize("app", STAFF_APPS)
def test_no_staff_query_parameter_or_path_id_answers_500(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, app: str
) -> None:
    world = build_world(personas.municipality, personas.members)
    code = personas.municipality.code
    names = [name for name in staff_get_labels() if app_of(name) == app]
    urls = {name: staff_url(name, code, world) for name in names}
    client = personas.client("lead")
    queries = query_targets(client, urls, monkeypatch)
    ids = id_targets(urls)
    if app == "people":  # the discovery sees what a view and its forms read
        assert ("/m/232297/persons/", "q") in queries
    failures: list[str] = []

    @STAFF_FUZZ
    @given(data=st.data())
    def fuzz(data: st.DataObject) -> None:
        kinds = [k for k, found in (("query", queries), ("id", ids)) if found]
        if not kinds:
            return
        if data.draw(st.sampled_from(kinds)) == "query":
            url, key = data.draw(st.sampled_from(queries))
            value = data.draw(odd_strings)
            status = client.get(url, {key: value}).status_code
            where = f"{url}?{key}={value!r}"
        else:
            name, kwarg = data.draw(st.sampled_from(ids))
            kwargs = _kwargs_of(urls[name], name)
            kwargs[kwarg] = data.draw(path_ids)
            url = reverse(name, kwargs=kwargs)
            status = client.get(url).status_code
            where = url
        if bad(status):
            failures.append(f"{where}: {status}")

    fuzz()
    assert not failures, "\n".join(sorted(set(failures)))


def _kwargs_of(url: str, name: str) -> dict[str, Any]:
    from django.urls import resolve

    return dict(resolve(url.split("?")[0]).kwargs)


# --- the API ----------------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    return api.get_openapi_schema(path_prefix="/api/v1")


def api_parameters() -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every parameter of every operation."""
    return [
        (method, path, parameter["in"], parameter["name"])
        for path, ops in _schema()["paths"].items()
        for method, op in ops.items()
        for parameter in op.get("parameters", [])
    ]


def write_operations() -> list[tuple[str, str, list[str]]]:
    """(method, path, the body's field names) of every operation that takes a JSON body."""
    found = []
    for path, ops in _schema()["paths"].items():
        for method, op in ops.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if body:
                fields = list(body.get("schema", {}).get("properties", {}))
                found.append((method, path, fields))
    return found


def fill(path: str, code: str, world: dict[str, Any], **override: object) -> str:
    values = {
        "code": code,
        "person_id": world["person"],
        "case_id": world["case"],
        "referral_id": world["referral"],
        "consultation_id": world["consultation"],
        "place_id": world["place"],
        "session_id": world["session"],
        "programme_id": world["programme"],
        "survey_id": world["survey"],
    }
    values.update(override)
    return path.format(**values)


def test_the_api_fuzz_sees_every_operation() -> None:
    paths = {path for path in _schema()["paths"] if "{" in path}
    assert {path for _, path, *_ in api_parameters() if "{" in path} == paths
    assert any(name == "offset" for *_, name in api_parameters())
    assert ("post", "/api/v1/m/{code}/persons") in {(m, p) for m, p, _ in write_operations()}


def test_no_api_parameter_answers_500(personas: Personas) -> None:
    world = build_world(personas.municipality, personas.members)
    code = personas.municipality.code
    client = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    parameters = [p for p in api_parameters() if not (p[2] == "path" and p[3] == "code")]
    failures: list[str] = []

    @API_FUZZ
    @given(parameter=st.sampled_from(parameters), data=st.data())
    def fuzz(parameter: tuple[str, str, str, str], data: st.DataObject) -> None:
        method, path, where, name = parameter
        if where == "path":
            url = fill(path, code, world, **{name: data.draw(path_ids)})
            query: dict[str, str] = {}
        else:
            url = fill(path, code, world)
            query = {name: data.draw(odd_strings)}
        if method == "get":
            status = client.get(url, query).status_code
        else:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
            send = getattr(client, method)
            status = send(url, "{}", content_type="application/json").status_code
        if bad(status):
            failures.append(f"{method.upper()} {url} {query!r}: {status}")

    fuzz()
    assert not failures, "\n".join(sorted(set(failures)))


def test_no_api_body_answers_500(personas: Personas) -> None:
    world = build_world(personas.municipality, personas.members)
    code = personas.municipality.code
    client = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    failures: list[str] = []

    @API_FUZZ
    @given(operation=st.sampled_from(write_operations()), data=st.data())
    def fuzz(operation: tuple[str, str, list[str]], data: st.DataObject) -> None:
        method, path, fields = operation
        # bool(): with `fields` (a list) on the left, mypy would infer the draw as a list.
        if bool(fields) and data.draw(st.booleans()):
            body: object = data.draw(
                st.fixed_dictionaries({}, optional={f: json_values for f in fields})
            )
        else:
            body = data.draw(json_values)
        url = fill(path, code, world)
        send = getattr(client, method)
        status = send(url, json.dumps(body), content_type="application/json").status_code
        if bad(status):
            failures.append(f"{method.upper()} {url} {body!r}: {status}")

    fuzz()
    assert not failures, "\n".join(sorted(set(failures)))


@pytest.mark.parametrize("depth", [1000, 100_000])
@pytest.mark.parametrize("shape", ["[", '{"a":'])
def test_a_deeply_nested_body_is_refused_not_a_server_error(
    personas: Personas, depth: int, shape: str
) -> None:
    client = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    closing = "]" if shape == "[" else "}"
    body = shape * depth + "1" + closing * depth
    response = client.post(
        f"/api/v1/m/{personas.municipality.code}/persons", body, content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert response.json()["errors"]
