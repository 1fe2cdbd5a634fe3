"""The audit trail, read: a venue contact person sees their site's entries (a
distributor their site's card changes), a coordinator the area's, a national
admin everything (`kaikukanta.access.audit_entries`). Newest first, each entry
told as a sentence, filtered by what happened and by who did it."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.audit_text import sentences
from kaikukanta.models import AuditEntry
from venues.forms import AuditFilterForm
from venues.models import User

ENTRIES_PER_PAGE = 50


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    sentence: str  # what happened, in the reader's language (kaikukanta.audit_text)


def _render(request: HttpRequest, entries: QuerySet[AuditEntry], context: dict) -> HttpResponse:
    # The people to filter by: those who acted in the entries the reader may see.
    people = User.objects.filter(pk__in=entries.exclude(actor=None).values("actor"))
    form = AuditFilterForm(request.GET or None, people=people.order_by("full_name", "email"))
    form.is_valid()  # a filter that is not valid filters nothing; the others still do
    chosen = getattr(form, "cleaned_data", {})
    if chosen.get("action"):
        entries = entries.filter(action=chosen["action"])
    if chosen.get("person"):
        entries = entries.filter(actor=chosen["person"])
    entries = entries.select_related("actor", "site", "area").order_by("-at", "-pk")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    listed = list(page)
    rows = [AuditRow(e, text) for e, text in zip(listed, sentences(listed), strict=True)]
    context |= {"form": form, "page": page, "rows": rows}
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
