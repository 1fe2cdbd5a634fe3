"""The network in the admin: national admins manage everything, coordinators
their area's organisations, sites, people and memberships."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kaikukanta import access, audit_text
from kaikukanta.admin_site import AuditedAdmin, ScopedAdmin, admin_site
from kaikukanta.audit import ACTION_LABELS
from kaikukanta.models import AuditEntry
from venues import second_factor, services
from venues.models import Area, Checklist, Membership, Municipality, Organisation, Site, User


class NationalOnlyWrites:
    """Coordinators may look; only national admins add, change and delete."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return access.is_national_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.is_national_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return access.is_national_admin(request.user)


class MunicipalityInline(admin.TabularInline):
    model = Municipality
    fields = ("name", "code")
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return access.is_national_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return access.is_national_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Area, site=admin_site)
class AreaAdmin(AuditedAdmin, ScopedAdmin):
    audit_actions = {"added": "area.added", "changed": "area.changed", "deleted": "area.deleted"}
    list_display = ("name", "welfare_area", "website")
    search_fields = ("name", "welfare_area")
    inlines = [MunicipalityInline]

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.coordinated_areas(request.user))

    def audit_place(self, request, obj):
        return {"area": obj}

    def has_add_permission(self, request):
        return access.is_national_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.is_national_admin(request.user)

    def get_readonly_fields(self, request, obj=None):
        # A coordinator keeps the area's website up to date; the rest is national.
        if access.is_national_admin(request.user):
            return ()
        return ("name", "welfare_area")


@admin.register(Municipality, site=admin_site)
class MunicipalityAdmin(NationalOnlyWrites, AuditedAdmin, ScopedAdmin):
    audit_actions = {
        "added": "municipality.added",
        "changed": "municipality.changed",
        "deleted": "municipality.deleted",
    }
    list_display = ("name", "code", "area")
    list_filter = ("area",)
    search_fields = ("name", "code")

    def scoped_queryset(self, request, qs):
        if access.is_national_admin(request.user):
            return qs
        return qs.filter(area__in=access.coordinated_areas(request.user))

    def audit_place(self, request, obj):
        return {"area": obj.area}


