from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm
from tsunagu.retention.models import MAX_YEARS


class RetentionPolicyForm(StyledForm):
    years = forms.IntegerField(
        label=_("Years kept after the support ended"),
        min_value=1,
        max_value=MAX_YEARS,
        help_text=_(
            "Closed cases, and persons with no open case and no consultation since, are deleted"
            " after this many years (your municipality's 文書管理規程)."
        ),
    )
