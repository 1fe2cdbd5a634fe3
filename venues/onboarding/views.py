"""The onboarding pages: the material as staff read it and confirm it, the
publisher's list and forms, the file downloads, and a venue site's "who to
call" page behind the desk's help link. Access comes from `kaikukanta.access`
(404 outside a user's scope); every write goes through `services`."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.http import posted
from venues.models import Area, OnboardingItem, User
from venues.onboarding import services
from venues.onboarding.forms import CorrectionForm, ItemForm
from venues.onboarding.material import (
    ItemView,
    area_help,
    item_view,
    own_areas,
    reader_language,
    reading,
    with_material,
)
from venues.onboarding.staff import person_status

VERSIONS = re.compile(r"(\d+):(\d+)")


def _versions_field(views: list[ItemView]) -> str:
    """The versions the page shows, posted back with the confirmation."""
    return ",".join(f"{view.item.pk}:{view.item.version}" for view in views)


@login_required
def onboarding(request: HttpRequest) -> HttpResponse:
    """The material in the reader's language, national and their areas' own,
    with the corrections and what changed since their last confirmation."""
    user = request.user
    if not access.may_read_onboarding(user):
        raise Http404
    status = person_status(user)
    areas = list(own_areas(user))
    material = reading(access.onboarding_items(user), areas, status.confirmation)
    context = {
        "status": status,
        "material": material,
        "versions": _versions_field(material.all_items),
        "area_helps": area_help(areas),
        "may_publish": _may_publish(user),
    }
    return render(request, "venues/onboarding/onboarding.html", context)


@login_required
@require_POST
def onboarding_confirm(request: HttpRequest) -> HttpResponse:
    if not access.must_confirm_onboarding(request.user):
        raise Http404
    shown = {pk: int(version) for pk, version in VERSIONS.findall(request.POST.get("versions", ""))}
    try:
        services.confirm(user=request.user, shown=shown, language=reader_language())
    except services.MaterialChanged:
        messages.warning(
            request,
            _(
                "The material changed while you were reading it. Go through what is marked "
                "as changed, then confirm again."
            ),
        )
    else:
        messages.success(request, _("Thank you: your onboarding is recorded for a year."))
    return redirect("venues:onboarding")


# ---------------------------------------------------------------------------
# Publishing
# ---------------------------------------------------------------------------


def _publish_targets(user: User) -> tuple[bool, list[Area]]:
    """Whether the user publishes national material, and the areas they add to."""
    return access.may_publish_onboarding(user, None), list(
        access.coordinated_areas(user).order_by("name")
    )


def _may_publish(user: User) -> bool:
    national, areas = _publish_targets(user)
    return national or bool(areas)


@login_required
def material_list(request: HttpRequest) -> HttpResponse:
    """The publisher's list: every item the user reads, and the buttons to
    publish where the user may."""
    user = request.user
    national, areas = _publish_targets(user)
    if not (national or areas):
        raise Http404
    publishable = set(access.onboarding_publishable_items(user).values_list("pk", flat=True))
    language = reader_language()
    views = sorted(
        (item_view(item, language) for item in with_material(access.onboarding_items(user))),
        key=_listing_order,
    )
    rows = [{"view": view, "may_change": view.item.pk in publishable} for view in views]
    context = {"rows": rows, "may_publish_national": national, "publish_areas": areas}
    return render(request, "venues/onboarding/material_list.html", context)


def _listing_order(view: ItemView) -> tuple:
    """In use before withdrawn; national first, then by area; by kind."""
    item = view.item
    return (
        item.withdrawn_on is not None,
        item.area.name if item.area else "",
        OnboardingItem.kind_order(item.kind),
        view.title.lower(),
    )


def _target_area(request: HttpRequest) -> Area | None:
    """The area named in the query (None: national), if the user publishes there."""
    pk = request.GET.get("area") or request.POST.get("area")
    area = access.area_or_404(request.user, pk) if pk else None
    if not access.may_publish_onboarding(request.user, area):
        raise Http404
    return area


def _item_view(item: OnboardingItem) -> ItemView:
    """The item as staff see it, with its corrections, for the publisher's pages."""
    return item_view(
        with_material(OnboardingItem.objects.filter(pk=item.pk)).get(), reader_language()
    )


