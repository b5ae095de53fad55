"""Staff screens of a municipality: the home page and the admin's organizations and members."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.accounts.mfa import has_authenticator
from tsunagu.tenancy import selectors, services
from tsunagu.tenancy.access import membership_for_admin, organization_for_admin
from tsunagu.tenancy.forms import (
    MembershipCreateForm,
    MembershipUpdateForm,
    OrganizationForm,
    validation_error_to_form,
)
from tsunagu.tenancy.policy import (
    MANAGE_MUNICIPALITY,
    VIEW_PERSONS,
    has_permission,
    require_permission,
)


def home(request: HttpRequest, code: str) -> HttpResponse:
    """A member's morning: open risks on their cases, then follow-ups due; nothing else."""
    from tsunagu.audit.models import AccessAction
    from tsunagu.audit.services import access_record
    from tsunagu.cases.policy import seen_cases
    from tsunagu.cases.selectors import home_follow_ups, home_risk_flags
    from tsunagu.consultations.selectors import consultation_seen
    from tsunagu.network.selectors import home_referrals_awaiting_answer, my_action_items

    member = request.membership  # type: ignore[attr-defined]
    context: dict[str, object] = {
        "works_cases": has_permission(member, VIEW_PERSONS),
        # Any member may own an action item of a meeting (a committee member too).
        "action_items": my_action_items(member),
        "today": timezone.localdate(),
    }
    if context["works_cases"]:
        today = timezone.localdate()
        flags = home_risk_flags(viewer=member)
        follow_ups = home_follow_ups(viewer=member, today=today)
        context.update(
            today=today,
            risk_flags=flags,
            follow_ups=follow_ups,
            waiting_referrals=home_referrals_awaiting_answer(member),
        )
        seen = seen_cases(member, list({f.case_id: f.case for f in flags}.values()))
        seen += consultation_seen(member, follow_ups)
        if seen:
            # The home page names persons and their risks: a read like any list.
            access_record(membership=member, action=AccessAction.LIST, seen=seen, request=request)
    return render(request, "tenancy/home.html", context)


def organization_list(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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


def organization_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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


def membership_list(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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


def membership_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    target = membership_for_admin(membership=member, pk=pk)
    if request.method == "POST" and "reset_mfa" in request.POST:
        try:
            services.membership_mfa_reset(actor=member, membership=target)
        except PermissionDenied:
            messages.error(
                request,
                _(
                    "%(user)s also works for another municipality, so their two-factor"
                    " authentication cannot be reset from here. Ask the Tsunagu operator."
                )
                % {"user": target.user.username},
            )
            return redirect("staff:membership_edit", code=code, pk=target.pk)
        messages.success(
            request,
            _(
                "Reset two-factor authentication of %(user)s: they set it up again at their"
                " next log-in."
            )
            % {"user": target.user.username},
        )
        return redirect("staff:membership_edit", code=code, pk=target.pk)
    initial = {
        "role": target.role,
        "organization": target.organization_id,
        "is_active": target.is_active,
    }
    form = MembershipUpdateForm(
        request.POST or None, initial=initial, municipality=member.municipality
    )
    if request.method == "POST" and form.is_valid():
        if target.pk == member.pk and (
            form.cleaned_data["role"] != target.role or not form.cleaned_data["is_active"]
        ):
            form.add_error(None, _("You cannot change your own role or disable yourself."))
        else:
            services.membership_update(membership=target, **form.cleaned_data)
            messages.success(request, _("Saved %(user)s.") % {"user": target.user.username})
            return redirect("staff:membership_list", code=code)
    return render(
        request,
        "tenancy/membership_edit.html",
        {"target": target, "form": form, "has_mfa": has_authenticator(target.user)},
    )
