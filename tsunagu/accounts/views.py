"""Where a user lands: their municipality, or a choice when they belong to several."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from tsunagu.tenancy.selectors import membership_list_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    memberships = membership_list_for_user(user=request.user)  # type: ignore[arg-type]
    if len(memberships) == 1:
        return redirect("staff:home", code=memberships[0].municipality.code)
    return render(request, "accounts/choose_municipality.html", {"memberships": memberships})
