from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.people.models import Person

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

NEVER_PERSONS = ["admin", "place_staff", "committee"]


def call(method: str, path: str, token: str, **kwargs: Any) -> "_MonkeyPatchedWSGIResponse":
    headers = {"Authorization": f"Bearer {token}"}
    if "json" in kwargs:
        kwargs["data"] = kwargs.pop("json")
        kwargs["content_type"] = "application/json"
    response: _MonkeyPatchedWSGIResponse = getattr(Client(), method)(
        path, headers=headers, **kwargs
    )
    return response


def url(personas: Personas, path: str = "", outsider: bool = False) -> str:
    code = (personas.outsider if outsider else personas.municipality).code
    return f"/api/v1/m/{code}/persons{path}"


def _log() -> list[AccessLogEntry]:
    with scopes_disabled():
        return list(AccessLogEntry.objects.order_by("seq"))


@pytest.mark.parametrize("role", NEVER_PERSONS)
def test_roles_without_person_data_get_403_on_every_operation(
    personas: Personas, yamada: Person, role: str
) -> None:
    token = personas.token(role)
    assert call("get", url(personas), token).status_code == 403
    assert call("get", url(personas, f"/{yamada.pk}"), token).status_code == 403
    assert call("post", url(personas), token, json={}).status_code == 403
    assert call("patch", url(personas, f"/{yamada.pk}"), token, json={}).status_code == 403


@pytest.mark.parametrize("role", ["professional", "partner"])
def test_viewing_roles_may_read_but_not_write(
    personas: Personas, yamada: Person, role: str
) -> None:
    token = personas.token(role)
    assert call("get", url(personas), token).status_code == 200
    assert call("post", url(personas), token, json={}).status_code == 403
    assert call("patch", url(personas, f"/{yamada.pk}"), token, json={}).status_code == 403


@pytest.mark.parametrize("role", ["lead", "counselor", "professional", "partner"])
def test_another_municipality_answers_404_on_every_operation(personas: Personas, role: str) -> None:
    foreign = make_person(personas.outsider, name="三好")
    token = personas.token(role)
    assert call("get", url(personas, outsider=True), token).status_code == 404
    assert call("get", url(personas, f"/{foreign.pk}", outsider=True), token).status_code == 404
    assert call("post", url(personas, outsider=True), token, json={}).status_code == 404
    path = url(personas, f"/{foreign.pk}", outsider=True)
    assert call("patch", path, token, json={"name": "x"}).status_code == 404
    # Another municipality's person through one's own municipality: outside sight, 404.
    assert call("get", url(personas, f"/{foreign.pk}"), token).status_code == 404


def test_it_lists_with_limit_offset_and_count(personas: Personas) -> None:
    for name in ("山田", "佐藤", "鈴木"):
        make_person(personas.municipality, name=name)
    body = call("get", url(personas), personas.token("lead"), data={"limit": 2, "offset": 1}).json()
    assert body["count"] == 3
    assert [p["number"] for p in body["items"]] == [2, 1]


def test_it_searches_with_q_in_any_script(personas: Personas, yamada: Person) -> None:
    make_person(personas.municipality, name="佐藤")
    body = call("get", url(personas), personas.token("counselor"), data={"q": "ﾔﾏﾀﾞ"}).json()
    assert [p["id"] for p in body["items"]] == [yamada.pk] and body["count"] == 1


def test_a_bad_limit_is_refused_with_the_field_named(personas: Personas) -> None:
    response = call("get", url(personas), personas.token("lead"), data={"limit": 5000})
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["limit"]


def test_reads_are_written_to_the_access_log_as_api(personas: Personas, yamada: Person) -> None:
    token = personas.token("counselor")
    call("get", url(personas), token)
    call("get", url(personas, f"/{yamada.pk}"), token)
    listed, viewed = _log()[-2:]
    assert (listed.action, listed.channel) == ("list", "api")
    assert (viewed.action, viewed.channel) == ("view", "api")
    assert viewed.objects_seen == [{"type": "person", "id": yamada.pk, "basis": "assignment"}]


def test_it_creates_a_person_with_the_next_number(personas: Personas, yamada: Person) -> None:
    response = call(
        "post",
        url(personas),
        personas.token("counselor"),
        json={
            "name": "髙橋",
            "gender": "female",
            "backgrounds": ["dropout"],
            "guideline_axes": {"environment": "祖母と同居"},
            "withdrawal_since_year": 2019,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["number"] == yamada.number + 1
    assert body["backgrounds"] == ["dropout"]
    assert body["guideline_axes"] == {"environment": "祖母と同居"}
    with scope(municipality=personas.municipality):
        assert Person.objects.get(pk=body["id"]).name_key == "高橋"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"gender": "robot"}, "gender"),
        ({"withdrawal_since_month": 13}, "withdrawal_since_month"),
        ({"backgrounds": ["bored"]}, "backgrounds.0"),
        ({"guideline_axes": {"horoscope": "x"}}, "guideline_axes.horoscope.[key]"),
        ({"birth_date": "not a date"}, "birth_date"),
    ],
)
def test_bad_input_is_refused_with_422_naming_the_field(
    personas: Personas, payload: dict[str, Any], field: str
) -> None:
    response = call("post", url(personas), personas.token("counselor"), json=payload)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] and field in [e["field"] for e in body["errors"]]
    with scope(municipality=personas.municipality):
        assert not Person.objects.exists()


def test_a_patch_changes_only_what_it_names(personas: Personas, yamada: Person) -> None:
    response = call(
        "patch",
        url(personas, f"/{yamada.pk}"),
        personas.token("counselor"),
        json={"district": "二村台"},
    )
    assert response.status_code == 200
    yamada.refresh_from_db()
    assert yamada.district == "二村台" and yamada.name == "山田太郎"


def test_a_person_outside_sight_answers_404(personas: Personas) -> None:
    hidden = make_person(personas.municipality, name="秘匿")
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    for role in ("counselor", "professional", "partner"):
        token = personas.token(role)
        assert call("get", url(personas, f"/{hidden.pk}"), token).status_code == 404
    patch = call("patch", url(personas, f"/{hidden.pk}"), personas.token("counselor"), json={})
    assert patch.status_code == 404
