"""Personas for every role in one municipality, and an outsider municipality."""

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tsunagu.accounts.models import User
from tsunagu.accounts.services import api_token_create
from tsunagu.places import services as place_services
from tsunagu.places.models import Place
from tsunagu.tenancy.codes import OrganizationKind, Role
from tsunagu.tenancy.models import Membership, Municipality, Organization

CHROMIUM = "/usr/bin/chromium"


def _is_postgres() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = []
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            raise pytest.UsageError(f"CI needs {CHROMIUM} (apt-get install -y chromium)")
        missing.append(("browser", f"Chromium not found at {CHROMIUM}"))
    if not _is_postgres():
        missing.append(("postgres", "DATABASE_URL is not PostgreSQL"))
    for marker, reason in missing:
        skipped = [item for item in items if marker in item.keywords]
        for item in skipped:
            item.add_marker(pytest.mark.skip(reason=reason))
        if skipped:
            print(f"\n{reason}: skipping {len(skipped)} {marker} test(s).")


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: SettingsWrapper) -> None:
    # Argon2 is deliberately slow; tests that check hashing put it back themselves.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, settings: SettingsWrapper) -> None:
    settings.DATA_DIR = tmp_path


def make_municipality(code: str, name: str, prefecture: str) -> Municipality:
    return Municipality.objects.create(
        code=code,
        name=name,
        prefecture=prefecture,
        population=50000,
        population_as_of=date(2018, 10, 1),
    )


@dataclass
class Personas:
    """One member per role of `municipality`, and members of `outsider`."""

    municipality: Municipality
    outsider: Municipality
    members: dict[str, Membership] = field(default_factory=dict)
    outsiders: dict[str, Membership] = field(default_factory=dict)

    def client(self, role: str, *, outsider: bool = False) -> Client:
        """A client logged in as after a full log-in: password, then a second factor."""
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        from tsunagu.accounts.mfa import mark_enrolled_session

        member = (self.outsiders if outsider else self.members)[role]
        if not Authenticator.objects.filter(user=member.user, type=Authenticator.Type.TOTP):
            TOTP.activate(member.user, generate_totp_secret())
        client = Client()
        client.force_login(member.user)
        session = client.session
        mark_enrolled_session(session)
        session.save()
        return client

    def token(self, role: str, *, outsider: bool = False) -> str:
        member = (self.outsiders if outsider else self.members)[role]
        return api_token_create(membership=member)[1]

    def url(self, path: str = "", *, outsider: bool = False) -> str:
        code = (self.outsider if outsider else self.municipality).code
        return f"/m/{code}/{path}"


def _populate(municipality: Municipality, prefix: str) -> dict[str, Membership]:
    org = Organization.objects.create(
        municipality=municipality,
        name=f"{municipality.name}社会福祉協議会",
        kind=OrganizationKind.WELFARE_COUNCIL,
        is_contractor=True,
    )
    members = {}
    for role in Role:
        user = User.objects.create_user(
            username=f"{prefix}-{role.value}", password="correct horse battery staple"
        )
        members[role.value] = Membership.objects.create(
            municipality=municipality, user=user, role=role.value, organization=org
        )
    return members


@pytest.fixture
def personas(db: None) -> Personas:
    with scopes_disabled():
        toyoake = make_municipality("232297", "豊明市", "愛知県")
        miyoshi = make_municipality("362085", "三好市", "徳島県")
        personas = Personas(municipality=toyoake, outsider=miyoshi)
        personas.members = _populate(toyoake, "toyoake")
        personas.outsiders = _populate(miyoshi, "miyoshi")
    return personas


@pytest.fixture(scope="session")
def chromium_path() -> str:
    assert shutil.which(CHROMIUM) or os.path.exists(CHROMIUM)
    return CHROMIUM


@pytest.fixture
def make_place(personas: Personas) -> Callable[..., Place]:
    """Places the way the staff screens create them (places, public pages and their tests)."""

    def make(
        rrule: str = "FREQ=WEEKLY;BYDAY=WE",
        *,
        start: time = time(10),
        end: time = time(15),
        holidays: str = "skip",
        municipality: Municipality | None = None,
        staff: tuple[Membership, ...] = (),
        **fields: Any,
    ) -> Place:
        m = municipality or personas.municipality
        fields.setdefault("name", "フリースペース")
        fields.setdefault("kind", "person")
        with scope(municipality=m):
            return place_services.place_create(
                actor=None,
                municipality_id=m.pk,
                rules=[place_services.RuleIn(rrule, start, end, holidays)],
                staff=list(staff),
                **fields,
            )

    return make
