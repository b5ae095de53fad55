"""The public side: a municipality with published and private places and programmes."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from django_scopes import scope
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.places.models import Place
from tsunagu.programmes import services as programme_services
from tsunagu.programmes.models import Programme
from tsunagu.public import services, throttle


@dataclass
class PublicWorld:
    public_place: Place
    private_place: Place
    lecture: Programme
    private_programme: Programme


@pytest.fixture(autouse=True)
def no_minimum_fill_time(settings: SettingsWrapper, db: None) -> None:
    """Forms are posted at once by tests; the test of the minimum time sets it back."""
    settings.TSUNAGU_PUBLIC_FORM_MIN_SECONDS = 0
    cache.clear()


@pytest.fixture
def public_world(personas: Personas, make_place: Callable[..., Place]) -> PublicWorld:
    m = personas.municipality
    lead = personas.members["lead"]
    soon = timezone.localdate() + timedelta(days=10)
    public_place = make_place(
        "FREQ=WEEKLY;BYDAY=TU",
        start=time(13),
        end=time(16),
        holidays="keep",
        name="ほっとスペース",
        access="free",
        public=True,
    )
    private_place = make_place(
        "FREQ=WEEKLY;BYDAY=WE",
        start=time(13),
        end=time(16),
        holidays="keep",
        name="非公開の部屋",
        access="free",
        public=False,
    )
    with scope(municipality=m):
        services.page_save(
            actor=lead,
            center_name="ひきこもり相談窓口",
            hours="平日 8:30〜17:15",
            phone="0562-92-1111",
            address="豊明市新田町子持松1-1",
        )
        lecture = programme_services.programme_create(
            actor=lead,
            municipality_id=m.pk,
            name="家族のつどい",
            kind="family_group",
            capacity=2,
            public=True,
            place=public_place,
            meetings=[programme_services.MeetingIn(soon, time(14), time(16))],
        )
        private_programme = programme_services.programme_create(
            actor=lead,
            municipality_id=m.pk,
            name="内部研修",
            kind="training",
            public=False,
            meetings=[programme_services.MeetingIn(soon, time(10), time(12))],
        )
    return PublicWorld(public_place, private_place, lecture, private_programme)


def inquiry_data(**overrides: str) -> dict[str, str]:
    data = {
        "writer": "family",
        "about": "family",
        "text": "息子が3年ほど部屋から出てきません。",
        "reply_by": "email",
        "reply_to": "kazoku@example.jp",
        "website": "",
        "form_token": throttle.form_token(),
    }
    data.update(overrides)
    return data
