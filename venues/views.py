"""Pages of the network: the national overview, an area, a site, its checklist
and its people. Thin: check access, call a service, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kaikukanta import access
from kaikukanta.access import Can
from kaikukanta.http import posted
from venues import services
from venues.forms import ChecklistForm, InviteForm
from venues.models import Area, Checklist, Membership, Organisation, Site
from venues.onboarding.staff import checklist_rows, site_staff

Role = Membership.Role


def _coordinators(area: Area | None) -> list[Membership]:
    if area is None:
        return []
    return list(
        Membership.objects.filter(area=area, role=Role.COORDINATOR)
        .select_related("user")
        .order_by("user__full_name")
    )


@login_required
def national(request: HttpRequest) -> HttpResponse:
    if not access.is_national_admin(request.user):
        raise Http404
    areas = Area.objects.annotate(
        municipality_count=Count("municipalities", distinct=True),
        venue_count=Count(
            "municipalities__sites",
            filter=Q(municipalities__sites__organisation__kind=Organisation.Kind.VENUE),
            distinct=True,
        ),
        distributor_count=Count(
            "municipalities__sites",
            filter=Q(municipalities__sites__organisation__kind=Organisation.Kind.DISTRIBUTOR),
            distinct=True,
        ),
        coordinator_count=Count(
            "memberships", filter=Q(memberships__role=Role.COORDINATOR), distinct=True
        ),
    )
    return render(request, "venues/national.html", {"areas": areas})


@login_required
def area_page(request: HttpRequest, pk: int) -> HttpResponse:
    area = access.area_or_404(request.user, pk)
    area_sites = access.sites(request.user, Can.VIEW).filter(municipality__area=area)
    venue_sites = area_sites.filter(organisation__kind=Organisation.Kind.VENUE)
    distributor_sites = area_sites.filter(organisation__kind=Organisation.Kind.DISTRIBUTOR)
    rows = checklist_rows(venue_sites)
    context = {
        "area": area,
        "municipalities": area.municipalities.all(),
        "checklist_rows": rows,
        "incomplete_count": sum(1 for row in rows if not row["complete"]),
        # The venues whose staff are overdue for the yearly onboarding.
        "overdue_rows": [row for row in rows if row["staff"].not_confirmed],
        "distributor_sites": distributor_sites,
        "coordinators": _coordinators(area),
        "people": access.memberships(request.user)
        .filter(Q(site__municipality__area=area) | Q(area=area))
        .order_by("user__email", "role"),
        "invite_query": f"area={area.pk}",
    }
    return render(request, "venues/area.html", context)


@login_required
def site_page(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.site_or_404(request.user, pk, Can.VIEW)
    checklist = Checklist.objects.filter(site=site).first() or Checklist(site=site)
    may_manage_people = access.sites(request.user, Can.MANAGE_PEOPLE).filter(pk=site.pk).exists()
    context = {
        "site": site,
        "checklist": checklist,
        "staff": site_staff([site.pk])[site.pk] if site.is_venue else None,
        "coordinators": _coordinators(site.area),
        # The area's page serves its coordinators (404 for anyone else): no link otherwise.
        "may_see_area": site.area is not None
        and access.coordinated_areas(request.user).filter(pk=site.area.pk).exists(),
        "may_edit": access.sites(request.user, Can.MANAGE_VENUE).filter(pk=site.pk).exists(),
        "may_distribute": access.sites(request.user, Can.DISTRIBUTE).filter(pk=site.pk).exists(),
        "may_manage_people": may_manage_people,
        "people": access.memberships(request.user).filter(site=site) if may_manage_people else [],
        "invite_query": f"site={site.pk}" if may_manage_people else "",
    }
    return render(request, "venues/site.html", context)


@login_required
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.site_or_404(request.user, pk, Can.MANAGE_VENUE)
    checklist = Checklist.objects.filter(site=site).first() or Checklist(site=site)
    form = ChecklistForm(posted(request), instance=checklist)
    if request.method == "POST" and form.is_valid():
        services.save_checklist(form=form, site=site, changed_by=request.user)
        messages.success(request, _("The checklist was saved."))
        return redirect(site)
    return render(request, "venues/checklist_form.html", {"site": site, "form": form})


def _invite_target(request: HttpRequest) -> tuple[Site | None, Area | None]:
    """The site or area named in the query, if it is in the inviter's scope."""
    source = request.POST if request.method == "POST" else request.GET
    if source.get("site"):
        return access.site_or_404(request.user, source["site"], Can.MANAGE_PEOPLE), None
    if source.get("area"):
        return None, access.area_or_404(request.user, source["area"])
    raise Http404


@login_required
def invite(request: HttpRequest) -> HttpResponse:
    site, area = _invite_target(request)
    roles = access.invitable_roles(request.user, site)
    if not roles:
        raise Http404
    form = InviteForm(posted(request), roles=roles)
    if request.method == "POST" and form.is_valid():
        membership = services.invite(
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data["full_name"],
            role=form.cleaned_data["role"],
            site=site,
            area=area,
            invited_by=request.user,
        )
        messages.success(
            request,
            _("An invitation was sent to %(email)s.") % {"email": membership.user.email},
        )
        return redirect(site or area)
    return render(request, "venues/invite.html", {"form": form, "site": site, "area": area})


@login_required
@require_POST
def membership_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(access.memberships(request.user), pk=pk)
    if membership.user_id == request.user.pk:
        messages.error(request, _("You cannot remove your own access."))
    else:
        services.remove_membership(membership=membership, removed_by=request.user)
        messages.success(
            request,
            _("%(person)s no longer acts as %(role)s at %(place)s.")
            % {
                "person": membership.user,
                "role": membership.get_role_display(),
                "place": membership.place,
            },
        )
    return redirect(membership.site or membership.area)
