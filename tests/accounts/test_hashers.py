import argon2
from django.contrib.auth.hashers import make_password
from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.helpers import PASSWORD, log_in
from tsunagu.accounts.models import User

CHOSEN = "argon2$argon2id$v=19$m=19456,t=2,p=1$"
HASHERS = ["tsunagu.accounts.hashers.BudgetedArgon2PasswordHasher"]


def test_new_passwords_are_hashed_with_the_budgeted_argon2id_parameters(
    settings: SettingsWrapper,
) -> None:
    settings.PASSWORD_HASHERS = HASHERS
    assert make_password("long enough password").startswith(CHOSEN)


def test_a_hash_with_djangos_default_parameters_logs_in_and_is_rehashed(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.PASSWORD_HASHERS = HASHERS
    user = personas.members["counselor"].user
    default = argon2.PasswordHasher(time_cost=2, memory_cost=102_400, parallelism=8)
    User.objects.filter(pk=user.pk).update(password="argon2" + default.hash(PASSWORD))
    response = log_in(Client(), user.username)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(CHOSEN)
