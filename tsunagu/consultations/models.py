"""Consultations (相談): every contact counts, even when the person is not known."""

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.people.codes import Relation


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
