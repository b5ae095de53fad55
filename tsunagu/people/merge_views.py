"""Staff screens of duplicates: the likely duplicates, merging two persons, undoing a merge."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.core.forms import StyledForm
from tsunagu.core.ids import parse_id
from tsunagu.people import selectors, services
from tsunagu.people.models import Person
from tsunagu.policy import one, require, shown
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import MERGE_PERSONS
from tsunagu.tenancy.requests import StaffRequest


def _member(request: StaffRequest) -> Membership:
    return request.membership


class PersonMergeForm(StyledForm):
    survivor = forms.ChoiceField(
        label=gettext_lazy("Keep this record"), widget=forms.RadioSelect, choices=[]
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=500,
        error_messages={"required": gettext_lazy("Say why the two records are one person.")},
    )
    allow_two_open_cases = forms.BooleanField(
        label=gettext_lazy("Both have an open case: the person keeps both (say why above)"),
        required=False,
    )

    def __init__(self, *args: object, pair: tuple[Person, Person], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        survivor = self.fields["survivor"]
        assert isinstance(survivor, forms.ChoiceField)
        survivor.choices = [(str(p.pk), f"No.{p.number} {p.display_name}") for p in pair]
        survivor.initial = str(pair[0].pk)
        survivor.widget.attrs["class"] = "form-check-input"


@require_GET
def person_duplicates(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, MERGE_PERSONS)
    pairs = selectors.duplicate_pairs(viewer=member)
    shown(member, Person, [p for pair in pairs for p in (pair.first, pair.second)])
    merges = selectors.merge_history(viewer=member)
    return render(request, "people/person_duplicates.html", {"pairs": pairs, "merges": merges})


@require_http_methods(["GET", "POST"])
def person_merge(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    first = one(member, Person, pk, permission=MERGE_PERSONS)
    other = parse_id(request.GET.get("with"))
    if other is None or other == first.pk:
        raise Http404
    second = one(member, Person, other, permission=MERGE_PERSONS)
    pair = (first, second) if first.number < second.number else (second, first)
    form = PersonMergeForm(request.POST or None, pair=pair)
    if request.method == "POST" and form.is_valid():
        survivor = first if form.cleaned_data["survivor"] == str(first.pk) else second
        merged = second if survivor is first else first
        try:
            merge = services.person_merge(
                actor=member,
                survivor=survivor,
                merged=merged,
                reason=form.cleaned_data["reason"],
                allow_two_open_cases=form.cleaned_data["allow_two_open_cases"],
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(
                request,
                _("Merged No.%(merged)s into No.%(survivor)s.")
                % {"merged": merged.number, "survivor": survivor.number},
            )
            return redirect("staff:person_detail", code=code, pk=merge.survivor_id)
    return render(
        request,
        "people/person_merge.html",
        {
            "pair": pair,
            "form": form,
            "summaries": selectors.merge_summaries(viewer=member, pair=pair),
        },
    )


@require_POST
def person_merge_undo(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    require(member, MERGE_PERSONS)
    merge = selectors.merge_of(viewer=member, pk=pk)
    if merge is None:
        raise Http404
    try:
        merged = services.person_merge_undo(actor=member, merge=merge)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
        return redirect("staff:person_duplicates", code=code)
    messages.success(request, _("Undid the merge: No.%(n)s is back.") % {"n": merged.number})
    return redirect("staff:person_detail", code=code, pk=merged.pk)
