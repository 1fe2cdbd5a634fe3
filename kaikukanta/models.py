"""Cross-cutting records: the append-only audit trail."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionDenied("Audit entries are append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionDenied("Audit entries are append-only.")


class AuditEntry(models.Model):
    """One change in the register: who did what, when, where. Never edited or
    deleted; never carries a name, identity code, birth date or address of a
    cardholder (the data is IDs, counts and codes)."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        db_index=False,  # audit_actor, below
    )
    # For actors that are not people (a broker's API token, a management command).
    actor_label = models.CharField(_("acting as"), max_length=200, blank=True)
    action = models.CharField(_("what"), max_length=50)  # audit_action, below
    site = models.ForeignKey(
        "venues.Site",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("site"),
        db_index=False,  # the index of (site, -at) leads with it
    )
    area = models.ForeignKey(
        "venues.Area",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        db_index=False,  # the index of (area, -at) leads with it
    )
    object_type = models.CharField(_("object type"), max_length=50)
    object_id = models.CharField(_("object"), max_length=50)
    data = models.JSONField(_("data"), default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["site", "-at"]),
            models.Index(fields=["area", "-at"]),
            # Not `db_index=True`: on PostgreSQL that adds a second index for
            # LIKE, which no one asks of an action code and every entry writes.
            models.Index(fields=["action"], name="audit_action"),
            # A broker's or a command's entry has no person.
            models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="audit_actor"),
        ]

    def __str__(self) -> str:
        # The admin's page title: Helsinki time and the reader's words, as the lists.
        from kaikukanta.audit import ACTION_LABELS

        when = date_format(timezone.localtime(self.at), "SHORT_DATETIME_FORMAT") if self.at else ""
        return f"{when} · {ACTION_LABELS.get(self.action, self._meta.verbose_name)}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("Audit entries are append-only.")

    @property
    def who(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_label


class RateCounter(models.Model):
    """One fixed window of one rate limit (`kaikukanta.ratelimit`, when no
    Redis is configured): how many hits `bucket` had in the window that began
    at `window_start` (Unix seconds). Rows whose window has ended are swept
    now and then; nothing else reads them."""

    pk = models.CompositePrimaryKey("bucket", "window_start")
    bucket = models.CharField(max_length=200)
    window_start = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)
    # When the window ends (Unix seconds): the sweep deletes by it.
    ends = models.BigIntegerField()

    class Meta:
        verbose_name = _("rate limit counter")
        verbose_name_plural = _("rate limit counters")

    def __str__(self) -> str:
        return f"{self.bucket} @ {self.window_start}: {self.hits}"
