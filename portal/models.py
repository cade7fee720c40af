from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ImportRun(models.Model):
    """One uploaded workbook, from preview to applied (or cancelled): who, which file, what it did.

    The uploaded bytes are kept in the database, so whichever process handles the confirmation
    applies exactly the previewed file; the checksum proves it. The check and the write run in the
    task worker (portal.imports); `stage`, `rows_done` and `rows_total` say how far they have got.
    """

    class Kind(models.TextChoices):
        AGENCIES = "agencies", _("Agencies")
        ROSTER = "roster", _("Staff roster")
        TRAINING = "training", _("Training")
        REPORTS = "reports", _("Aggregate reports")
        COURSE_PARTICIPANTS = "course_participants", _("Course participants")

    class Status(models.TextChoices):
        CHECKING = "checking", _("Being checked")
        PREVIEWED = "previewed", _("Previewed")
        APPLYING = "applying", _("Being imported")
        APPLIED = "applied", _("Applied")
        CANCELLED = "cancelled", _("Cancelled")
        # Not the training result "Failed" (Không đạt): the import itself did not go through.
        FAILED = "failed", pgettext_lazy("import status", "Failed")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    data = models.BinaryField(_("file contents"), blank=True, default=b"")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="import_runs",
    )
    # What the person chose with the file: {"deactivate_missing": true} or {"course_id": 12}.
    options = models.JSONField(_("options"), default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), default=timezone.now, db_index=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEWED)
    # ImportResult.as_json(): counts, ignored columns, skipped rows and the first errors.
    summary = models.JSONField(_("result"), default=dict, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # How far the running check or write has got (sheets.progress stages); empty while queued.
    stage = models.CharField(_("stage"), max_length=16, blank=True, default="")
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    rows_total = models.PositiveIntegerField(_("rows in the file"), default=0)
    # The last sign of life of the work on this run: set when it is queued (upload, confirmation) and
    # by every progress report. A running run silent for settings.IMPORT_STALL_AFTER has lost its worker.
    heartbeat_at = models.DateTimeField(_("last sign of progress"), null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["checking", "previewed", "applying", "applied", "cancelled", "failed"]),
                name="import_run_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("imports:run-detail", args=[self.pk])

    @property
    def is_previewed(self) -> bool:
        return self.status == self.Status.PREVIEWED

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.APPLYING)

    @property
    def last_seen(self):
        """When the work on this run last gave a sign of life (runs queued before heartbeats: their upload)."""
        return self.heartbeat_at or self.created_at
