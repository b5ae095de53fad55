"""Bearer-token authentication and the per-municipality door of the API."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from auditlog.context import set_actor
from django.http import Http404, HttpRequest
from django_scopes import scope
from ninja.security import HttpBearer

from tsunagu.accounts.services import api_token_authenticate
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import require_permission


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        membership = api_token_authenticate(token=token)
        if membership is not None:
            request.membership = membership  # type: ignore[attr-defined]
            request.municipality = membership.municipality  # type: ignore[attr-defined]
        return membership


P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def municipality_scope(
    request: HttpRequest, code: str, permission: str | None
) -> Iterator[Membership]:
    """Enter the caller's municipality: 404 for any other code, 403 for a role that may not."""
    membership: Membership = request.auth  # type: ignore[attr-defined]
    if membership.municipality.code != code:
        raise Http404
    if permission is not None:
        require_permission(membership, permission)
    # The change history names the token's user as the actor of every write through the API.
    with scope(municipality=membership.municipality), set_actor(membership.user):
        yield membership


def in_municipality(permission: str | None) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate an operation under /m/{code}/ so it runs inside the caller's municipality."""

    def decorator(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            request: Any = args[0]
            with municipality_scope(request, str(kwargs["code"]), permission):
                return func(*args, **kwargs)

        return wrapper

    return decorator
