"""Ticket brokers in the admin: a coordinator manages the brokers of their area
(and may give them only the area's venue sites), a national admin all of them.

A token is created from the broker's page and shown once, in a message; after
that only its prefix is seen. Tokens are revoked there too, never deleted."""

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kaikukanta import access
from kaikukanta.admin_site import AuditedAdmin, LabelledTabularInline, ScopedAdmin, admin_site
from kaikukanta.text import no_control_characters
from usage import brokers
from usage.models import Broker, BrokerToken


class BrokerForm(forms.ModelForm):
    new_token = forms.BooleanField(
        label=_("Create a new API token"),
        required=False,
        help_text=_("The token is shown once, after saving. Copy it to the broker then."),
    )
    new_token_label = forms.CharField(
        label=_("Label of the new token"),
        required=False,
        max_length=100,
        validators=[no_control_characters],
        help_text=_("E.g. the system or environment that uses it."),
    )

    class Meta:
        model = Broker
        fields = ("name", "contact_email", "area", "sites", "is_active")


class TokenForm(forms.ModelForm):
    revoke = forms.BooleanField(label=_("revoke"), required=False)

    class Meta:
        model = BrokerToken
        fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The checkbox's name says which token it revokes (its column header only says "revoke").
        if self.instance.pk:
            self.fields["revoke"].widget.attrs["aria-label"] = _("Revoke the token %(prefix)s…") % {
                "prefix": self.instance.prefix
            }


class BrokerTokenInline(LabelledTabularInline):
    model = BrokerToken
    form = TokenForm
    fields = ("prefix", "label", "created_at", "created_by", "last_used_at", "revoked_at", "revoke")
    readonly_fields = ("prefix", "label", "created_at", "created_by", "last_used_at", "revoked_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # through "Create a new API token", which shows the token once

    def has_change_permission(self, request, obj=None) -> bool:
        return access.may_use_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Broker, site=admin_site)
class BrokerAdmin(AuditedAdmin, ScopedAdmin):
    audit_actions = {
        "added": "broker.added",
        "changed": "broker.changed",
        "deleted": "broker.deleted",
    }
    form = BrokerForm
    list_display = ("name", "area", "is_active", "contact_email", "created_at")
    list_filter = ("is_active", "area")
    search_fields = ("name", "contact_email", "tokens__prefix")
    # Checkboxes, not Django's two-box filter widget: its search labels carry
    # ARIA attributes that axe rejects, and a broker has a handful of sites.
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    inlines = [BrokerTokenInline]
    fieldsets = (
        (None, {"fields": ("name", "contact_email", "area", "is_active")}),
        (_("Where it may record"), {"fields": ("sites",)}),
        (_("API tokens"), {"fields": ("new_token", "new_token_label")}),
    )

    def scoped_queryset(self, request, qs):
        return qs.filter(pk__in=access.brokers(request.user))

    def audit_place(self, request, obj):
        return {"area": obj.area}

    def has_delete_permission(self, request, obj=None) -> bool:
        # A broker that has recorded uses stays; it is deactivated instead.
        return access.is_national_admin(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "area":
            kwargs["queryset"] = access.coordinated_areas(request.user)
            # A coordinator's brokers belong to one of their areas; empty means Kaikukeskus.
            kwargs["required"] = not access.is_national_admin(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "sites":
            kwargs["queryset"] = access.broker_site_choices(request.user)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request: HttpRequest, form, formsets, change) -> None:
        broker = form.instance
        # Sites outside the user's choices (given by Kaikukeskus) are not in the
        # form; saving the form must not take them away.
        kept = list(broker.sites.exclude(pk__in=access.broker_site_choices(request.user)))
        form.save_m2m()
        if kept:
            broker.sites.add(*kept)
        for formset in formsets:
            if formset.model is BrokerToken:
                self._revoke(request, formset)
            else:
                self.save_formset(request, form, formset, change=change)
        if form.cleaned_data.get("new_token"):
            _token, secret = brokers.create_token(
                broker=broker,
                label=form.cleaned_data.get("new_token_label", ""),
                created_by=request.user,
            )
            messages.warning(
                request,
                format_html(
                    "{} <code>{}</code> {}",
                    _("The new API token of %(broker)s:") % {"broker": broker},
                    secret,
                    _("Copy it now and give it to the broker: it is not shown again."),
                ),
            )

    def _revoke(self, request: HttpRequest, formset) -> None:
        formset.save(commit=False)  # nothing to write; notes the changes for the history
        for token_form in formset.forms:
            token = token_form.instance
            if token_form.cleaned_data.get("revoke") and token.revoked_at is None:
                brokers.revoke_token(token=token, revoked_by=request.user)
                messages.success(
                    request, _("Token %(prefix)s… was revoked.") % {"prefix": token.prefix}
                )
