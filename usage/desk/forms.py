"""The desk's forms: they only parse what the page sent; the rules of a use
are the recording service's (usage.services)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from usage.desk.card_check import day_range
from usage.forms import CardIdField
from usage.services import REFUSAL_MESSAGES
from venues.models import Offering


class DeskDayField(forms.DateField):
    """The date of use at the desk: today, or ahead for advance sales."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    default_error_messages = {
        "out_of_range": _("Choose a date from today to a year ahead."),
    }

    def validate(self, value):
        super().validate(value)
        first, last = day_range()
        if value and not (first <= value <= last):
            raise ValidationError(self.error_messages["out_of_range"], code="out_of_range")


def _desk_card_field(**kwargs) -> CardIdField:
    # The same plain words as the recording service's refusal.
    return CardIdField(
        error_messages={
            "malformed": REFUSAL_MESSAGES["card_id_malformed"],
            "required": _("Scan or type the card ID."),
        },
        **kwargs,
    )


class DeskViewForm(forms.Form):
    """The desk's site and date of use, and (posted, never in a URL) the card to check."""

    site = forms.IntegerField(required=False)
    day = DeskDayField(required=False)
    card = forms.CharField(required=False, max_length=200)


class DeskRecordForm(forms.Form):
    """One use recorded at the desk. The rules are checked by the service; this
    form only parses what the page sent."""

    day = DeskDayField()
    card = _desk_card_field()
    offering = forms.ModelChoiceField(
        queryset=None,
        required=False,
        error_messages={"invalid_choice": _("Choose one of the offerings listed.")},
    )
    children = forms.IntegerField(required=False, min_value=0)
    key = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the site's own offerings; whether one is on the day, excluded or
        # full is for the service to say, in its own words.
        self.fields["offering"].queryset = Offering.objects.filter(site=site)

    def clean_children(self):
        return self.cleaned_data["children"] or 0
