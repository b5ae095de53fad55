"""Template context: the current municipality, membership and what the role may reach."""

from django.http import HttpRequest

from tsunagu.tenancy.policy import PERMISSIONS


def membership(request: HttpRequest) -> dict[str, object]:
    member = getattr(request, "membership", None)
    perms = PERMISSIONS.get(member.role, frozenset()) if member else frozenset()
    return {
        "municipality": getattr(request, "municipality", None),
        "membership": member,
        "role_permissions": perms,
    }
