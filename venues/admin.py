"""The network in the admin: national admins manage everything, coordinators
their area's organisations, sites, people and memberships."""

from django import forms
from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from kaikukanta import access, audit_text
from kaikukanta.admin_site import ScopedAdmin, admin_site
from kaikukanta.audit import ACTION_LABELS
from kaikukanta.models import AuditEntry
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
class AreaAdmin(ScopedAdmin):
    list_display = ("name", "welfare_area", "website")
    search_fields = ("name", "welfare_area")
    inlines = [MunicipalityInline]

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.coordinated_areas(request.user))

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
class MunicipalityAdmin(NationalOnlyWrites, ScopedAdmin):
    list_display = ("name", "code", "area")
    list_filter = ("area",)
    search_fields = ("name", "code")

    def scoped_queryset(self, request, qs):
        if access.is_national_admin(request.user):
            return qs
        return qs.filter(area__in=access.coordinated_areas(request.user))


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
class OrganisationAdmin(AreaScopedChoices, ScopedAdmin):
    list_display = ("name", "kind", "area")
    list_filter = ("kind", "area")
    search_fields = ("name", "business_id")

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.organisations(request.user))


class ChecklistInline(admin.StackedInline):
    model = Checklist
    can_delete = False
    extra = 0


@admin.register(Site, site=admin_site)
class SiteAdmin(AreaScopedChoices, ScopedAdmin):
    list_display = ("name", "organisation", "municipality", "contact_name", "is_active")
    list_filter = ("organisation__kind", "municipality__area", "is_active")
    search_fields = ("name", "organisation__name", "contact_name", "contact_email")
    list_select_related = ("organisation", "municipality")
    inlines = [ChecklistInline]

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.sites(request.user, access.Can.MANAGE_PEOPLE))

    def has_delete_permission(self, request, obj=None):
        # Sites with history are closed (is_active off), not deleted.
        return access.is_national_admin(request.user)


@admin.register(Membership, site=admin_site)
class MembershipAdmin(AreaScopedChoices, ScopedAdmin):
    list_display = ("user", "role", "site", "area", "created_at")
    list_filter = ("role", "area", "site__municipality__area")
    search_fields = ("user__email", "user__full_name", "site__name")
    list_select_related = ("user", "site", "area")
    autocomplete_fields = ()

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.memberships(request.user))


class MembershipInline(AreaScopedChoices, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("role", "site", "area")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=access.memberships(request.user))


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


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
class UserAdmin(DjangoUserAdmin, ScopedAdmin):
    form = UserChangeForm
    add_form = UserAddForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_active", "is_national_admin", "last_login")
    list_filter = ("is_active", "is_national_admin")
    search_fields = ("email", "full_name")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Person"), {"fields": ("full_name", "phone")}),
        (_("Access"), {"fields": ("is_active", "is_national_admin", "is_staff")}),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "full_name", "phone")}),)
    filter_horizontal = ()

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.people(request.user))

    def get_readonly_fields(self, request, obj=None):
        fields = ["last_login", "date_joined"]
        if not access.is_national_admin(request.user):
            # Coordinators correct names and phone numbers; roles come from memberships.
            fields += ["email", "is_national_admin", "is_staff"]
        return fields

    def has_add_permission(self, request):
        # New people arrive by invitation (an email with a link to set a password).
        return access.is_national_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        # People who recorded uses stay, deactivated, so that the records say who.
        return access.is_national_admin(request.user)


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
