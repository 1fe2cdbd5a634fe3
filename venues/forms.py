from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from kaikukanta.audit import ACTION_LABELS
from venues.models import Checklist, Membership, Site


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Checklist
        fields = [
            "guideline_committed_on",
            "staff_instructed_on",
            "prices_page_url",
            "broker_informed",
            "brokers",
            "free_cloakroom",
            "assistants_free_known",
        ]
        widgets = {
            "guideline_committed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "staff_instructed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "broker_informed": forms.NullBooleanSelect,
            "free_cloakroom": forms.NullBooleanSelect,
            "assistants_free_known": forms.NullBooleanSelect,
        }

    def clean(self):
        data = super().clean()
        if data.get("broker_informed") and not data.get("brokers"):
            self.add_error("brokers", _("Name the ticket brokers you informed."))
        return data


class InviteForm(forms.Form):
    """Invite a person to act at a site (or for an area) in one role. The choices
    come from the inviter's scope (`kaikukanta.access.invitable_roles`)."""

    email = forms.EmailField(label=_("Email address"))
    full_name = forms.CharField(label=_("Name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, roles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Membership.Role.choices)
        self.fields["role"].choices = [(role, labels[role]) for role in roles]
        if len(roles) == 1:
            self.fields["role"].initial = roles[0]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class SiteChoiceForm(forms.Form):
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.none())


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("What"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("all changes")), *ACTION_LABELS.items()]