class AreaScopedChoices:
    """Foreign-key choices limited to what the user manages, so a coordinator
    cannot place anything outside their area."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        choices: dict[str, QuerySet] = {
            "area": access.coordinated_areas(user),
            "municipality": Municipality.objects.filter(area__in=access.coordinated_areas(user)),
            "organisation": access.organisations(user),
            "site": access.sites(user, access.Can.MANAGE_PEOPLE),
            "user": access.people(user) if not access.is_national_admin(user) else User.objects,
        }
        if db_field.name in choices and not (
            access.is_national_admin(user) and db_field.name == "municipality"
        ):
            kwargs["queryset"] = choices[db_field.name]
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Organisation, site=admin_site)
class OrganisationAdmin(AreaScopedChoices, AuditedAdmin, ScopedAdmin):
    audit_actions = {
        "added": "organisation.added",
        "changed": "organisation.changed",
        "deleted": "organisation.deleted",
    }
    list_display = ("name", "kind", "area")
    list_filter = ("kind", "area")
    search_fields = ("name", "business_id")

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.organisations(request.user))

    def audit_place(self, request, obj):
        return {"area": obj.area}


class ChecklistInline(admin.StackedInline):
    model = Checklist
    can_delete = False
    extra = 0


@admin.register(Site, site=admin_site)
class SiteAdmin(AreaScopedChoices, AuditedAdmin, ScopedAdmin):
    audit_actions = {"added": "site.added", "changed": "site.changed", "deleted": "site.deleted"}
    list_display = ("name", "organisation", "municipality", "contact_name", "is_active")
    list_filter = ("organisation__kind", "municipality__area", "is_active")
    search_fields = ("name", "organisation__name", "contact_name", "contact_email")
    list_select_related = ("organisation", "municipality")
    inlines = [ChecklistInline]

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.sites(request.user, access.Can.MANAGE_PEOPLE))

    def audit_place(self, request, obj):
        return {"site": obj}

    def audit_place_of_deleted(self, request, obj):
        # The entry outlives the site, so it is filed under the site's area:
        # an entry that pointed at the site would keep it from being deleted.
        return {"area": obj.municipality.area}

    def has_delete_permission(self, request, obj=None):
        # Sites with history are closed (is_active off), not deleted.
        return access.is_national_admin(request.user)


@admin.register(Membership, site=admin_site)
class MembershipAdmin(AreaScopedChoices, AuditedAdmin, ScopedAdmin):
    audit_actions = {
        "added": "membership.added",
        "changed": "membership.changed",
        "deleted": "membership.removed",
    }
    list_display = ("user", "role", "site", "area", "created_at")
    list_filter = ("role", "area", "site__municipality__area")
    search_fields = ("user__email", "user__full_name", "site__name")
    list_select_related = ("user", "site", "area")
    autocomplete_fields = ()

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.memberships(request.user))

    def audit_place(self, request, obj):
        return {"site": obj.site, "area": obj.area}

    def audit_log(self, request, obj, what, data=None):
        who = {"role": obj.role, "user_id": obj.user_id}
        super().audit_log(request, obj, what, {**who, **(data or {})})


class MembershipInline(AreaScopedChoices, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "site", "area")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=access.memberships(request.user))


class UserChangeForm(forms.ModelForm):
    """A person's details. No password: people set their own from the invitation
    or reset link, which an admin may send them (the action below)."""

    class Meta:
        model = User
        fields = ("email", "full_name", "phone", "is_active", "is_national_admin", "is_staff")


class UserAddForm(forms.ModelForm):
    """A person added by a national admin sets their password from the
    invitation link (the password reset flow), so none is asked here."""

    class Meta:
        model = User
        fields = ("email", "full_name", "phone")

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_unusable_password()
        if commit:
            user.save()
        return user


@admin.register(User, site=admin_site)
class UserAdmin(AuditedAdmin, ScopedAdmin):
    """People. Who may change a person's account is `access.may_manage_account`:
    anyone else sees the person read-only, and nobody sets another's password."""

    audit_actions = {
        "added": "person.added",
        "changed": "person.changed",
        "deleted": "person.deleted",
    }
    form = UserChangeForm
    add_form = UserAddForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_national_admin", "last_login")
    list_filter = ("is_active", "is_national_admin")
    search_fields = ("email", "full_name")
    inlines = [MembershipInline]
    actions = ["send_password_reset_link", "reset_second_factor"]
    fieldsets = (
        (None, {"fields": ("email",)}),
        (_("Person"), {"fields": ("full_name", "phone")}),
        (_("Access"), {"fields": ("is_active", "is_national_admin", "is_staff")}),
        (_("Logging in"), {"fields": ("second_factor", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "phone")}),)

    def get_urls(self):
        # Django's user admin has a page for setting another person's password;
        # ours has none, and its old address answers 404 rather than redirecting.
        no_password_page = path(
            "<id>/password/",
            self.admin_site.admin_view(_no_password_page),
            name=f"{self.opts.app_label}_{self.opts.model_name}_password",
        )
        return [no_password_page, *super().get_urls()]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        return self.add_fieldsets if obj is None else self.fieldsets

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.people(request.user))

    def get_readonly_fields(self, request, obj=None):
        fields = ["second_factor", "last_login", "date_joined"]
        if not access.is_national_admin(request.user):
            # Coordinators correct names and phone numbers; roles come from memberships.
            fields += ["email", "is_national_admin", "is_staff"]
        return fields

    @admin.display(description=_("second factor"))
    def second_factor(self, obj: User) -> str:
        return second_factor.summary(obj)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not access.may_manage_account(request.user, obj):
            return False  # seen read-only (Django answers a POST with 403)
        return super().has_change_permission(request, obj)

    def has_add_permission(self, request):
        # New people arrive by invitation (an email with a link to set a password).
        return access.is_national_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        # People who recorded uses stay, deactivated, so that the records say who.
        return access.is_national_admin(request.user)

    def audit_place(self, request, obj):
        return {"area": services.area_of_person(obj, access.coordinated_areas(request.user))}

    @admin.action(description=_("Send a link to set a new password"))
    def send_password_reset_link(self, request, queryset):
        people = access.manageable_people(request.user, queryset)
        for person in people:
            services.send_password_reset_link(person=person, sent_by=request.user)
        self._report(request, len(people), len(queryset) - len(people))

    @admin.action(description=_("Remove the second factor (lost phone)"))
    def reset_second_factor(self, request, queryset):
        people = access.manageable_people(request.user, queryset)
        for person in people:
            second_factor.reset(person=person, reset_by=request.user)
        self._report(request, len(people), len(queryset) - len(people))

    def _report(self, request, done: int, refused: int) -> None:
        if done:
            messages.success(
                request,
                ngettext("Done for %(count)d person.", "Done for %(count)d people.", done)
                % {"count": done},
            )
        if refused:
            messages.error(
                request,
                ngettext(
                    "%(count)d person was skipped: you may not change their account.",
                    "%(count)d people were skipped: you may not change their accounts.",
                    refused,
                )
                % {"count": refused},
            )


def _no_password_page(request: HttpRequest, id: str):
    raise Http404


class AuditActionFilter(admin.SimpleListFilter):
    title = _("what")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return list(ACTION_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class AuditPersonFilter(admin.SimpleListFilter):
    """Who acted: among the people in the entries the user may see."""

    title = _("who")
    parameter_name = "actor"

    def lookups(self, request, model_admin):
        people = User.objects.filter(
            pk__in=model_admin.get_queryset(request).exclude(actor=None).values("actor")
        ).order_by("full_name", "email")
        return [(str(person.pk), person.get_full_name()) for person in people]

    def queryset(self, request, queryset):
        return queryset.filter(actor_id=self.value()) if self.value() else queryset


class AuditChangeList(ChangeList):
    def get_results(self, request):
        # Every entry of the page told in one go: a few queries for the names, not one per row.
        super().get_results(request)
        listed = list(self.result_list)
        for entry, text in zip(listed, audit_text.sentences(listed), strict=True):
            entry.sentence = text


@admin.register(AuditEntry, site=admin_site)
class AuditEntryAdmin(ScopedAdmin):
    """The audit trail, read-only: each entry as a sentence, in Helsinki time."""

    list_display = ("at", "what_happened", "place")
    list_filter = (AuditActionFilter, AuditPersonFilter)
    list_select_related = ("actor", "site", "area")
    date_hierarchy = "at"
    fields = ("at", "what_happened", "site", "area")
    readonly_fields = ("at", "what_happened", "site", "area")

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    @admin.display(description=_("what happened"))
    def what_happened(self, entry: AuditEntry) -> str:
        text = getattr(entry, "sentence", None)
        return text if text is not None else audit_text.sentence(entry)

    @admin.display(description=_("where"))
    def place(self, entry: AuditEntry) -> str:
        return str(entry.site or entry.area or "–")

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.audit_entries(request.user))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
