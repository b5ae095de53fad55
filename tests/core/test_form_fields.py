"""{{ form|form_fields }}: an empty form's fields kept once rendered, a sent one always rendered."""

from datetime import date

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape

from tsunagu.cases.forms import CloseForm, PlanReviewForm, StageForm
from tsunagu.core.templatetags.form_fields import form_fields


def _included(form: object) -> str:
    return render_to_string("includes/form_fields.html", {"form": form})


def test_an_empty_form_shows_as_the_include_does_and_is_kept() -> None:
    with translation.override("ja"):
        first = form_fields(StageForm(prefix="stage"))
        assert first == _included(StageForm(prefix="stage"))
        assert form_fields(StageForm(prefix="stage")) is first  # kept, not rendered again
        assert 'name="stage-to_stage"' in first and "新しい支援段階" in first


def test_the_key_is_the_class_prefix_language_and_initial_values() -> None:
    with translation.override("ja"):
        ja = form_fields(PlanReviewForm(prefix="review-1"))
        other = form_fields(PlanReviewForm(prefix="review-2"))
        on_one_day = form_fields(CloseForm(prefix="close", initial={"closed_on": date(2025, 4, 1)}))
        on_another = form_fields(CloseForm(prefix="close", initial={"closed_on": date(2025, 4, 2)}))
    with translation.override("en"):
        en = form_fields(PlanReviewForm(prefix="review-1"))
    assert 'name="review-2-note"' in other and 'name="review-1-note"' not in other
    assert ja != en and "Review note" in en
    assert 'value="2025-04-01"' in on_one_day and 'value="2025-04-02"' in on_another


def test_a_sent_form_shows_what_was_typed_and_its_errors_escaped() -> None:
    typed = '<script>alert("x")</script>'
    empty = form_fields(StageForm(prefix="stage"))
    sent = StageForm({"stage-to_stage": "no-such-stage", "stage-reason": typed}, prefix="stage")
    assert not sent.is_valid()
    html = form_fields(sent)
    assert html == _included(sent) and html != empty
    assert escape(typed) in html and typed not in html
    assert "invalid-feedback" in html
    assert form_fields(StageForm(prefix="stage")) == empty  # the empty one is unchanged


def test_a_form_that_sets_its_fields_per_request_never_gets_another_requests_html() -> None:
    # A plain ChoiceField whose choices are set for one municipality's members: the other
    # municipality's form must not be served the first one's names.
    from django import forms

    class PickForm(forms.Form):
        who = forms.ChoiceField(label="担当", choices=[])
        note = forms.CharField(label="メモ", required=False)

        def __init__(self, names: list[str], **kwargs: object) -> None:
            super().__init__(**kwargs)  # type: ignore[arg-type]
            self.fields["who"].choices = [(n, n) for n in names]  # type: ignore[attr-defined]
            self.fields["note"].widget.attrs["maxlength"] = str(len(names))

    first = form_fields(PickForm(["山田"], prefix="pick"))
    second = form_fields(PickForm(["佐藤", "鈴木"], prefix="pick"))
    assert "山田" in first and "山田" not in second
    assert "佐藤" in second and 'maxlength="2"' in second
    assert form_fields(PickForm(["山田"], prefix="pick")) is first  # the same still kept
