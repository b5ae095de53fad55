"""Requests as Tsunagu's middleware leaves them, typed, so views need no `type: ignore`.

Django types a view's request as `HttpRequest`; Tsunagu's staff URLs (/m/<code>/) always pass
through the tenancy middleware, which sets the municipality and the member's membership, and
API operations through the bearer-token auth, which sets `auth` to the membership. Views and
operations say so in their signature: `request: StaffRequest` or `request: ApiRequest`.
"""

from django.http import HttpRequest

from tsunagu.tenancy.models import Membership, Municipality


class StaffRequest(HttpRequest):
    """A request under /m/<code>/: the tenancy middleware has set both attributes."""

    municipality: Municipality
    membership: Membership


class ApiRequest(HttpRequest):
    """An API request: the token auth has set `auth` (the membership) and the municipality."""

    auth: Membership
    municipality: Municipality
