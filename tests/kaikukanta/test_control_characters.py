"""Control characters (issue 9): refused at input by one validator on every
text field, and replaced in every workbook the register writes, for text
stored before the rule."""

import importlib
import pkgutil

import pytest
from django import forms
from django.apps import apps
from django.db import models

from kaikukanta.text import no_control_characters, printable

OUR_APPS = ("kaikukanta", "venues", "usage", "stats")
HOSTILE = "Hamlet\x01 ja\x0bOfelia"

# Text fields that no person types: written by the code from values it has
# checked (codes, hashes, keys) or from an uploaded file's own names.
MACHINE_FIELDS = {
    "kaikukanta.AuditEntry": {"actor_label", "action", "object_type", "object_id"},
    "kaikukanta.RateCounter": {"bucket"},
    "usage.Card": {"card_id"},  # CARD_ID_PATTERN allows letters, digits and dashes only
    "usage.BrokerToken": {"prefix", "secret_hash"},
    "usage.Redemption": {"idempotency_key", "request_fingerprint"},
    "usage.ImportBatch": {"filename", "sheet"},
    "stats.SummaryState": {"stale_reason"},
    "stats.UseCell": {"channel"},
    "stats.SiteCell": {"value"},
    "stats.CardPeriodCell": {"kind"},
    "venues.User": {"password"},  # a hash
    # The uploaded name, cleaned of control characters on upload; the digest.
    "venues.OnboardingFile": {"name", "sha256"},
}


def _text_fields():
    for model in apps.get_models():
        if model._meta.app_label not in OUR_APPS:
            continue
        label = model._meta.label
        for field in model._meta.get_fields():
            if not isinstance(field, models.CharField | models.TextField):
                continue
            if field.choices or isinstance(field, models.EmailField | models.URLField):
                continue  # a choice, or a format that has its own validator
            if field.name in MACHINE_FIELDS.get(label, set()):
                continue
            yield f"{label}.{field.name}", field


def test_every_text_field_of_every_model_refuses_control_characters():
    missing = [
        name for name, field in _text_fields() if no_control_characters not in field.validators
    ]
    assert not missing


def _our_forms():
    for app in ("venues", "usage", "stats", "kaikukanta"):
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)
    seen = set()
    stack = [forms.Form, forms.ModelForm]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                stack.append(sub)
    return [cls for cls in seen if cls.__module__.split(".")[0] in OUR_APPS]


# Form fields whose text is parsed into something stricter (a card ID, a date,
# a number, a code), so a control character is refused by that parsing.
# Passwords are never shown or exported, and may hold any character.
PARSED_FORM_FIELDS = {"card", "q", "key", "date", "offering", "card_id", "children", "day"}
PARSED_FORM_FIELDS |= {"password", "password1", "password2", "old_password", "new_password1"}
PARSED_FORM_FIELDS |= {"new_password2"}
# A second factor's code is checked against the person's devices, never stored.
PARSED_FORM_FIELDS |= {"code"}


def _validated_by_the_model(form, name: str) -> bool:
    """A model form runs the model field's validators (full_clean)."""
    meta = getattr(form, "_meta", None)
    if meta is None or meta.model is None:
        return False
    try:
        field = meta.model._meta.get_field(name)
    except Exception:
        return False
    return no_control_characters in getattr(field, "validators", [])


def test_every_free_text_field_of_every_form_refuses_control_characters():
    missing = []
    for form in _our_forms():
        for name, field in form.base_fields.items():
            if type(field) is not forms.CharField or name in PARSED_FORM_FIELDS:
                continue
            if _validated_by_the_model(form, name):
                continue
            if no_control_characters not in field.validators:
                missing.append(f"{form.__module__}.{form.__name__}.{name}")
    assert not missing


@pytest.mark.parametrize("character", ["\x01", "\x0b", "\x1f", "\x7f"])
def test_the_validator_refuses_control_characters(character):
    with pytest.raises(Exception) as refused:
        no_control_characters(f"Hamlet{character}")
    assert refused.value.code == "control_characters"


def test_the_validator_lets_ordinary_text_and_line_breaks_pass():
    no_control_characters("Hamlet – ensi-ilta 24.11. klo 19.00\nÅbo, Märta\t")


def test_printable_replaces_each_control_character_with_a_space():
    assert printable(HOSTILE) == "Hamlet  ja Ofelia"
    assert printable(12) == 12


# --- At input, in the forms people use ------------------------------------------------


@pytest.mark.usefixtures("english")
@pytest.mark.parametrize("character", ["\x01", "\x0b"])
def test_an_offering_title_with_a_control_character_is_a_form_error(net, contact, character):
    from django.urls import reverse

    from venues.models import Offering

    response = contact.post(
        reverse("venues:offering_create", args=[net.venue_a.pk, "show"]),
        {"title": f"Ham{character}let", "sector": "culture", "date": "2030-01-01"},
    )

    assert response.status_code == 200
    assert "invisible control characters" in response.content.decode()
    assert not Offering.objects.exists()


@pytest.mark.parametrize("character", ["\x01", "\x0b"])
def test_site_and_organisation_names_with_a_control_character_are_refused(net, character):
    from django.core.exceptions import ValidationError

    site, organisation = net.venue_a, net.venue_a.organisation
    site.name = f"Venue{character}A"
    organisation.name = f"Org{character}A"

    with pytest.raises(ValidationError) as site_error:
        site.full_clean()
    with pytest.raises(ValidationError) as organisation_error:
        organisation.full_clean()

    assert "name" in site_error.value.message_dict
    assert "name" in organisation_error.value.message_dict


@pytest.mark.usefixtures("english")
def test_a_coordinator_cannot_save_a_site_name_with_a_control_character_in_the_admin(
    net, client_for
):
    from django.urls import reverse

    from venues.models import Site

    url = reverse("admin:venues_site_change", args=[net.venue_a.pk])
    coordinator = client_for("coordinator")
    form = coordinator.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    data.update(
        {
            "name": "Venue\x0bA",
            "organisation": net.venue_a.organisation_id,
            "municipality": net.venue_a.municipality_id,
        }
    )

    response = coordinator.post(url, data)

    assert response.status_code == 200
    assert "invisible control characters" in response.content.decode()
    assert Site.objects.get(pk=net.venue_a.pk).name == "Venue A"


@pytest.mark.usefixtures("english")
def test_a_void_reason_with_a_control_character_is_refused(net, client_for):
    from django.urls import reverse

    from tests.factories import CardFactory, OfferingFactory
    from usage.models import Redemption
    from usage.services import record_redemption

    offering = OfferingFactory(site=net.venue_a)
    use = record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=net.venue_a,
        offering=offering,
        channel=Redemption.Channel.DESK,
    ).redemption
    url = reverse("usage:use_void", args=[net.venue_a.pk, use.pk])

    response = client_for("venue_contact").post(url, {"reason": "Wrong\x01show"})

    assert "invisible control characters" in response.content.decode()
    use.refresh_from_db()
    assert not use.is_voided
