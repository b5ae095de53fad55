"""The admin's retention screen: the municipality's policy, what is due, what was deleted."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.policy import require
from tsunagu.retention import selectors, services
from tsunagu.retention.forms import RetentionPolicyForm
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.policy import MANAGE_MUNICIPALITY
from tsunagu.tenancy.requests import StaffRequest


def retention(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_MUNICIPALITY)
    municipality = member.municipality
    years = selectors.retention_years(municipality=municipality)
    form = RetentionPolicyForm(request.POST or None, initial={"years": years})
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_policy_set(actor=member, years=form.cleaned_data["years"])
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the retention period."))
            return redirect("staff:retention", code=code)
    # Counts only: the admin manages the municipality and sees no person.
    due = selectors.retention_due(municipality=municipality, today=timezone.localdate())
    context = {
        "form": form,
        "years": years,
        "due": due,
        "counts": due.counts(),
        "records": selectors.deletion_records(municipality=municipality),
    }
    return render(request, "retention/retention.html", context)
