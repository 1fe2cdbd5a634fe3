"""The card register never holds a cardholder's name, identity code, date of
birth or address (DOMAIN.md): no model of the register and no form of the
project has a field for one. These tests fail the day someone adds one."""

import importlib
import pkgutil
import re

import pytest
from django import forms
from django.apps import apps

from venues.models import Offering, Site, User

PROJECT_PACKAGES = ("kaikukanta", "venues", "usage", "stats")

# Words that name what is never stored about a cardholder, in English, Finnish
# and Swedish, matched against each part of a field name (`first_name` → first, name).
FORBIDDEN_WORDS = {
    "name",
    "names",
    "firstname",
    "lastname",
    "surname",
    "fullname",
    "nimi",
    "etunimi",
    "sukunimi",
    "namn",
    "hetu",
    "ssn",
    "henkilotunnus",
    "personnummer",
    "identity",
    "identification",
    "dob",
    "birthdate",
    "birthday",
    "syntymaaika",
    "address",
    "street",
    "osoite",
    "katuosoite",
    "adress",
    "email",
    "phone",
    "puhelin",
}
FORBIDDEN_PHRASES = ("birth_date", "date_of_birth", "personal_id", "social_security")

# Relations from the register lead only to these: staff who record (User), the
# sites and offerings of the network, and the register's own rows. None is a
# cardholder.
ALLOWED_RELATED = {User, Site, Offering}

# Staff forms, which rightly ask a staff member's own name and email address.
# Forms of the network's models (venues: staff, sites and their street
# addresses; "nothing in this app describes a cardholder") are staff forms too.
STAFF_FORM_FIELDS = {("venues.forms", "InviteForm"): {"full_name", "email"}}
STAFF_APP = "venues"


def is_personal(name: str) -> bool:
    lowered = name.lower()
    if any(phrase in lowered for phrase in FORBIDDEN_PHRASES):
        return True
    parts = set(re.split(r"[^a-z0-9]+", lowered)) | {lowered.replace("_", "")}
    return bool(parts & FORBIDDEN_WORDS)


@pytest.mark.parametrize(
    "name",
    [
        "name",
        "first_name",
        "last_name",
        "hetu",
        "ssn",
        "henkilotunnus",
        "identity_code",
        "birth_date",
        "date_of_birth",
        "dob",
        "address",
        "street_address",
        "holder_email",
    ],
)
def test_the_check_recognises_personal_field_names(name):
    assert is_personal(name)


@pytest.mark.parametrize(
    "name", ["card_id", "birth_year", "postal_code", "children", "group_limit", "issued_by"]
)
def test_the_check_allows_the_registers_own_fields(name):
    assert not is_personal(name)


# Models of the usage app that describe companies, not cardholders: a ticket
# broker's name and technical contact are a business's.
NOT_ABOUT_CARDHOLDERS = {"Broker", "BrokerToken"}


def register_models():
    return [
        model
        for model in apps.get_app_config("usage").get_models()
        if model.__name__ not in NOT_ABOUT_CARDHOLDERS
    ]


def test_no_model_of_the_card_register_has_a_field_for_personal_data():
    walked = set()
    for model in register_models():
        for field in model._meta.get_fields():
            walked.add(field.name)
            assert not is_personal(field.name), f"{model.__name__}.{field.name}"
            column = getattr(field, "column", None)
            assert not column or not is_personal(column), f"{model.__name__}.{column}"
            if field.is_relation and field.related_model is not None:
                related = field.related_model
                assert related in ALLOWED_RELATED or related._meta.app_label == "usage", (
                    f"{model.__name__}.{field.name} leads to {related.__name__}: a cardholder?"
                )
    # The walk really saw the register.
    assert {"card_id", "birth_year", "postal_code", "children", "void_reason"} <= walked


def _project_forms() -> list[type[forms.BaseForm]]:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            if ".migrations" in module.name or ".management" in module.name:
                continue
            importlib.import_module(module.name)
    found, queue = set(), [forms.BaseForm]
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in PROJECT_PACKAGES:
            found.add(cls)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def _model(form_class: type[forms.BaseForm]):
    return getattr(getattr(form_class, "_meta", None), "model", None)


def _about_a_company(form_class: type[forms.BaseForm]) -> bool:
    model = _model(form_class)
    return model is not None and model.__name__ in NOT_ABOUT_CARDHOLDERS


def _fields(form_class: type[forms.BaseForm]) -> set[str]:
    names = set(form_class.base_fields)
    meta = getattr(form_class, "_meta", None)
    if getattr(meta, "model", None) is not None and meta.fields:
        names |= set(meta.fields)
    return names


def test_no_form_of_the_project_has_a_field_for_a_cardholders_personal_data():
    form_classes = _project_forms()
    seen = {cls.__name__ for cls in form_classes}
    assert {"CardRegisterForm", "PersonalBackgroundForm", "InviteForm"} <= seen
    for form_class in form_classes:
        model = _model(form_class)
        if (model is not None and model._meta.app_label == STAFF_APP) or _about_a_company(
            form_class
        ):
            continue
        allowed = STAFF_FORM_FIELDS.get((form_class.__module__, form_class.__name__), set())
        for name in _fields(form_class) - allowed:
            assert not is_personal(name), f"{form_class.__module__}.{form_class.__name__}.{name}"


def test_no_form_of_the_register_asks_for_personal_data_even_in_staff_words():
    # Register forms may not even reuse the staff allowances (a name, an email).
    for form_class in _project_forms():
        model = _model(form_class)
        of_register = not _about_a_company(form_class) and (
            form_class.__module__.startswith("usage")
            or (model is not None and model._meta.app_label == "usage")
        )
        if of_register:
            assert not any(is_personal(name) for name in _fields(form_class)), form_class
