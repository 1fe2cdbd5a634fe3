"""Writing the audit trail. Call `log()` inside the transaction of the change it
describes, so that the change and its entry commit or roll back together."""

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from kaikukanta.models import AuditEntry

# What each action code means, for the audit pages. Every code that `log()` is
# called with has a label here (tests/venues/test_audit_pages.py checks).
ACTION_LABELS: dict[str, Any] = {
    "redemption.recorded": _("use of a card recorded"),
    "redemption.voided": _("use of a card voided"),
    "card.registered": _("card registered"),
    "card.renewed": _("card renewed"),
    "card.closed": _("card closed"),
    "card.changed": _("card's background data corrected"),
    "card.background_removed": _("card's background data removed (data retention)"),
    "offering.created": _("offering created"),
    "offering.changed": _("offering changed"),
    "checklist.changed": _("checklist changed"),
    "membership.invited": _("person invited"),
    "membership.removed": _("person's access removed"),
    "broker_token.created": _("broker's API token created"),
    "broker_token.revoked": _("broker's API token revoked"),
    "import.confirmed": _("offline uses imported"),
    "onboarding.published": _("onboarding material published"),
    "onboarding.changed": _("onboarding material changed"),
    "onboarding.corrected": _("correction to onboarding material published"),
    "onboarding.notice_withdrawn": _("correction to onboarding material taken down"),
    "onboarding.withdrawn": _("onboarding material withdrawn"),
    "onboarding.restored": _("onboarding material in use again"),
    # Changes made in the admin (kaikukanta.admin_site.AuditedAdmin).
    "person.added": _("person added"),
    "person.changed": _("person's details changed"),
    "person.deleted": _("person deleted"),
    "person.password_link_sent": _("link to set a new password sent"),
    "person.second_factor_reset": _("person's second factor removed"),
    "membership.added": _("access given"),
    "membership.changed": _("access changed"),
    "area.added": _("area added"),
    "area.changed": _("area changed"),
    "area.deleted": _("area deleted"),
    "municipality.added": _("municipality added"),
    "municipality.changed": _("municipality changed"),
    "municipality.deleted": _("municipality deleted"),
    "organisation.added": _("organisation added"),
    "organisation.changed": _("organisation changed"),
    "organisation.deleted": _("organisation deleted"),
    "site.added": _("site added"),
    "site.changed": _("site changed"),
    "site.deleted": _("site deleted"),
    "broker.added": _("ticket broker added"),
    "broker.changed": _("ticket broker changed"),
    "broker.deleted": _("ticket broker deleted"),
    # A person's own second factor.
    "second_factor.added": _("second factor set up"),
    "second_factor.removed": _("second factor removed"),
    "second_factor.recovery_codes": _("new recovery codes made"),
}


def entry(
    *,
    action: str,
    obj: models.Model,
    actor: Any = None,
    actor_label: str = "",
    site: Any = None,
    area: Any = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """An audit entry, not yet saved. `data` holds IDs, counts and codes, never
    a person."""
    # The site's area by its key: no query for the area itself.
    area_id = area.pk if area is not None else None
    if area is None and site is not None:
        area_id = site.municipality.area_id
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry(
        actor=user,
        actor_label=actor_label,
        action=action,
        site=site,
        area_id=area_id,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        data=data or {},
    )


def log(**fields: Any) -> AuditEntry:
    """Append one audit entry (the arguments of `entry`)."""
    return log_many([entry(**fields)])[0]


def log_many(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append audit entries in one insert, inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Audit entries are written inside the transaction of the change.")
    return AuditEntry.objects.bulk_create(entries)
