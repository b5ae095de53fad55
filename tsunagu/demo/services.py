"""Load the demo idempotently: running it twice leaves one copy of everything."""

import os
import secrets
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.demo.casework import casework_load, reporting_groups_load
from tsunagu.demo.data import MUNICIPALITIES, ROLE_DISPLAY_NAMES, DemoMunicipality
from tsunagu.demo.network import meetings_load, network_load
from tsunagu.demo.places import places_load
from tsunagu.demo.public import public_page_load
from tsunagu.demo.supporters import supporters_load
from tsunagu.demo.surveys import surveys_load
from tsunagu.people.models import Person
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Municipality, Organization


@dataclass(frozen=True)
class DemoAccount:
    username: str
    municipality: str
    role: str


@dataclass(frozen=True)
class DemoCounts:
    municipality: str
    persons: int
    cases: int
    consultations: int


def demo_password() -> str:
    """TSUNAGU_DEMO_PASSWORD, else one generated once and kept in the data directory."""
    password = os.environ.get("TSUNAGU_DEMO_PASSWORD")
    if password:
        return password
    path = settings.DATA_DIR / "demo_password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(12))
        path.chmod(0o600)
    return path.read_text().strip()


class _DemoPassword:
    """The demo password, hashed once for all 32 accounts: argon2 is slow by design."""

    def __init__(self, password: str) -> None:
        self.password = password
        self._hashed = ""
        self._matches: dict[str, bool] = {}

    def hashed(self) -> str:
        if not self._hashed:
            self._hashed = make_password(self.password)
        return self._hashed

    def matches(self, user: User) -> bool:
        if user.password not in self._matches:
            self._matches[user.password] = check_password(self.password, user.password)
        return self._matches[user.password]


def _load_municipality(
    demo: DemoMunicipality, password: _DemoPassword, today: date
) -> list[DemoAccount]:
    municipality, _ = Municipality.objects.update_or_create(
        code=demo.code,
        defaults={
            "name": demo.name,
            "prefecture": demo.prefecture,
            "population": demo.population,
            "population_as_of": demo.population_as_of,
        },
    )
    organizations: dict[str, Organization] = {}
    for org in demo.organizations:
        organizations[org.name], _ = Organization.objects.update_or_create(
            municipality=municipality,
            name=org.name,
            defaults={"kind": org.kind, "is_contractor": org.is_contractor},
        )
    contractor = next(o.name for o in demo.organizations if o.is_contractor)
    accounts = []
    for role in Role:
        username = f"{demo.slug}-{role.value}"
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "display_name": ROLE_DISPLAY_NAMES[role.value].format(city=demo.name),
                "is_demo": True,
            },
        )
        if not user.is_demo:  # loaded before the flag existed
            user.is_demo = True
            user.save(update_fields=["is_demo"])
        if created or not password.matches(user):
            user.password = password.hashed()
            user.save(update_fields=["password"])
        Membership.objects.update_or_create(
            user=user,
            municipality=municipality,
            defaults={
                "role": role.value,
                "organization": organizations[demo.role_organization.get(role.value, contractor)],
                "is_active": True,
            },
        )
        accounts.append(DemoAccount(username, demo.name, role.value))
    reporting_groups_load(demo, municipality)
    casework_load(demo, municipality, today=today)
    network_load(demo, municipality, today=today)
    meetings_load(demo, municipality, today=today)
    places_load(demo.slug, municipality, today=today)
    supporters_load(demo, municipality, today)
    surveys_load(demo, municipality)
    public_page_load(demo.slug, municipality, today=today)
    return accounts


def demo_load() -> tuple[list[DemoAccount], str]:
    # The demo uses the real codes of the four cities and prints its password: on a real
    # deployment it would plant fictional people and known accounts into a real municipality.
    if settings.TSUNAGU_PRODUCTION:
        raise ImproperlyConfigured(
            "本番設定ではデモデータを読み込めません"
            " / the demo is refused under production settings."
        )
    password = demo_password()
    demo_password_hash = _DemoPassword(password)
    accounts: list[DemoAccount] = []
    # The recent activity is relative to the day of loading, so follow-ups fall due today.
    today = timezone.localdate()
    # Demo loading writes every municipality, so it runs outside any one scope.
    with scopes_disabled(), transaction.atomic():
        for demo in MUNICIPALITIES:
            accounts += _load_municipality(demo, demo_password_hash, today)
    return accounts, password


def demo_counts() -> list[DemoCounts]:
    """How much casework each demo municipality holds now."""
    counts = []
    with scopes_disabled():
        for demo in MUNICIPALITIES:
            municipality = Municipality.objects.filter(code=demo.code).first()
            if municipality is None:
                continue
            counts.append(
                DemoCounts(
                    demo.name,
                    Person.objects.filter(municipality=municipality).count(),
                    Case.objects.filter(municipality=municipality).count(),
                    Consultation.objects.filter(municipality=municipality).count(),
                )
            )
    return counts
