from datetime import timedelta
from typing import TYPE_CHECKING

from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.accounts.models import ApiToken
from tsunagu.accounts.services import api_token_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def get(path: str, token: str | None = None) -> "_MonkeyPatchedWSGIResponse":
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client().get(path, headers=headers)


def test_it_lists_the_callers_municipality(personas: Personas) -> None:
    response = get("/api/v1/municipalities", personas.token("counselor"))
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "232297",
            "name": "豊明市",
            "prefecture": "愛知県",
            "population": 50000,
            "population_as_of": "2018-10-01",
        }
    ]


def test_it_answers_401_in_the_contract_format_without_a_token(personas: Personas) -> None:
    response = get("/api/v1/municipalities")
    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    assert response["WWW-Authenticate"] == "Bearer"


def test_it_answers_401_for_an_unknown_token(personas: Personas) -> None:
    assert get("/api/v1/municipalities", "tsn_not-a-real-token").status_code == 401


def test_an_expired_or_revoked_token_answers_401(personas: Personas) -> None:
    api_token, token = api_token_create(membership=personas.members["lead"])
    with scopes_disabled():
        ApiToken.objects.filter(pk=api_token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    assert get("/api/v1/municipalities", token).status_code == 401
    api_token, token = api_token_create(membership=personas.members["lead"])
    with scopes_disabled():
        ApiToken.objects.filter(pk=api_token.pk).update(revoked_at=timezone.now())
    assert get("/api/v1/municipalities", token).status_code == 401


def test_a_token_of_a_disabled_membership_answers_401(personas: Personas) -> None:
    token = personas.token("lead")
    member = personas.members["lead"]
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert get("/api/v1/municipalities", token).status_code == 401


def test_an_outsiders_token_sees_only_its_own_municipality(personas: Personas) -> None:
    response = get("/api/v1/municipalities", personas.token("admin", outsider=True))
    assert [m["code"] for m in response.json()] == ["362085"]


def test_the_openapi_schema_and_docs_are_served_locally(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json")
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Tsunagu API"
    docs = Client().get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in docs
    assert "cdn" not in docs.lower()
