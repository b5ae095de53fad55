"""Consultations (相談): every contact counts, even when the person is not known."""

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager

from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.people.codes import AgeBand, Gender, Relation


class LiveConsultations(models.Manager["Consultation"]):
    """Consultations not deleted: a tombstone counts nowhere (lists, statistics, records)."""

    def get_queryset(self) -> models.QuerySet["Consultation"]:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Consultation(TenantModel):
    occurred_at = models.DateTimeField(_("when"))
    # The month in Asia/Tokyo ("2018-04"), derived from occurred_at on write: statistics group
    # by it without a per-row time-zone conversion, which SQLite can only do in Python.
    local_month = models.CharField(max_length=7, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    consulter = models.CharField(_("consulter"), max_length=20, choices=Consulter.choices)
    consulter_relation = models.CharField(
        _("relation"), max_length=20, choices=Relation.choices, blank=True
    )
    staff = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff"),
    )
    main_concern = models.CharField(
        _("main concern"), max_length=20, choices=MainConcern.choices, blank=True
    )
    # For a call with no person linked (anonymous, or not yet known): what the caller said
    # of the person, so the statistics can count them without a record.
    subject_age_band = models.CharField(
        _("approximate age"), max_length=10, choices=AgeBand.choices, blank=True
    )
    subject_gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, blank=True
    )
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    summary = EncryptedText(_("summary"))
    next_action = EncryptedText(_("next action"))
    next_action_on = models.DateField(_("next action on"), null=True, blank=True)
    next_action_done_at = models.DateTimeField(_("follow-up done at"), null=True, blank=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("person"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("case"),
    )
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A deleted consultation stays as a tombstone: when, by whom and why; its text is erased.
    deleted_at = models.DateTimeField(_("deleted at"), null=True, blank=True)
    deleted_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deletion_reason = EncryptedText(_("reason for deletion"))

    # The first manager is the default one: every read, related manager and statistic
    # leaves tombstones out; `all_objects` reaches them (the tombstone page, merges).
    objects = ScopedManager(LiveConsultations, municipality="municipality")  # type: ignore[misc]
    all_objects = ScopedManager(municipality="municipality")

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [
            models.Index(fields=["municipality", "occurred_at"], name="consultation_when"),
            models.Index(fields=["municipality", "next_action_on"], name="consultation_next"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_channel_display()}"


class ConsultationCorrection(TenantModel):
    """One 訂正 of a consultation: who, when, why, and each changed field before and after.

    The values quote the record (its summary, its person), so they are encrypted like it.
    """

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="corrections"
    )
    corrected_at = models.DateTimeField(_("corrected at"), auto_now_add=True)
    corrected_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedText(_("reason"))
    # {"field": {"before": value, "after": value}} as JSON text; values as the API writes them.
    changes_json = EncryptedText()

    class Meta:
        ordering = ["corrected_at", "pk"]
        verbose_name = _("correction")
        verbose_name_plural = _("corrections")

    def __str__(self) -> str:
        return f"{self.consultation_id} {self.corrected_at:%Y-%m-%d %H:%M}"

    @property
    def changes(self) -> dict[str, dict[str, Any]]:
        return json.loads(self.changes_json) if self.changes_json else {}

    @changes.setter
    def changes(self, value: dict[str, dict[str, Any]]) -> None:
        self.changes_json = json.dumps(value, ensure_ascii=False)


class ImportJob(TenantModel):
    """One uploaded import file on its way from check to save; the page polls its progress.

    The file itself lives in DATA_DIR/imports only until it is saved or abandoned.
    """

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Ready to import")
        INVALID = "invalid", _("Has errors")
        SAVING = "saving", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    uploaded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+"
    )
    original_name = models.CharField(_("file"), max_length=255)
    stored_name = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.CHECKING
    )
    percent = models.PositiveSmallIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    imported = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    # Rows and errors quote the file (person numbers, summaries): encrypted like the records,
    # as one JSON text (the encrypted JSON field would turn every number and null into text).
    errors_json = EncryptedText()
    preview_json = EncryptedText()
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker running it died: nothing was saved, the file is kept, and it can be retried.
    interrupted = models.BooleanField(default=False)
    # The uploader asked to import a file whose content was imported before.
    force = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("consultation import")
        verbose_name_plural = _("consultation imports")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"

    @property
    def errors(self) -> list[dict[str, Any]]:
        """[{"line": 3 or None for the whole file, "message": "..."}]"""
        return json.loads(self.errors_json) if self.errors_json else []

    @errors.setter
    def errors(self, value: list[dict[str, Any]]) -> None:
        self.errors_json = json.dumps(value, ensure_ascii=False)

    @property
    def preview(self) -> list[dict[str, Any]]:
        return json.loads(self.preview_json) if self.preview_json else []

    @preview.setter
    def preview(self, value: list[dict[str, Any]]) -> None:
        self.preview_json = json.dumps(value, ensure_ascii=False)

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.SAVING)


class ImportedFile(TenantModel):
    """The content hash of a file imported into a municipality: the same file twice is refused.

    Written in the import's own transaction, so a failed or killed import leaves none.
    """

    content_hash = models.CharField(max_length=64)
    file_name = models.CharField(max_length=255, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rows = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["imported_at", "pk"]
        indexes = [models.Index(fields=["municipality", "content_hash"], name="imported_file_hash")]

    def __str__(self) -> str:
        return f"{self.file_name} {self.imported_at:%Y-%m-%d}"
