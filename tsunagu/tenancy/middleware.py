"""Resolve /m/<code>/ to the user's membership and run the whole request inside its scope."""

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django_scopes import scope

from tsunagu.tenancy.policy import page_open
from tsunagu.tenancy.selectors import membership_for


class MunicipalityScopeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = None  # type: ignore[attr-defined]
        request.membership = None  # type: ignore[attr-defined]
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        code = match.kwargs.get("code")
        if code is None or "staff" not in match.namespaces:
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = membership_for(user=request.user, code=code)
        if membership is None:
            # Same answer for "no such municipality" and "not yours": existence must not leak.
            raise Http404
        if not page_open(membership, match.url_name):
            # A supporter's login opens their own pages only; the rest do not exist for them.
            raise Http404
        municipality = membership.municipality
        request.municipality = municipality  # type: ignore[attr-defined]
        request.membership = membership  # type: ignore[attr-defined]
        # The response is rendered inside the scope too, so lazy querysets in templates work.
        with scope(municipality=municipality):
            response = self.get_response(request)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        return response
