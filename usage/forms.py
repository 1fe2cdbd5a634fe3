"""Forms of the card register."""

import datetime

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kaikukanta.text import no_control_characters
from usage.card_ids import CARD_ID_MAX_LENGTH, is_valid_card_id, normalise_card_id
from usage.models import DEFAULT_GROUP_LIMIT, MAX_CHILDREN, Card
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
# The distributor's forms. There is no field for a name, identity code, birth
# date or address, and there never will be: tests/usage/test_no_personal_data.py
# fails if one appears.
# ---------------------------------------------------------------------------

# The recording service and the database allow at most MAX_CHILDREN children's
# tickets in one use, so a larger group limit could never be used at the desk.
MAX_GROUP_LIMIT = MAX_CHILDREN
OLDEST_HOLDER_AGE = 120
YOUNGEST_HOLDER_AGE = 16

NOT_RECORDED = ("", _("not recorded"))


class PersonalBackgroundForm(forms.Form):
    """The minimum background data of a personal card (DOMAIN.md): birth year,
    postal code of residence, children; optional gender and life situation."""

    birth_year = forms.IntegerField(
        label=_("Birth year"),
        help_text=_("The year only. The holder is at least 16 or turns 16 this year."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    postal_code = forms.CharField(
        label=_("Postal code of residence"),
        help_text=_("Five digits."),
        validators=[
            no_control_characters,
            RegexValidator(r"^[0-9]{5}$", message=_("A postal code has exactly five digits.")),
        ],
        # The holder's, not the distributor's own: the browser must not fill it in.
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9]{5}",
                "maxlength": 5,
            }
        ),
    )
    children = forms.IntegerField(
        label=_("Children or grandchildren under 18"),
        help_text=_(
            "Own or same-household children or grandchildren under 18 (0–20). They may "
            "come along with the holder on the card."
        ),
        min_value=0,
        max_value=MAX_CHILDREN,
    )
    gender = forms.ChoiceField(
        label=_("Gender"), required=False, choices=[NOT_RECORDED, *Card.Gender.choices]
    )
    life_situation = forms.ChoiceField(
        label=_("Life situation"),
        required=False,
        choices=[NOT_RECORDED, *Card.LifeSituation.choices],
    )

    PERSONAL_FIELDS = ("birth_year", "postal_code", "children", "gender", "life_situation")

    def __init__(self, *args, today: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.this_year = (today or timezone.localdate()).year
        self.fields["birth_year"].widget.attrs.update(
            {"min": self.this_year - OLDEST_HOLDER_AGE, "max": self.latest_birth_year}
        )

    @property
    def latest_birth_year(self) -> int:
        return self.this_year - YOUNGEST_HOLDER_AGE

    def clean_birth_year(self) -> int | None:
        year = self.cleaned_data.get("birth_year")
        if year is None:
            return None
        if year > self.latest_birth_year:
            raise ValidationError(
                _(
                    "The holder must be at least 16 or turn 16 this year: born in "
                    "%(year)s or earlier."
                ),
                code="too_young",
                params={"year": self.latest_birth_year},
            )
        if year < self.this_year - OLDEST_HOLDER_AGE:
            raise ValidationError(
                _("Check the birth year: the holder would be over %(age)s years old."),
                code="too_old",
                params={"age": OLDEST_HOLDER_AGE},
            )
        return year

    def background(self) -> dict:
        """The cleaned personal background, as the card register's services take it."""
        return {field: self.cleaned_data[field] for field in self.PERSONAL_FIELDS}


class CommunityBackgroundForm(forms.Form):
    """A community card has no holder: only the group limit, which plays the role
    of the child count."""

    group_limit = forms.IntegerField(
        label=_("Group limit"),
        help_text=format_lazy(
            _("The most clients under 16 that the employee using the card may bring (1–{max})."),
            max=MAX_GROUP_LIMIT,
        ),
        initial=DEFAULT_GROUP_LIMIT,
        min_value=1,
        max_value=MAX_GROUP_LIMIT,
    )

    def background(self) -> dict:
        return {"group_limit": self.cleaned_data["group_limit"]}


class CardRegisterForm(PersonalBackgroundForm, CommunityBackgroundForm):
    """Register a card given out today: its ID, its kind, and the background data
    of its kind. The personal fields are required for a personal card and must
    stay empty for a community card."""

    card_id = CardIdField(
        help_text=_("Type the ID printed on the card, or scan its barcode or QR code."),
    )
    kind = forms.ChoiceField(
        label=_("Kind of card"),
        choices=Card.Kind.choices,
        initial=Card.Kind.PERSONAL,
        widget=forms.RadioSelect,
    )

    field_order = ("card_id", "kind", *PersonalBackgroundForm.PERSONAL_FIELDS, "group_limit")

    # Required for their kind of card only: marked required (each set is shown
    # for its kind), and the other kind's "required" is dropped in clean().
    REQUIRED_BY_KIND = {
        Card.Kind.PERSONAL: ("birth_year", "postal_code", "children"),
        Card.Kind.COMMUNITY: ("group_limit",),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REQUIRED_BY_KIND[Card.Kind.PERSONAL]:
            self.fields[name].error_messages["required"] = _(
                "A personal card needs this background data."
            )
        self.fields["group_limit"].error_messages["required"] = _(
            "A community card needs a group limit."
        )
        self.fields["card_id"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's <form> has its token
        self.helper.layout = Layout(
            "card_id",
            "kind",
            Fieldset(
                _(
                    "A personal card: the holder's background data (birth year, postal code "
                    "and children are required)"
                ),
                *self.PERSONAL_FIELDS,
                css_id="personal-fields",
            ),
            Fieldset(_("A community card"), "group_limit", css_id="community-fields"),
        )

    def clean_card_id(self) -> str:
        card_id = self.cleaned_data["card_id"]
        if Card.objects.filter(card_id=card_id).exists():
            raise ValidationError(
                _(
                    "A card with the ID %(card_id)s is already registered. Check the ID; "
                    "a card given out before is renewed, not registered again."
                ),
                code="duplicate",
                params={"card_id": card_id},
            )
        return card_id

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == Card.Kind.COMMUNITY:
            for name in self.REQUIRED_BY_KIND[Card.Kind.PERSONAL]:
                self._drop_required(name)
            for name in self.PERSONAL_FIELDS:
                if data.get(name) not in (None, ""):
                    self.add_error(
                        name,
                        ValidationError(
                            _(
                                "A community card has no holder's background data: "
                                "leave this empty."
                            ),
                            code="community_has_no_background",
                        ),
                    )
        elif data.get("kind") == Card.Kind.PERSONAL:
            # The group limit is sent along (it has a default) but not used.
            self._errors.pop("group_limit", None)
        return data

    def full_clean(self) -> None:
        super().full_clean()
        # The focus goes where the distributor acts next: the first field to correct.
        first_error = next((name for name in self.fields if name in self._errors), None)
        if first_error:
            for name, field in self.fields.items():
                field.widget.attrs.pop("autofocus", None)
                if name == first_error:
                    field.widget.attrs["autofocus"] = True

    def _drop_required(self, name: str) -> None:
        """Forget that a field of the other kind of card was left empty."""
        errors = self._errors.get(name)
        if errors and all(error.code == "required" for error in errors.as_data()):
            del self._errors[name]

    def background(self) -> dict:
        if self.cleaned_data["kind"] == Card.Kind.COMMUNITY:
            return CommunityBackgroundForm.background(self)
        return PersonalBackgroundForm.background(self)


class CloseCardForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is the card closed?"),
        choices=Card.CloseReason.choices,
        widget=forms.RadioSelect,
    )


class CardSearchForm(forms.Form):
    """Find a card of the site by its ID (whole or part), or list by state."""

    q = forms.CharField(label=_("Card ID"), required=False, max_length=64)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, states, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("all cards")), *states]
        self.fields["q"].widget.attrs.update(
            {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        )

    def clean_q(self) -> str:
        return normalise_card_id(self.cleaned_data.get("q"))


# ---------------------------------------------------------------------------
# The venue's list of uses and voids
# ---------------------------------------------------------------------------


class UsesFilterForm(forms.Form):
    day = forms.DateField(
        label=_("Date of use"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    offering = forms.ModelChoiceField(
        label=_("Offering"),
        required=False,
        queryset=Offering.objects.none(),
        empty_label=_("all offerings"),
    )

    def __init__(self, *args, offerings, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offering"].queryset = offerings


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"),
        max_length=300,
        validators=[no_control_characters],
        help_text=_(
            "For example: wrong offering, recorded twice, wrong card. Do not write names "
            "or other personal data."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for voiding."), code="required")
        return reason
