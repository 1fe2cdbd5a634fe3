"""The audit trail, told: each entry as a sentence in the reader's language
("Kalle Kassa recorded card TRE-1006 for Kesäyön unelma on 6.9.2027 (at the
desk)."), never its codes.

`sentences` is the one function that renders entries: the audit pages, the
admin's list and its page of one entry all use it. It reads the names the
entries point at (offerings, uses, people, ticket brokers) in one query per
kind for all of them, so a page of fifty entries costs a handful of queries.
Entries written before a name existed, or pointing at something gone, still
read as a sentence."""

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kaikukanta.audit import ACTION_LABELS
from kaikukanta.models import AuditEntry

Data = dict[str, Any]


@dataclass
class _Names:
    """What the entries point at, read in bulk."""

    offerings: dict[int, Any] = field(default_factory=dict)
    uses: dict[int, Any] = field(default_factory=dict)
    people: dict[int, Any] = field(default_factory=dict)
    brokers: dict[int, Any] = field(default_factory=dict)
    # The objects that entries are about, by (object type, ID): the admin's
    # changes, onboarding material.
    objects: dict[tuple[str, int], Any] = field(default_factory=dict)

    @classmethod
    def of(cls, entries: Sequence[AuditEntry]) -> "_Names":
        from usage.models import Broker, Redemption
        from venues.models import Offering, User

        offering_ids, use_ids, person_ids, broker_ids = set(), set(), set(), set()
        object_ids: dict[str, set[int | None]] = {}
        for entry in entries:
            if entry.object_type in _NAMED_TYPES:
                object_ids.setdefault(entry.object_type, set()).add(_int(entry.object_id))
            data = entry.data or {}
            if entry.action.startswith("offering."):
                offering_ids.add(_int(entry.object_id))
            offering_ids.add(_int(data.get("offering_id")))
            if entry.action == "redemption.voided":
                use_ids.add(_int(entry.object_id))
            person_ids.add(_int(data.get("user_id")))
            broker_ids.add(_int(data.get("broker_id")))
        return cls(
            offerings=_bulk(Offering.objects.only("title"), offering_ids),
            uses=_bulk(Redemption.objects.select_related("offering"), use_ids),
            people=_bulk(User.objects.only("full_name", "email"), person_ids),
            brokers=_bulk(Broker.objects.only("name"), broker_ids),
            objects={
                (label, pk): obj
                for label, ids in object_ids.items()
                for pk, obj in _bulk(apps.get_model(label).objects.all(), ids).items()
            },
        )

    def name_of(self, entry: AuditEntry) -> str:
        """The name of what the entry is about, as it is now; its number when
        it is gone (a deleted site)."""
        obj = self.objects.get((entry.object_type, _int(entry.object_id)))  # type: ignore[arg-type]
        if obj is None:
            return _("no. %(id)s") % {"id": entry.object_id}
        if hasattr(obj, "get_full_name"):
            return obj.get_full_name()
        if hasattr(obj, "get_kind_display"):  # onboarding material is known by its kind
            return obj.get_kind_display()
        return str(obj)


def _int(value: object) -> int | None:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return None


def _bulk(queryset: models.QuerySet, ids: set[int | None]) -> dict[int, Any]:
    wanted = {pk for pk in ids if pk is not None}
    return queryset.in_bulk(wanted) if wanted else {}


def sentences(entries: Iterable[AuditEntry]) -> list[str]:
    """Each entry as one sentence in the active language, in the same order."""
    entries = list(entries)
    names = _Names.of(entries)
    return [_sentence(entry, names) for entry in entries]


def sentence(entry: AuditEntry) -> str:
    return sentences([entry])[0]


# Commands that act without a person, by the actor label they write.
_COMMANDS = {
    "seed_demo": gettext_lazy("The demo data"),
    "manage.py broker_token": gettext_lazy("A maintainer, on the server"),
    "retention": gettext_lazy("The data retention"),
}
# The types of object whose entries name them (read in bulk by `_Names`).
_NAMED_TYPES = {
    "venues.user",
    "venues.area",
    "venues.municipality",
    "venues.organisation",
    "venues.site",
    "usage.broker",
    "venues.onboardingitem",
}


