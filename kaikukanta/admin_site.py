"""The Django admin at /admin/, for national admins (everything) and area
coordinators (their area). Access comes from `kaikukanta.access`, never from
Django's per-model permissions, so that there is one set of rules."""

from functools import wraps

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kaikukanta import access


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

        return report_urls(self) + super().get_urls()

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
