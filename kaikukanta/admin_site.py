"""The Django admin at /admin/, for national admins (everything) and area
coordinators (their area). Access comes from `kaikukanta.access`, never from
Django's per-model permissions, so that there is one set of rules."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from kaikukanta import access, audit


class KaikukantaAdminSite(admin.AdminSite):
    site_header = _("Kaikukanta administration")
    site_title = _("Kaikukanta")
    index_title = _("The network")
    enable_nav_sidebar = True

    # The index links the reports (stats/) above the models, for everyone who
    # may see any; a venue contact person sees only their site's.
    index_template = "stats/admin_index.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return _once(request, "may_use_admin", access.may_use_admin)

    def get_urls(self):
        from stats.views import report_urls  # the report pages live in stats/

        # Before Django's own "view on site" redirect, which would redirect for
        # any object, in scope or not.
        view_on_site = path(
            "r/<path:content_type_id>/<path:object_id>/",
            self.admin_view(self.scoped_view_on_site),
            name="view_on_site",
        )
        return [view_on_site, *report_urls(self), *super().get_urls()]

    def scoped_view_on_site(
        self, request: HttpRequest, content_type_id: str, object_id: str
    ) -> HttpResponse:
        """The admin's "view on site" link: a redirect to the object's page, for an
        object the user may see in the admin; 404 for anything else, as everywhere."""
        try:
            model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
        except (ContentType.DoesNotExist, ValueError):
            raise Http404 from None
        model_admin = self._registry.get(model)
        if model_admin is None or not model_admin.has_view_permission(request):
            raise Http404
        try:
            visible = model_admin.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, ValidationError):
            visible = False
        if not visible:
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def index(self, request: HttpRequest, extra_context=None):
        from stats.views import report_links

        extra_context = {"report_links": report_links(request.user), **(extra_context or {})}
        return super().index(request, extra_context)

    def admin_view(self, view, cacheable=False):
        """Someone signed in without access to the admin gets a 404, as
        everywhere outside a scope (Django would send them to a login page)."""
        inner = super().admin_view(view, cacheable)

        @wraps(inner)
        def scoped(request: HttpRequest, *args, **kwargs):
            if request.user.is_authenticated and not self.has_permission(request):
                raise Http404
            return inner(request, *args, **kwargs)

        return scoped

    def login(self, request: HttpRequest, extra_context=None):
        # One login page for everyone: the admin's own admits only is_staff, which
        # nobody but the maintainers has (roles come from memberships). Someone
        # signed in without access gets a 404, as everywhere outside a scope.
        if request.user.is_authenticated and not self.has_permission(request):
            raise Http404
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        )


admin_site = KaikukantaAdminSite(name="admin")


def _once(request: HttpRequest, name: str, check) -> bool:
    """A role check asked once per request: an admin page asks each model admin
    several times while building its menu."""
    answers = request.__dict__.setdefault("_access_answers", {})
    if name not in answers:
        answers[name] = check(request.user)
    return answers[name]


def manages_network(request: HttpRequest) -> bool:
    return _once(request, "may_manage_network", access.may_manage_network)


def _network_managers_only(request: HttpRequest) -> None:
    if not manages_network(request):
        raise Http404


class ScopedAdmin(admin.ModelAdmin):
    """A model admin whose rows and rights come from the access module.

    Subclasses say which rows a user may see (`scoped_queryset`); a national admin
    may change everything, a coordinator what is in their scope."""

    def scoped_queryset(self, request: HttpRequest, qs: QuerySet) -> QuerySet:
        raise NotImplementedError

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return self.scoped_queryset(request, super().get_queryset(request))

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        # Outside the user's scope the answer is 404, as everywhere else (Django's
        # default is a redirect with "does not exist", which tells too much).
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    # Venue contact persons reach the admin for their site's reports only: the
    # model admins are for those who manage the network, and answer anyone else
    # with a 404 (Django's default is a 403).
    def changelist_view(self, request: HttpRequest, extra_context=None):
        _network_managers_only(request)
        return super().changelist_view(request, extra_context)

    def add_view(self, request: HttpRequest, form_url="", extra_context=None):
        _network_managers_only(request)
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        _network_managers_only(request)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None):
        _network_managers_only(request)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request: HttpRequest, object_id, extra_context=None):
        _network_managers_only(request)
        return super().history_view(request, object_id, extra_context)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return manages_network(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return manages_network(request) and (obj is None or self._in_scope(request, obj))

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return manages_network(request)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def _in_scope(self, request: HttpRequest, obj) -> bool:
        return self.get_queryset(request).filter(pk=obj.pk).exists()


class AuditedAdmin:
    """A model admin whose every change is written to the app's audit trail
    (kaikukanta.audit), in the transaction of the change, besides Django's own
    admin history: who added, changed or deleted what, and which fields.

    `audit_actions` names the actions (added, changed, deleted) of the model,
    `audit_place` the site or area the entry belongs to (so that the
    coordinators of the area read it in their audit trail)."""

    audit_actions: dict[str, str] = {}

    def audit_place(self, request: HttpRequest, obj: models.Model) -> dict:
        return {}

    def audit_place_of_deleted(self, request: HttpRequest, obj: models.Model) -> dict:
        """Where the deletion of obj is filed: by default where obj was."""
        return self.audit_place(request, obj)

    def audit_log(
        self, request: HttpRequest, obj: models.Model, what: str, data: dict | None = None
    ) -> None:
        with transaction.atomic():
            audit.log(
                action=self.audit_actions[what],
                obj=obj,
                actor=request.user,
                data={"via": "admin", **(data or {})},
                **(
                    self.audit_place_of_deleted(request, obj)
                    if what == "deleted"
                    else self.audit_place(request, obj)
                ),
            )

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        self.audit_log(
            request, obj, "changed" if change else "added", {"fields": sorted(form.changed_data)}
        )

    def delete_model(self, request: HttpRequest, obj) -> None:
        with transaction.atomic():
            self.audit_log(request, obj, "deleted")
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        with transaction.atomic():
            for obj in queryset:
                self.audit_log(request, obj, "deleted")
            super().delete_queryset(request, queryset)  # type: ignore[misc]

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        """Inline rows (memberships of a person, a site's checklist, an area's
        municipalities) are audited as changes of their own model."""
        inline = audited_inline(formset.model)
        if inline is None:
            # A part of the object itself (a site's checklist): a change of the object.
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            changes = formset.changed_objects
            fields = sorted({field for _obj, changed in changes for field in changed})
            if formset.new_objects or fields:
                name = formset.model._meta.model_name
                listed = [f"{name}.{field}" for field in fields] or [name]
                self.audit_log(request, form.instance, "changed", {"fields": listed})
            return
        for row in formset.deleted_forms:
            if row.instance.pk is not None:
                inline.audit_log(request, row.instance, "deleted")
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in formset.new_objects:
            inline.audit_log(request, obj, "added")
        for obj, fields in formset.changed_objects:
            inline.audit_log(request, obj, "changed", {"fields": sorted(fields)})


def audited_inline(model: type[models.Model]) -> "AuditedAdmin | None":
    """The registered admin of `model`, when it audits its changes."""
    model_admin = admin_site._registry.get(model)
    return model_admin if isinstance(model_admin, AuditedAdmin) else None
