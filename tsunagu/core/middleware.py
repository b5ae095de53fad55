"""`Cache-Control: no-store` on every answer to a logged-in user and on the API."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    """Pages, API answers and exports with personal data are never kept by a browser's cache
    (a shared office PC, the back button after log-out) or by a proxy. Every page a logged-in
    user sees may carry personal data, so the rule is that simple."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            patch_cache_control(response, no_store=True, private=True)
        return response
