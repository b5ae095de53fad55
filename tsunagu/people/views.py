"""Staff screens of persons: search as you type, a person's page, forms for person and family."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.models import AccessAction
from tsunagu.core.paging import CappedPaginator
from tsunagu.people import selectors, services
from tsunagu.people.access import (
    family_member_for_editor,
    person_for_editor,
    person_for_viewer,
)
from tsunagu.people.codes import Background, GuidelineAxis
from tsunagu.people.forms import ConsentForm, FamilyMemberForm, PersonForm
from tsunagu.people.models import Person
from tsunagu.policy import can, require, shown
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.policy import EDIT_PERSONS, VIEW_PERSONS
from tsunagu.tenancy.requests import StaffRequest

PAGE_SIZE = 50


def person_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_PERSONS)
    query = request.GET.get("q", "").strip()[:100]
    persons = selectors.person_search(viewer=member, query=query)
    persons = persons.only(*selectors.PERSON_LIST_FIELDS)
    page = CappedPaginator(persons, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    persons_shown = selectors.with_age_bands(list(page.object_list), today)
    shown(
        member,
        Person,
        persons_shown,
        action=AccessAction.SEARCH if query else AccessAction.LIST,
    )
    context = {"persons": persons_shown, "page": page, "query": query}
    # htmx asks for the results only, while the searcher is still typing.
    htmx = request.htmx  # type: ignore[attr-defined]
    partial = bool(htmx) and not htmx.history_restore_request
    template = "people/_person_results.html" if partial else "people/person_list.html"
    return render(request, template, context)


def person_create(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, EDIT_PERSONS)
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.person_create(
                actor=member, municipality=member.municipality, **form.person_fields()
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Registered person No.%(n)s.") % {"n": person.number})
            duplicates = selectors.possible_duplicates(viewer=member, person=person)
            if duplicates:
                shown(member, Person, duplicates)
                messages.warning(
                    request,
                    _("This may be a person already registered: %(numbers)s.")
                    % {"numbers": "、".join(f"No.{p.number}" for p in duplicates)},
                )
            return redirect("staff:person_detail", code=code, pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


def person_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_viewer(membership=member, pk=pk)
    page = selectors.person_page(viewer=member, person=person)
    today = timezone.localdate()
    months = person.withdrawal_months_on(today)
    can_edit = can(member, EDIT_PERSONS)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "page": page,
            "today": today,
            "age_band": selectors.age_band_label(person, today),
            "withdrawal_years": months // 12 if months is not None else None,
            "withdrawal_months": months % 12 if months is not None else None,
            "family_form": FamilyMemberForm(),
            "consents": selectors.consents_of(person, today),
            "can_edit": can_edit,
            "consent_form": ConsentForm(municipality=member.municipality) if can_edit else None,
            "backgrounds": Background.choices,
            "axes": [
                (axis.label, (person.guideline_axes or {})[axis.value])
                for axis in GuidelineAxis
                if (person.guideline_axes or {}).get(axis.value)
            ],
        },
    )


def person_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_editor(membership=member, pk=pk)
    form = PersonForm(request.POST or None, initial=PersonForm.initial_for(person))
    if request.method == "POST" and form.is_valid():
        try:
            services.person_update(actor=member, person=person, **form.person_fields())
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved person No.%(n)s.") % {"n": person.number})
            return redirect("staff:person_detail", code=code, pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


def family_member_add(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_editor(membership=member, pk=pk)
    form = FamilyMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.family_member_create(actor=member, person=person, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added a family member or contact."))
            return redirect("staff:person_detail", code=code, pk=person.pk)
    return render(
        request, "people/family_member_form.html", {"form": form, "person": person, "family": None}
    )


def family_member_edit(request: StaffRequest, code: str, pk: int, family_pk: int) -> HttpResponse:
    member = request.membership
    family = family_member_for_editor(membership=member, person_pk=pk, pk=family_pk)
    person = family.person
    form = FamilyMemberForm(request.POST or None, initial=FamilyMemberForm.initial_for(family))
    if request.method == "POST" and form.is_valid():
        try:
            services.family_member_update(actor=member, member=family, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the family member or contact."))
            return redirect("staff:person_detail", code=code, pk=person.pk)
    return render(
        request,
        "people/family_member_form.html",
        {"form": form, "person": person, "family": family},
    )
