"""The person (本人) a municipality supports, and their family and other contacts."""

from datetime import date

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tsunagu.core.crypto import EncryptedJSON, EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.people.codes import AgeBand, Gender, Relation, age_band_for


class PersonNumberCounter(TenantModel):
    """The last person number a municipality gave out: locked while the next one is taken."""

    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="person_counter_one_per_city")
        ]


class LivePersons(models.Manager["Person"]):
    """Persons not merged into another: a merged record lives on only in the merge history."""

    def get_queryset(self) -> models.QuerySet["Person"]:
        return super().get_queryset().filter(merged_into__isnull=True)


class Person(TenantModel):
    """Often known only through the family for months: nothing but the number is required."""

    number = models.PositiveIntegerField(_("person number"))
    name = models.CharField(_("name"), max_length=100, blank=True)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    # Normalized (NFKC, hiragana, common kanji) for search in any script or width.
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    kana_key = models.CharField(max_length=200, blank=True, editable=False)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    age_band = models.CharField(
        _("estimated age"), max_length=10, choices=AgeBand.choices, blank=True
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    district = models.CharField(_("district"), max_length=50, blank=True)
    household = EncryptedText(_("household members"))
    withdrawal_since_year = models.PositiveSmallIntegerField(
        _("withdrawn since (year)"), null=True, blank=True
    )
    withdrawal_since_month = models.PositiveSmallIntegerField(
        _("withdrawn since (month)"), null=True, blank=True
    )
    backgrounds = EncryptedJSON(_("background"), default=list)
    background_note = EncryptedText(_("background details"))
    guideline_axes = EncryptedJSON(_("assessment by the MHLW guideline axes"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when this record was found to be a duplicate and merged into another (undoable).
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    # The first manager is the default: lists, search and visibility never meet a merged
    # record; `all_objects` does (numbering, the merge history).
    objects = ScopedManager(LivePersons, municipality="municipality")  # type: ignore[misc]
    all_objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-number"]
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="person_unique_number"),
            models.CheckConstraint(
                condition=Q(withdrawal_since_month__isnull=True)
                | Q(withdrawal_since_month__gte=1, withdrawal_since_month__lte=12),
                name="person_withdrawal_month_1_12",
                violation_error_message=_("The month must be between 1 and 12."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "name_key"], name="person_name_key"),
            models.Index(fields=["municipality", "kana_key"], name="person_kana_key"),
        ]

    def __str__(self) -> str:
        return f"No.{self.number} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name or self.name_kana or str(_("(name unknown)"))

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

    def age_band_on(self, day: date) -> str:
        """The age band from the birth date when known, else the estimate."""
        age = self.age_on(day)
        return age_band_for(age) if age is not None else self.age_band

    def withdrawal_months_on(self, day: date) -> int | None:
        """Whole months of withdrawal so far (counting from January when the month is unknown)."""
        if self.withdrawal_since_year is None:
            return None
        month = self.withdrawal_since_month or 1
        return max(0, (day.year - self.withdrawal_since_year) * 12 + day.month - month)


# What a list of persons never shows: not loading it saves a decryption per row and field.
ENCRYPTED_PERSON_FIELDS = ("household", "background_note", "guideline_axes")


class FamilyMember(TenantModel):
    """A family member or other contact of a person; often the one who consults."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="family_members")
    name = models.CharField(_("name"), max_length=100, blank=True)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    name_key = models.CharField(max_length=200, blank=True, editable=False)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    phone = EncryptedText(_("phone"))
    email = EncryptedText(_("e-mail"))
    address = EncryptedText(_("address"))
    # HMAC blind indexes: the only way to find a contact by an exact phone or e-mail.
    phone_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    email_index = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    consults_on_behalf = models.BooleanField(_("consults on the person's behalf"), default=False)
    note = EncryptedText(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "relation", "pk"]
        verbose_name = _("family member or contact")
        verbose_name_plural = _("family members and contacts")
        indexes = [models.Index(fields=["municipality", "name_key"], name="family_name_key")]

    def __str__(self) -> str:
        return f"{self.get_relation_display()} {self.name}".strip()


class Consent(TenantModel):
    """A person's consent to share their information with named organizations, for purposes."""

    class Form(models.TextChoices):
        WRITTEN = "written", _("Written")
        ORAL = "oral", _("Oral")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    organizations = models.ManyToManyField(
        "tenancy.Organization", related_name="consents", verbose_name=_("recipients")
    )
    purposes = EncryptedText(_("purposes"))
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    form = models.CharField(_("form"), max_length=10, choices=Form.choices)
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    document = models.FileField(_("scanned document"), upload_to="consents/", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="consent_until_not_before_from",
                violation_error_message=_("The end date cannot be before the start date."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.valid_from}"


class PersonMerge(TenantModel):
    """Two records of one person made one: what moved, so that it can be undone."""

    survivor = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    merged_at = models.DateTimeField(_("merged at"), auto_now_add=True)
    merged_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedText(_("reason"))
    # {"moved": {"app.Model": [ids]}, "filled": {field: value}} as JSON text: the rows moved
    # to the survivor and the survivor's empty fields filled from the merged record.
    detail_json = EncryptedText()
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at", "-pk"]
        verbose_name = _("merge of persons")
        verbose_name_plural = _("merges of persons")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
