"""Staff reach no page before enrolling a second factor, and then only after showing it."""

import logging

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.core.exceptions import PermissionDenied
from django.core.handlers.wsgi import WSGIRequest
from django.test import Client, RequestFactory

from tests.conftest import Personas
from tests.security.helpers import (
    enrol_totp,
    log_in,
    log_in_with_totp,
    recovery_codes,
    totp_code,
)
from tsunagu.accounts.models import User
from tsunagu.accounts.services import api_token_create_for_session


def logged_in_without_mfa(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_staff_page_sends_a_member_without_a_second_factor_to_enrolment(
    personas: Personas,
) -> None:
    client = logged_in_without_mfa(personas.members["counselor"].user)
    response = client.get(personas.url("cases/"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


def test_every_staff_page_and_the_home_page_are_closed_before_enrolment(personas: Personas) -> None:
    client = logged_in_without_mfa(personas.members["admin"].user)
    for path in ("/", personas.url(), personas.url("admin/members/")):
        assert client.get(path)["Location"] == "/accounts/2fa/", path


def test_an_htmx_request_without_a_second_factor_is_redirected_as_a_whole_page(
    personas: Personas,
) -> None:
    client = logged_in_without_mfa(personas.members["counselor"].user)
    response = client.get(personas.url(), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == "/accounts/2fa/"


def test_enrolment_pages_logout_and_language_stay_open_before_enrolment(personas: Personas) -> None:
    client = logged_in_without_mfa(personas.members["counselor"].user)
    assert client.get("/accounts/2fa/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


# Real transactions: allauth announces the new authenticator on commit, as in production.
@pytest.mark.django_db(transaction=True)
def test_a_member_enrols_an_app_sees_recovery_codes_then_works(personas: Personas) -> None:
    client = Client()
    assert log_in(client, "toyoake-counselor")["Location"] == "/"
    page = client.get("/accounts/2fa/totp/activate/")
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response["Location"] == "/accounts/2fa/recovery-codes/"
    user = personas.members["counselor"].user
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    shown = client.get("/accounts/2fa/recovery-codes/").content.decode()
    assert len(codes) == 10 and all(code in shown for code in codes)
    # Enrolling checked a code of the new app: no second question in this session.
    assert client.get(personas.url()).status_code == 200


def test_the_totp_secret_is_not_stored_in_the_clear(personas: Personas) -> None:
    user = personas.members["counselor"].user
    secret = enrol_totp(user)
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert secret not in stored


def test_after_enrolment_a_log_in_asks_for_the_code_before_any_page(personas: Personas) -> None:
    secret = enrol_totp(personas.members["counselor"].user)
    client = Client()
    response = log_in(client, "toyoake-counselor")
    assert response["Location"] == "/accounts/2fa/authenticate/"
    # The password alone logs nobody in.
    assert client.get(personas.url()).status_code == 302
    assert "_auth_user_id" not in client.session
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get(personas.url()).status_code == 200
    assert client.get(personas.url("cases/")).status_code == 200


def test_a_wrong_code_is_refused_and_logged_with_the_user_id_only(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    user = personas.members["counselor"].user
    enrol_totp(user)
    client = Client()
    log_in(client, "toyoake-counselor")
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert f"mfa code refused: user_id={user.pk}" in caplog.text


def test_a_recovery_code_logs_in_once(personas: Personas) -> None:
    user = personas.members["counselor"].user
    enrol_totp(user)
    code = recovery_codes(user)[0]
    client = Client()
    log_in(client, "toyoake-counselor")
    assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
    assert client.get(personas.url()).status_code == 200
    again = Client()
    log_in(again, "toyoake-counselor")
    assert again.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200
    assert "_auth_user_id" not in again.session


def test_a_session_that_never_showed_the_second_factor_is_asked_for_it(personas: Personas) -> None:
    user = personas.members["counselor"].user
    secret = enrol_totp(user)
    client = logged_in_without_mfa(user)
    response = client.get(personas.url("cases/"))
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/reauthenticate/?next=%2Fm%2F232297%2Fcases%2F"
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response["Location"] == "/m/232297/cases/"
    assert client.get(personas.url("cases/")).status_code == 200


def test_logging_in_twice_in_one_window_needs_a_fresh_code(personas: Personas) -> None:
    secret = enrol_totp(personas.members["counselor"].user)
    assert log_in_with_totp(Client(), "toyoake-counselor", secret).status_code == 302
    replay = Client()
    log_in(replay, "toyoake-counselor")
    assert (
        replay.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)}).status_code == 200
    )
    assert "_auth_user_id" not in replay.session


def test_the_api_takes_a_token_without_a_second_factor(personas: Personas) -> None:
    token = personas.token("counselor")
    response = Client().get("/api/v1/municipalities", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def _request_of(client: Client, user: User) -> WSGIRequest:
    request = RequestFactory().get("/")
    request.user = user
    request.session = client.session
    return request


def test_a_session_that_showed_its_second_factor_may_create_an_api_token(
    personas: Personas,
) -> None:
    member = personas.members["counselor"]
    request = _request_of(personas.client("counselor"), member.user)
    api_token, token = api_token_create_for_session(request=request, membership=member)
    assert token.startswith("tsn_") and api_token.membership == member


def test_a_session_without_a_second_factor_may_not_create_an_api_token(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    member = personas.members["counselor"]
    enrol_totp(member.user)
    request = _request_of(logged_in_without_mfa(member.user), member.user)
    with (
        caplog.at_level(logging.INFO, logger="tsunagu.security"),
        pytest.raises(PermissionDenied),
    ):
        api_token_create_for_session(request=request, membership=member)
    assert f"token refused: user_id={member.user.pk}" in caplog.text


def test_nobody_creates_a_token_for_someone_else(personas: Personas) -> None:
    lead = personas.members["lead"]
    request = _request_of(personas.client("lead"), lead.user)
    with pytest.raises(PermissionDenied):
        api_token_create_for_session(request=request, membership=personas.members["counselor"])
