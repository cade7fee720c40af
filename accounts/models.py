from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignInFailure(models.Model):
    """One failed sign-in attempt, kept for the throttling window so every worker process sees it.

    Rows are counted per username and per client address; rows older than the window are
    deleted as new failures come in.
    """

    username = models.CharField(_("username"), max_length=150, db_index=True)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("failed sign-in")
        verbose_name_plural = _("failed sign-ins")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip or '-'} {self.created_at:%Y-%m-%d %H:%M}"
