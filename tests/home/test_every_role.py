"""The home page opens for every role, in its own municipality."""

import pytest

from tests.conftest import Personas
from tsunagu.tenancy.codes import Role


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.SUPPORTER])
def test_every_role_sees_its_municipality_on_the_home_page(personas: Personas, role: str) -> None:
    response = personas.client(role).get(personas.url())
    assert response.status_code == 200
    assert "豊明市" in response.content.decode()


def test_a_supporters_home_is_their_own_dispatches(personas: Personas) -> None:
    response = personas.client("supporter").get(personas.url())
    assert response.status_code == 302
    assert response["Location"] == personas.url("supporters/mine/")
