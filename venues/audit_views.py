"""The audit trail, read: a venue contact person sees their site's entries (a
distributor their site's card changes), a coordinator the area's, a national
admin everything (`kaikukanta.access.audit_entries`). Newest first."""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.audit import ACTION_LABELS
from kaikukanta.models import AuditEntry
from venues.forms import AuditFilterForm

ENTRIES_PER_PAGE = 50

# The keys that audit entries' data carry (IDs, counts and codes), as the reader sees them.
DATA_LABELS: dict[str, Any] = {
    "card_id": gettext_lazy("card ID"),
    "offering_id": gettext_lazy("offering (ID)"),
    "used_on": gettext_lazy("date of use"),
    "children": gettext_lazy("children's tickets"),
    "channel": gettext_lazy("channel"),
    "over_cap": gettext_lazy("over the cap"),
    "reason": gettext_lazy("reason"),
    "kind": gettext_lazy("kind"),
    "valid_until": gettext_lazy("valid until"),
    "changed": gettext_lazy("changed fields"),
    "cap_before": gettext_lazy("cap before"),
    "cap_after": gettext_lazy("cap after"),
    "excluded": gettext_lazy("excluded"),
    "role": gettext_lazy("role"),
    "user_id": gettext_lazy("person (ID)"),
    "new_account": gettext_lazy("new account"),
    # An import's counts (usage.imports.confirm_batch).
    "format": gettext_lazy("format"),
    "recorded": gettext_lazy("recorded"),
    "already": gettext_lazy("already in the register"),
    "refused": gettext_lazy("not recorded"),
    "total": gettext_lazy("rows"),
    # Onboarding material (venues.onboarding.services).
    "version": gettext_lazy("version"),
    "languages": gettext_lazy("languages"),
    "notice_id": gettext_lazy("correction (ID)"),
}


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    what: str
    object_label: str
    data: list[tuple[str, str]]


def _value(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "–"
    return str(value)


def _object_label(entry: AuditEntry) -> str:
    try:
        name = apps.get_model(entry.object_type)._meta.verbose_name
    except (LookupError, ValueError):
        name = entry.object_type
    return f"{name} #{entry.object_id}"


def _row(entry: AuditEntry) -> AuditRow:
    return AuditRow(
        entry=entry,
        what=str(ACTION_LABELS.get(entry.action, entry.action)),
        object_label=_object_label(entry),
        data=[(str(DATA_LABELS.get(key, key)), _value(value)) for key, value in entry.data.items()],
    )


def _render(request: HttpRequest, entries: QuerySet[AuditEntry], context: dict) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["action"]:
        entries = entries.filter(action=form.cleaned_data["action"])
    entries = entries.select_related("actor", "site").order_by("-at", "-pk")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    context |= {"form": form, "page": page, "rows": [_row(entry) for entry in page]}
    return render(request, "venues/audit.html", context)


@login_required
def site_audit(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.site_or_404(request.user, pk, Can.AUDIT)
    entries = access.audit_entries(request.user).filter(site=site)
    return _render(request, entries, {"site": site})


@login_required
def area_audit(request: HttpRequest, pk: int) -> HttpResponse:
    area = access.area_or_404(request.user, pk)
    entries = access.audit_entries(request.user).filter(area=area)
    return _render(request, entries, {"area": area})