def who(entry: AuditEntry) -> str:
    """The person who acted; else what acted (a broker's API token, a
    command); else the system itself (a data load)."""
    if entry.actor_id is not None:
        return entry.actor.get_full_name()
    if entry.actor_label:
        return str(_COMMANDS.get(entry.actor_label, entry.actor_label))
    return _("Kaikukanta")


# ---------------------------------------------------------------------------
# One sentence per kind of entry
# ---------------------------------------------------------------------------


def _sentence(entry: AuditEntry, names: _Names) -> str:
    data = entry.data or {}
    context = {"who": who(entry), "card": data.get("card_id", "–")}
    render = _RENDERERS.get(entry.action, _other)
    return render(entry, data, context, names)


def _day(value: object) -> str:
    """An ISO date from the data, as the reader writes dates."""
    try:
        return date_format(datetime.date.fromisoformat(str(value)), "SHORT_DATE_FORMAT")
    except ValueError:
        return "–"


def _choice(model_path: str, field_name: str, value: object) -> str:
    """The label of a choice (a card's kind, a role, a channel), never its code."""
    choices = dict(apps.get_model(model_path)._meta.get_field(field_name).flatchoices)
    return str(choices.get(value, "–"))


def _fields(model_path: str, names: Iterable[str]) -> str:
    """Field names as the reader knows them ("children or grandchildren under 18")."""
    model = apps.get_model(model_path)
    labels = []
    for name in names:
        try:
            labels.append(str(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:  # renamed since the entry was written
            continue
    return ", ".join(labels) or "–"


def _offering_title(names: _Names, pk: object) -> str:
    offering = names.offerings.get(_int(pk))  # type: ignore[arg-type]
    return offering.title if offering is not None else _("an offering")


def _person(names: _Names, pk: object) -> str:
    person = names.people.get(_int(pk))  # type: ignore[arg-type]
    return person.get_full_name() if person is not None else _("a person")


def _place(entry: AuditEntry) -> str:
    return str(entry.site or entry.area or "–")


def _recorded(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["date"] = _day(data.get("used_on"))
    if data.get("offering_id"):
        context["offering"] = _offering_title(names, data["offering_id"])
        text = _("%(who)s recorded card %(card)s for %(offering)s on %(date)s") % context
    else:
        text = _("%(who)s recorded card %(card)s for admission on %(date)s") % context
    text += f" ({_choice('usage.Redemption', 'channel', data.get('channel'))})"
    children = data.get("children") or 0
    if children:
        text += ", " + ngettext(
            "with %(n)d child's ticket", "with %(n)d children's tickets", children
        ) % {"n": children}
    if data.get("over_cap"):
        text += ", " + _("over the cap")
    return text + "."


def _voided(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    use = names.uses.get(_int(entry.object_id))
    if use is None:
        return _("%(who)s voided a use of card %(card)s.") % context
    context["date"] = date_format(use.used_on, "SHORT_DATE_FORMAT")
    if use.offering is not None:
        context["offering"] = use.offering.title
        return _("%(who)s voided the use of card %(card)s for %(offering)s on %(date)s.") % context
    return _("%(who)s voided the use of card %(card)s for admission on %(date)s.") % context


def _card_registered(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["kind"] = _choice("usage.Card", "kind", data.get("kind"))
    context["date"] = _day(data.get("valid_until"))
    return _("%(who)s registered card %(card)s (%(kind)s), valid until %(date)s.") % context


def _card_renewed(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["date"] = _day(data.get("valid_until"))
    return _("%(who)s renewed card %(card)s: it is valid until %(date)s.") % context


def _card_closed(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["reason"] = _choice("usage.Card", "close_reason", data.get("reason"))
    return _("%(who)s closed card %(card)s (%(reason)s).") % context


def _card_changed(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["fields"] = _fields("usage.Card", data.get("changed", []))
    return _("%(who)s corrected the background data of card %(card)s: %(fields)s.") % context


def _cap(value: object) -> str:
    return _("no cap") if value is None else str(value)


def _offering(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["offering"] = _offering_title(names, entry.object_id)
    creating = entry.action == "offering.created"
    if creating:
        text = _("%(who)s created the offering %(offering)s") % context
    else:
        context["fields"] = _fields("venues.Offering", data.get("changed", []))
        text = _("%(who)s changed the offering %(offering)s: %(fields)s") % context
    if "cap_after" in data and (creating or data.get("cap_before") != data.get("cap_after")):
        if creating:
            text += "; " + _("cap: %(cap)s") % {"cap": _cap(data["cap_after"])}
        else:
            text += "; " + _("cap from %(before)s to %(after)s") % {
                "before": _cap(data.get("cap_before")),
                "after": _cap(data["cap_after"]),
            }
    if "excluded" in data:
        text += "; " + (
            _("excluded from Kaikukortti") if data["excluded"] else _("no longer excluded")
        )
    return text + "."


def _checklist(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["site"] = _place(entry)
    context["fields"] = _fields("venues.Checklist", data.get("changed", []))
    return _("%(who)s updated the checklist of %(site)s: %(fields)s.") % context


def _membership(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["person"] = _person(names, data.get("user_id"))
    context["role"] = _choice("venues.Membership", "role", data.get("role"))
    context["place"] = _place(entry)
    if entry.action == "membership.removed":
        return _("%(who)s removed the access of %(person)s as %(role)s at %(place)s.") % context
    text = _("%(who)s invited %(person)s as %(role)s at %(place)s") % context
    if data.get("new_account"):
        text += " " + _("(a new account)")
    return text + "."


def _broker_token(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    broker = names.brokers.get(_int(data.get("broker_id")))  # type: ignore[arg-type]
    context["broker"] = broker.name if broker is not None else _("a ticket broker")
    context["prefix"] = data.get("prefix", "")
    if entry.action == "broker_token.revoked":
        return _("%(who)s revoked the API token %(prefix)s… of %(broker)s.") % context
    return _("%(who)s created the API token %(prefix)s… for %(broker)s.") % context


def _import(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["channel"] = _choice("usage.Redemption", "channel", data.get("channel"))
    context["total"] = data.get("total", 0)
    text = (
        ngettext(
            "%(who)s imported %(total)d row (%(channel)s)",
            "%(who)s imported %(total)d rows (%(channel)s)",
            context["total"],
        )
        % context
    )
    counts = {
        "recorded": (data.get("recorded") or 0) + (data.get("over_cap") or 0),
        "already": data.get("already") or 0,
        "refused": data.get("refused") or 0,
    }
    return (
        text
        + ": "
        + _("%(recorded)d recorded, %(already)d already in the register, %(refused)d not recorded.")
        % counts
    )


def _background_removed(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    return _("%(who)s removed the background data of card %(card)s.") % context


# Changes made in the admin (kaikukanta.admin_site.AuditedAdmin), one sentence
# each: Finnish and Swedish inflect the kind of thing, so it cannot be a blank.
_ADMIN_SENTENCES: dict[str, Any] = {
    "person.added": gettext_lazy("%(who)s added the person %(name)s."),
    "person.changed": gettext_lazy("%(who)s changed the details of %(name)s: %(fields)s."),
    "person.deleted": gettext_lazy("%(who)s deleted the person %(name)s."),
    "area.added": gettext_lazy("%(who)s added the area %(name)s."),
    "area.changed": gettext_lazy("%(who)s changed the area %(name)s: %(fields)s."),
    "area.deleted": gettext_lazy("%(who)s deleted the area %(name)s."),
    "municipality.added": gettext_lazy("%(who)s added the municipality %(name)s."),
    "municipality.changed": gettext_lazy("%(who)s changed the municipality %(name)s: %(fields)s."),
    "municipality.deleted": gettext_lazy("%(who)s deleted the municipality %(name)s."),
    "organisation.added": gettext_lazy("%(who)s added the organisation %(name)s."),
    "organisation.changed": gettext_lazy("%(who)s changed the organisation %(name)s: %(fields)s."),
    "organisation.deleted": gettext_lazy("%(who)s deleted the organisation %(name)s."),
    "site.added": gettext_lazy("%(who)s added the site %(name)s."),
    "site.changed": gettext_lazy("%(who)s changed the site %(name)s: %(fields)s."),
    "site.deleted": gettext_lazy("%(who)s deleted the site %(name)s."),
    "broker.added": gettext_lazy("%(who)s added the ticket broker %(name)s."),
    "broker.changed": gettext_lazy("%(who)s changed the ticket broker %(name)s: %(fields)s."),
    "broker.deleted": gettext_lazy("%(who)s deleted the ticket broker %(name)s."),
}


def _admin_change(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["name"] = names.name_of(entry)
    context["fields"] = _admin_fields(entry.object_type, data.get("fields", []))
    return str(_ADMIN_SENTENCES[entry.action]) % context


def _admin_fields(object_type: str, changed: Iterable[str]) -> str:
    """The fields an admin form changed; "checklist.x" is a field of the site's
    checklist, saved with the site."""
    parts: dict[str, list[str]] = {}
    for name in changed:
        part, _dot, field_name = name.rpartition(".")
        parts.setdefault(part, []).append(field_name)
    labels = [
        _fields(f"venues.{part}" if part else object_type, field_names)
        for part, field_names in parts.items()
    ]
    return ", ".join(label for label in labels if label != "–") or _("nothing")


def _admin_membership(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["person"] = _person(names, data.get("user_id"))
    context["role"] = _choice("venues.Membership", "role", data.get("role"))
    context["place"] = _place(entry)
    if entry.action == "membership.added":
        return _("%(who)s gave %(person)s access as %(role)s at %(place)s.") % context
    context["fields"] = _fields("venues.Membership", data.get("fields", []))
    return _("%(who)s changed the access of %(person)s at %(place)s: %(fields)s.") % context


def _person_support(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["name"] = names.name_of(entry)
    if entry.action == "person.password_link_sent":
        return _("%(who)s sent %(name)s a link to set a new password.") % context
    return _("%(who)s removed the second factor of %(name)s.") % context


def _second_factor(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    passkey = data.get("kind") == "passkey"
    if entry.action == "second_factor.recovery_codes":
        return _("%(who)s made new recovery codes.") % context
    if entry.action == "second_factor.removed":
        if passkey:
            return _("%(who)s removed a passkey.") % context
        return _("%(who)s removed an authenticator app.") % context
    if passkey:
        return _("%(who)s added a passkey as a second factor.") % context
    return _("%(who)s set up an authenticator app as a second factor.") % context


_ONBOARDING_SENTENCES: dict[str, Any] = {
    "onboarding.published": gettext_lazy("%(who)s published the onboarding material %(name)s."),
    "onboarding.changed": gettext_lazy(
        "%(who)s changed the onboarding material %(name)s (version %(version)s)."
    ),
    "onboarding.corrected": gettext_lazy(
        "%(who)s published a correction to the onboarding material %(name)s."
    ),
    "onboarding.notice_withdrawn": gettext_lazy(
        "%(who)s took down a correction to the onboarding material %(name)s."
    ),
    "onboarding.withdrawn": gettext_lazy("%(who)s withdrew the onboarding material %(name)s."),
    "onboarding.restored": gettext_lazy(
        "%(who)s brought the onboarding material %(name)s back into use."
    ),
}


def _onboarding(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    context["name"] = names.name_of(entry)
    context["version"] = data.get("version", "–")
    return str(_ONBOARDING_SENTENCES[entry.action]) % context


def _other(entry: AuditEntry, data: Data, context: Data, names: _Names) -> str:
    """An action without a sentence of its own: its label, else the kind of
    thing that changed, never the code."""
    label = ACTION_LABELS.get(entry.action)
    if label is not None:
        return _("%(who)s: %(what)s.") % {**context, "what": label}
    try:
        thing = apps.get_model(entry.object_type)._meta.verbose_name
    except (LookupError, ValueError):
        thing = _("a record")
    return _("%(who)s made a change: %(thing)s.") % {**context, "thing": thing}


_RENDERERS: dict[str, Callable[..., str]] = {
    "redemption.recorded": _recorded,
    "redemption.voided": _voided,
    "card.registered": _card_registered,
    "card.renewed": _card_renewed,
    "card.closed": _card_closed,
    "card.changed": _card_changed,
    "offering.created": _offering,
    "offering.changed": _offering,
    "checklist.changed": _checklist,
    "membership.invited": _membership,
    "membership.removed": _membership,
    "broker_token.created": _broker_token,
    "broker_token.revoked": _broker_token,
    "import.confirmed": _import,
    "card.background_removed": _background_removed,
    **dict.fromkeys(_ADMIN_SENTENCES, _admin_change),
    "membership.added": _admin_membership,
    "membership.changed": _admin_membership,
    "person.password_link_sent": _person_support,
    "person.second_factor_reset": _person_support,
    "second_factor.added": _second_factor,
    "second_factor.removed": _second_factor,
    "second_factor.recovery_codes": _second_factor,
    **dict.fromkeys(_ONBOARDING_SENTENCES, _onboarding),
}
