"""Forms of the card register."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from usage.card_ids import CARD_ID_MAX_LENGTH, is_valid_card_id, normalise_card_id


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