@login_required
def item_create(request: HttpRequest) -> HttpResponse:
    area = _target_area(request)
    form = ItemForm(posted(request), request.FILES or None, area=area)
    if request.method == "POST" and form.is_valid():
        item = services.publish_item(
            area=area,
            kind=form.cleaned_data["kind"],
            updated_on=form.cleaned_data["updated_on"],
            materials=form.materials,
            by=request.user,
        )
        messages.success(request, _("The item is published: staff see it now."))
        return redirect("venues:onboarding_item_edit", item.pk)
    return render(
        request, "venues/onboarding/item_form.html", {"form": form, "area": area, "item": None}
    )


@login_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.onboarding_item_or_404(request.user, pk, publish=True)
    form = ItemForm(posted(request), request.FILES or None, area=item.area, item=item)
    if request.method == "POST" and form.is_valid():
        services.change_item(
            item=item,
            updated_on=form.cleaned_data["updated_on"],
            materials=form.materials,
            what_changed=form.what_changed,
            by=request.user,
        )
        if form.changed_languages:
            messages.success(
                request,
                _("Saved as a new version: staff are asked to go through the item again."),
            )
        else:
            messages.success(request, _("Saved."))
        return redirect("venues:onboarding_item_edit", item.pk)
    view = _item_view(item)
    return render(
        request,
        "venues/onboarding/item_form.html",
        {"form": form, "area": item.area, "item": item, "view": view},
    )


@login_required
def correction_create(request: HttpRequest, pk: int) -> HttpResponse:
    item = access.onboarding_item_or_404(request.user, pk, publish=True)
    form = CorrectionForm(posted(request))
    if request.method == "POST" and form.is_valid():
        services.publish_correction(item=item, texts=form.texts, by=request.user)
        messages.success(
            request,
            _("The correction is published: staff are asked to read it."),
        )
        return redirect("venues:onboarding_item_edit", item.pk)
    view = _item_view(item)
    return render(
        request,
        "venues/onboarding/correction_form.html",
        {"form": form, "item": item, "view": view},
    )


@login_required
@require_POST
def notice_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    notice = access.onboarding_notice_or_404(request.user, pk)
    services.withdraw_notice(notice=notice, by=request.user)
    messages.success(request, _("The correction was taken down."))
    return redirect("venues:onboarding_item_edit", notice.item_id)


@login_required
@require_POST
def item_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw an item (withdrawn=1, the default) or bring it back (withdrawn=0).
    The form says which, so that a form sent twice does not undo itself."""
    item = access.onboarding_item_or_404(request.user, pk, publish=True)
    withdraw = request.POST.get("withdrawn", "1") != "0"
    services.set_withdrawn(item=item, withdrawn=withdraw, by=request.user)
    if withdraw:
        messages.success(request, _("The item was withdrawn: staff no longer see it."))
    else:
        messages.success(request, _("The item is in use again: staff see it."))
    return redirect("venues:onboarding_material")


# ---------------------------------------------------------------------------
# Files and the help page
# ---------------------------------------------------------------------------


@login_required
def file_download(request: HttpRequest, pk: int) -> HttpResponse:
    """A file of an item the user may read. Served as a download, never inline,
    so that nothing uploaded runs in the app's own origin."""
    stored = access.onboarding_file_or_404(request.user, pk)
    response = HttpResponse(bytes(stored.content), content_type=stored.content_type)
    response["Content-Disposition"] = content_disposition_header(True, stored.name)
    response["Content-Length"] = str(stored.size)
    response["Cache-Control"] = "private, max-age=3600"
    response["ETag"] = f'"{stored.sha256}"'
    return response


@login_required
def site_help(request: HttpRequest, pk: int) -> HttpResponse:
    """Who to call, for the staff of a venue site (the desk's help link)."""
    site = access.site_or_404(request.user, pk, Can.VIEW)
    if not site.is_venue or site.area is None:
        raise Http404
    context = {
        "site": site,
        "area_helps": area_help([site.area]),
        "may_read_onboarding": access.may_read_onboarding(request.user),
    }
    return render(request, "venues/onboarding/site_help.html", context)
