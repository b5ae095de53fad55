"""Where a user lands, the log-in page, and the lead's or admin's list of lockouts."""

from allauth.account.views import LoginView as AllauthLoginView
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.accounts import services
from tsunagu.accounts.lockout import lockout_get, lockout_list
from tsunagu.tenancy.policy import UNLOCK_ACCOUNTS, require_permission
from tsunagu.tenancy.requests import StaffRequest
from tsunagu.tenancy.selectors import membership_list_for_user


@login_required
def home(request: StaffRequest) -> HttpResponse:
    memberships = membership_list_for_user(user=request.user)  # type: ignore[arg-type]
    if len(memberships) == 1:
        return redirect("staff:home", code=memberships[0].municipality.code)
    return render(request, "accounts/choose_municipality.html", {"memberships": memberships})


class LoginView(AllauthLoginView):  # type: ignore[misc]  # allauth ships no types
    """allauth's log-in (password, then the second factor) in Tsunagu's own page."""

    template_name = "accounts/login.html"


login = LoginView.as_view()


def lockouts(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require_permission(member, UNLOCK_ACCOUNTS)
    return render(
        request,
        "accounts/lockout_list.html",
        {"lockouts": lockout_list(municipality=member.municipality)},
    )


@require_POST
def lockout_unlock(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require_permission(member, UNLOCK_ACCOUNTS)
    lockout = lockout_get(
        municipality=member.municipality,
        username=request.POST.get("username", ""),
        ip_address=request.POST.get("ip_address", ""),
    )
    if lockout is None:
        # Someone else's lockout, or none: the same answer, so neither leaks.
        raise Http404
    services.lockout_release(actor=member, lockout=lockout)
    messages.success(request, _("Unlocked %(username)s.") % {"username": lockout.username})
    return redirect("staff:lockout_list", code=code)
