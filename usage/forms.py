"""Forms of the card register."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from usage.card_ids import CARD_ID_MAX_LENGTH, is_valid_card_id, normalise_card_id
from usage.desk import day_range
from usage.services import REFUSAL_MESSAGES
from venues.models import Offering


class CardIdField(forms.CharField):
    """A card ID typed, scanned (USB scanners type it and press Enter, some with
    Code 39's '*' around it) or read from a QR code; normalised on the way in."""

    default_error_messages = {
        "malformed": _(
            "A card ID has 4–20 letters, digits or dashes. Check the number on the card."
        ),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Card ID"))
        kwargs.setdefault("max_length", 64)  # room for spaces and asterisks before normalising
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "inputmode": "text",
            }
        )

    def to_python(self, value):
        return normalise_card_id(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value and (len(value) > CARD_ID_MAX_LENGTH or not is_valid_card_id(value)):
            raise ValidationError(self.error_messages["malformed"], code="malformed")


# ---------------------------------------------------------------------------
# The cashier's desk
# ---------------------------------------------------------------------------


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
    """The desk page's query: the site, the date of use and the card to check."""

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
