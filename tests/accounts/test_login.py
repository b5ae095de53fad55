from django.test import Client
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, log_in, totp_code
from tsunagu.accounts.models import User


def test_the_login_page_is_in_japanese_by_default(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert 'lang="ja"' in page
    assert "ログイン" in page


def test_the_login_page_switches_to_english(db: None) -> None:
    client = Client()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page


def test_a_counselor_logs_in_with_a_code_and_lands_on_the_municipality(personas: Personas) -> None:
    secret = enrol_totp(personas.members["counselor"].user)
    client = Client()
    response = log_in(client, "toyoake-counselor")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}, follow=True)
    assert response.redirect_chain[-1][0] == "/m/232297/"
    assert "豊明市" in response.content.decode()


def test_a_counselor_without_a_second_factor_is_sent_to_set_one_up(personas: Personas) -> None:
    response = log_in(Client(), "toyoake-counselor", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/2fa/"
    assert 'href="/accounts/2fa/totp/activate/"' in response.content.decode()


def test_the_login_form_keeps_its_field_ids(db: None) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert 'id="id_username"' in page and 'name="username"' in page
    assert 'id="id_password"' in page and 'name="password"' in page


def test_a_wrong_password_says_so_in_japanese(personas: Personas) -> None:
    response = Client().post(
        "/accounts/login/", {"username": "toyoake-counselor", "password": "nope"}
    )
    assert response.status_code == 200
    assert "パスワード" in response.content.decode()
    assert "_auth_user_id" not in response.client.session


def test_logging_out_ends_the_session(personas: Personas) -> None:
    client = personas.client("counselor")
    client.post("/accounts/logout/")
    assert client.get(personas.url()).status_code == 302


def test_passwords_are_stored_with_argon2(db: None, settings: SettingsWrapper) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create_user(username="a", password="long enough passphrase")
    assert user.password.startswith("argon2")
