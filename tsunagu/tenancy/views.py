"""Staff screens of a municipality's admin: its organizations and members."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.accounts.mfa import has_authenticator
from tsunagu.tenancy import selectors, services
from tsunagu.tenancy.access import membership_for_admin, organization_for_admin
from tsunagu.tenancy.forms import (
    MembershipCreateForm,
    MembershipUpdateForm,
    OrganizationForm,
    validation_error_to_form,
)
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import MANAGE_MUNICIPALITY, require_permission
from tsunagu.tenancy.requests import StaffRequest


def organization_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require_permission(member, MANAGE_MUNICIPALITY)
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_save(
                municipality=member.municipality, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added %(name)s.") % {"name": organization.name})
            return redirect("staff:organization_list", code=code)
    organizations = selectors.organization_list(municipality=member.municipality)
    return render(
        request, "tenancy/organization_list.html", {"organizations": organizations, "form": form}
    )


def organization_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    organization = organization_for_admin(membership=member, pk=pk)
    initial = {
        "name": organization.name,
        "kind": organization.kind,
        "is_contractor": organization.is_contractor,
    }
    form = OrganizationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_save(
                municipality=member.municipality, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": organization.name})
            return redirect("staff:organization_list", code=code)
    return render(
        request, "tenancy/organization_edit.html", {"organization": organization, "form": form}
    )


def membership_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require_permission(member, MANAGE_MUNICIPALITY)
    form = MembershipCreateForm(request.POST or None, municipality=member.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.membership_create(
                municipality=member.municipality, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added %(user)s.") % {"user": created.user.username})
            return redirect("staff:membership_list", code=code)
    memberships = selectors.membership_list(municipality=member.municipality)
    return render(
        request, "tenancy/membership_list.html", {"memberships": memberships, "form": form}
    )


def membership_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    target = membership_for_admin(membership=member, pk=pk)
    initial = {
        "role": target.role,
        "organization": target.organization_id,
        "is_active": target.is_active,
    }
    form = MembershipUpdateForm(
        request.POST or None, initial=initial, municipality=member.municipality
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(actor=member, membership=target, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved %(user)s.") % {"user": target.user})
            return redirect("staff:membership_list", code=code)
    return render(
        request,
        "tenancy/membership_edit.html",
        {"target": target, "form": form, "has_mfa": has_authenticator(target.user)},
    )


def _shared_account_refused(request: StaffRequest, code: str, target: Membership) -> HttpResponse:
    messages.error(
        request,
        _(
            "%(user)s also works for another municipality, so their password and two-factor"
            " authentication cannot be reset from here. Ask the Tsunagu operator."
        )
        % {"user": target.user},
    )
    return redirect(
        "staff:membership_edit", code=request.membership.municipality.code, pk=target.pk
    )


@require_http_methods(["GET", "POST"])
def membership_password_reset(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Ask first; on POST end the password and show a one-time link to set a new one, once."""
    member = request.membership
    target = membership_for_admin(membership=member, pk=pk)
    if request.method != "POST":
        return render(request, "tenancy/membership_password_reset.html", {"target": target})
    try:
        path = services.membership_password_reset(actor=member, membership=target)
    except PermissionDenied:
        return _shared_account_refused(request, code, target)
    response = render(
        request,
        "tenancy/membership_password_reset.html",
        {"target": target, "link": request.build_absolute_uri(path)},
    )
    add_never_cache_headers(response)  # the link is shown once and kept nowhere
    return response


@require_http_methods(["GET", "POST"])
def membership_mfa_reset(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Ask first; on POST delete the member's second factors."""
    member = request.membership
    target = membership_for_admin(membership=member, pk=pk)
    if request.method != "POST":
        return render(
            request,
            "tenancy/membership_mfa_reset.html",
            {"target": target, "has_mfa": has_authenticator(target.user)},
        )
    try:
        services.membership_mfa_reset(actor=member, membership=target)
    except PermissionDenied:
        return _shared_account_refused(request, code, target)
    messages.success(
        request,
        _("Reset two-factor authentication of %(user)s: they set it up again at their next log-in.")
        % {"user": target.user},
    )
    return redirect("staff:membership_edit", code=code, pk=target.pk)
