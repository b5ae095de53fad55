"""/accounts/: Tsunagu's log-in page in front of django-allauth (log-out, second factor)."""

from allauth.account.views import logout
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path

from tsunagu.accounts import views


def not_offered(request: HttpRequest) -> HttpResponse:
    # Staff have no e-mail here: no sign-up, no e-mail management, no reset by e-mail
    # (an admin sets a new password).
    raise Http404


urlpatterns = [
    path("login/", views.login, name="login"),
    path("login/", views.login, name="account_login"),
    path("logout/", logout, name="logout"),
    path("signup/", not_offered),
    path("email/", not_offered),
    path("password/reset/", not_offered),
    path("", include("allauth.urls")),
]
