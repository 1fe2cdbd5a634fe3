from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MinValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kaikukanta.audit import ACTION_LABELS
from kaikukanta.text import no_control_characters
from venues.models import Checklist, Membership, Offering, Site, User


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("Email address"),
        # No autofocus: it would skip the skip link, the heading and the page's
        # introduction for a keyboard or screen-reader user.
        widget=forms.EmailInput(attrs={"autocomplete": "username"}),
    )


class YesNoNotAnswered(forms.NullBooleanSelect):
    """Yes / no / not answered, in the words the site page shows."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("not answered")), ("true", _("yes")), ("false", _("no"))]


class ChecklistForm(forms.ModelForm):
    class Meta:
        model = Checklist
        fields = [
            "guideline_committed_on",
            "prices_page_url",
            "broker_informed",
            "brokers",
            "free_cloakroom",
            "assistants_free_known",
        ]
        widgets = {
            "guideline_committed_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "broker_informed": YesNoNotAnswered,
            "free_cloakroom": YesNoNotAnswered,
            "assistants_free_known": YesNoNotAnswered,
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
    full_name = forms.CharField(label=_("Name"), max_length=150, validators=[no_control_characters])
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


class OfferingForm(forms.ModelForm):
    """A show, a course or admission, each with the fields of its kind:

    - a show: its date and starting time (one day, no last day);
    - a course: its first and last day and, for information, its places;
    - admission: one day, or a range of days up to a last day (the cap is per day).

    The kind is fixed when the offering is created. Saved through
    `venues.services.save_offering`, which audits it."""

    KIND_FIELDS = {
        Offering.Kind.SHOW: ("title", "sector", "date", "start_time"),
        Offering.Kind.COURSE: ("title", "sector", "date", "end_date", "places"),
        Offering.Kind.ADMISSION: ("title", "sector", "date", "end_date"),
    }
    COMMON_FIELDS = ("cap", "excluded", "exclusion_reason")

    class Meta:
        model = Offering
        fields = [
            "title",
            "sector",
            "date",
            "start_time",
            "end_date",
            "places",
            "cap",
            "excluded",
            "exclusion_reason",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.instance.kind = kind
        keep = self.KIND_FIELDS[kind] + self.COMMON_FIELDS
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        fields = self.fields
        if kind == Offering.Kind.SHOW:
            fields["date"].help_text = ""
            fields["start_time"].required = True
            fields["cap"].help_text = _(
                "The most Kaikukortti tickets for this show, holders' and children's together. "
                "Empty: no cap. A cap is not a quota: nothing is reserved."
            )
        elif kind == Offering.Kind.COURSE:
            fields["date"].label = _("First day")
            fields["date"].help_text = ""
            fields["end_date"].required = True
            fields["end_date"].help_text = ""
            fields["cap"].help_text = _(
                "The most Kaikukortti places on this course. Empty: no cap. A cap is not a "
                "quota: nothing is reserved."
            )
        else:
            fields["date"].label = _("Day")
            fields["date"].help_text = _("The day, or the first day of a range of days.")
            fields["end_date"].help_text = _("For a range of days; empty for one day.")
            fields["cap"].help_text = _(
                "The most Kaikukortti tickets per day, holders' and children's together. "
                "Empty: no cap. A cap is not a quota: nothing is reserved."
            )
        # A cap of 0 would shut card holders out without telling anyone why:
        # that is an exclusion, which needs a public reason.
        fields["cap"].validators.append(
            MinValueValidator(
                1,
                message=_(
                    "A cap is at least 1. To offer no Kaikukortti tickets, exclude the "
                    "offering and give the reason."
                ),
            )
        )
        fields["cap"].widget.attrs["min"] = 1
        fields["exclusion_reason"].help_text = _(
            "Required when the offering is excluded. Staff and the public see it."
        )

    def clean(self):
        data = super().clean()
        first, last = data.get("date"), data.get("end_date")
        if first and last and last < first:
            self.add_error("end_date", _("The last day cannot be before the first day."))
        if data.get("excluded"):
            reason = (data.get("exclusion_reason") or "").strip()
            if not reason:
                self.add_error(
                    "exclusion_reason",
                    _("Tell why the offering is excluded: staff and the public see the reason."),
                )
            else:
                data["exclusion_reason"] = reason
        elif "exclusion_reason" in data:
            data["exclusion_reason"] = ""
        return data


class AuditFilterForm(forms.Form):
    """The audit trail's filters: what happened, and who did it (among the
    people who acted in the entries the reader may see)."""

    action = forms.ChoiceField(label=_("What"), required=False)
    person = forms.ModelChoiceField(
        label=_("Who"), required=False, queryset=User.objects.none(), empty_label=_("everyone")
    )

    def __init__(self, *args, people: QuerySet[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("all changes")), *ACTION_LABELS.items()]
        self.fields["person"].queryset = people
        self.fields["person"].label_from_instance = lambda person: person.get_full_name()
