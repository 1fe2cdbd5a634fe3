"""Every kind of audit entry reads as a sentence in the reader's language, with
names, dates in the reader's format and choices in words: never a code."""

import re

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone, translation
from django.utils.formats import date_format
from django_otp.oath import TOTP
from django_otp_webauthn.models import WebAuthnCredential

from kaikukanta import audit
from kaikukanta.admin_site import audited_inline
from kaikukanta.audit_text import _NAMED_TYPES, sentences
from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory, SiteFactory
from tests.venues.onboarding_helpers import onboarding_item
from usage import brokers, retention, services
from usage.models import Broker, Card
from usage.sheets import imports
from venues import second_factor
from venues import services as venue_services
from venues.forms import ChecklistForm, OfferingForm
from venues.models import Checklist, Membership, Offering
from venues.onboarding import services as onboarding

pytestmark = pytest.mark.django_db

# What must never show: action codes, field names and other snake_case codes,
# model labels, ISO dates; in Finnish and Swedish also the English choice codes
# (in English, "lost" or "cashier" are the words themselves).
RAW = re.compile(
    r"\b(redemption|card|offering|checklist|membership|broker_token|broker|import|person"
    r"|site|area|municipality|organisation|second_factor|onboarding)\.[a-z_]+\b"
    r"|\b[a-z]+_[a-z_]+\b|\b(usage|venues)\.[a-z]|\d{4}-\d{2}-\d{2}"
)
RAW_WORDS = re.compile(
    r"\b(desk|api|offline|personal|community|lost|returned|replaced|cashier|paper|entry)\b"
)


def every_kind_of_entry(net) -> list[str]:
    """One entry of each action, made through the services that write them."""
    show = OfferingFactory(site=net.venue_a, title="Kesäyön unelma", cap=10)
    card = services.register_card(
        card_id="TRE-1006",
        site=net.dist_a,
        registered_by=net.distributor,
        birth_year=1980,
        postal_code="33100",
        children=2,
    )
    services.register_card(
        card_id="TRE-YHT-001",
        site=net.dist_a,
        registered_by=net.distributor,
        kind=Card.Kind.COMMUNITY,
        group_limit=5,
    )
    card.valid_until = timezone.localdate()  # due for renewal
    card.save()
    services.renew_card(card=card, site=net.dist_a, renewed_by=net.distributor)
    services.update_card_background(
        card=card, site=net.dist_a, changed_by=net.distributor, postal_code="33720"
    )
    use = services.record_redemption(
        card_id="TRE-1006",
        site=net.venue_a,
        offering=show,
        channel="api",
        recorded_by=net.cashier,
        children=1,
    ).redemption
    services.void_redemption(redemption=use, reason="wrong show", voided_by=net.venue_contact)
    closing = CardFactory(issued_by=net.dist_a)
    services.close_card(card=closing, site=net.dist_a, reason="lost", closed_by=net.distributor)
    form = OfferingForm(
        {"title": "Uinti", "sector": "sports", "date": timezone.localdate(), "cap": 3},
        kind=Offering.Kind.ADMISSION,
    )
    assert form.is_valid(), form.errors
    created = venue_services.save_offering(
        form=form, site=net.venue_a, changed_by=net.venue_contact
    )
    form = OfferingForm(
        {"title": "Uinti", "sector": "sports", "date": timezone.localdate(), "cap": 5},
        kind=Offering.Kind.ADMISSION,
        instance=created,
    )
    assert form.is_valid(), form.errors
    venue_services.save_offering(form=form, site=net.venue_a, changed_by=net.venue_contact)
    checklist = ChecklistForm({"free_cloakroom": "true"}, instance=Checklist(site=net.venue_a))
    assert checklist.is_valid(), checklist.errors
    venue_services.save_checklist(form=checklist, site=net.venue_a, changed_by=net.venue_contact)
    membership = venue_services.invite(
        email="uusi@example.fi",
        full_name="Uusi Kassa",
        role=Membership.Role.CASHIER,
        site=net.venue_a,
        area=None,
        invited_by=net.venue_contact,
    )
    venue_services.remove_membership(membership=membership, removed_by=net.venue_contact)
    broker = Broker.objects.create(name="Demolippu Oy", area=net.area_a)
    token, _secret = brokers.create_token(broker=broker, created_by=net.coordinator)
    brokers.revoke_token(token=token, revoked_by=net.coordinator)
    batch = imports.start_entry(
        site=net.venue_a,
        user=net.venue_contact,
        entries=[
            {
                "date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT"),
                "offering": "Kesäyön unelma",
                "card_id": "TRE-1006",
                "children": "0",
            }
        ],
    )
    imports.confirm_batch(batch=batch, site=net.venue_a, user=net.venue_contact)
    with transaction.atomic():
        audit.log(action="membership.invited", obj=net.venue_a, site=net.venue_a)  # data lost
    _admin_changes(net, broker)
    _second_factors(net)
    _onboarding(net)
    _retention(net)
    return list(AuditEntry.objects.values_list("action", flat=True))


def _admin_changes(net, broker) -> None:
    """What the admin writes for each model it audits, through its own method."""
    request = RequestFactory().post("/admin/")
    request.user = net.national_admin
    gone = SiteFactory(
        name="Suljettu",
        organisation=net.venue_a.organisation,
        municipality=net.venue_a.municipality,
    )
    membership = Membership.objects.get(user=net.cashier, site=net.venue_a)
    changes = [
        (net.cashier, ["full_name", "phone"]),
        (net.area_a, ["website"]),
        (net.venue_a.municipality, ["name"]),
        (net.venue_a.organisation, ["name"]),
        (net.venue_a, ["contact_name", "checklist.free_cloakroom"]),
        (broker, ["name"]),
        (membership, ["role"]),
    ]
    for obj, fields in changes:
        model_admin = audited_inline(type(obj))
        model_admin.audit_log(request, obj, "added")
        model_admin.audit_log(request, obj, "changed", {"fields": fields})
        if obj is net.venue_a:
            model_admin.audit_log(request, gone, "deleted")
            gone.delete()
        else:
            model_admin.audit_log(request, obj, "deleted")
    venue_services.send_password_reset_link(person=net.cashier, sent_by=net.coordinator)


def _second_factors(net) -> None:
    key = second_factor.new_totp_key()
    device = second_factor.totp_device_for(net.coordinator, key)
    code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits).token()
    assert second_factor.confirm_totp(user=net.coordinator, key=key, code=f"{code:06d}")
    second_factor.new_recovery_codes(net.coordinator)
    passkey = WebAuthnCredential.objects.create(
        user=net.coordinator, name="Avain", credential_id=b"id", public_key=b"key"
    )
    second_factor.note_passkey_added(net.coordinator, passkey)
    with transaction.atomic():
        assert second_factor.remove_passkey(user=net.coordinator, pk=passkey.pk)
    second_factor.reset(person=net.coordinator, reset_by=net.national_admin)


def _onboarding(net) -> None:
    item = onboarding_item(by=net.national_admin)
    onboarding.change_item(
        item=item,
        updated_on=timezone.localdate(),
        materials={"fi": onboarding.MaterialInput(title="Käsikirja", url="https://example.fi/k")},
        what_changed={"fi": "Uusi linkki."},
        by=net.national_admin,
    )
    notice = onboarding.publish_correction(
        item=item, texts={"fi": "Myös lapsenlapset."}, by=net.national_admin
    )
    onboarding.withdraw_notice(notice=notice, by=net.national_admin)
    onboarding.set_withdrawn(item=item, withdrawn=True, by=net.national_admin)
    onboarding.set_withdrawn(item=item, withdrawn=False, by=net.national_admin)


def _retention(net) -> None:
    long_ago = timezone.localdate().replace(year=timezone.localdate().year - 5)
    CardFactory(issued_by=net.dist_a, issued_on=long_ago, card_id="TRE-0001")
    retention.remove_backgrounds(long_ago.replace(year=long_ago.year + 2), timezone.localdate())


@pytest.mark.parametrize("language", ["en", "fi", "sv"])
def test_every_kind_of_entry_reads_as_a_sentence_without_codes(net, language):
    actions = every_kind_of_entry(net)
    assert set(actions) >= set(audit.ACTION_LABELS), set(audit.ACTION_LABELS) - set(actions)
    entries = list(AuditEntry.objects.select_related("actor", "site", "area"))

    with translation.override(language):
        told = sentences(entries)

    for entry, text in zip(entries, told, strict=True):
        assert text.endswith("."), (entry.action, text)
        # An API token's visible prefix (kkb_…) is its name, not a code.
        assert not RAW.search(re.sub(r"\bkkb_[a-z0-9]{8}…", "", text)), (entry.action, text)
        assert language == "en" or not RAW_WORDS.search(text), (entry.action, text)
        assert "%(" not in text and "None" not in text, (entry.action, text)


def test_the_sentences_name_the_things_and_the_people(net):
    every_kind_of_entry(net)
    net.distributor.full_name = "Jaana Jakaja"
    net.distributor.save()
    entries = AuditEntry.objects.select_related("actor", "site", "area").order_by("pk")
    told: dict[str, str] = {}
    with translation.override("en"):
        for entry, text in zip(entries, sentences(entries), strict=True):
            told.setdefault(entry.action, text)  # the first of each kind
    today = date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
    assert (
        f"recorded card TRE-1006 for Kesäyön unelma on {today} (ticket broker API)"
        in (told["redemption.recorded"])
    )
    assert (
        f"voided the use of card TRE-1006 for Kesäyön unelma on {today}."
        in (told["redemption.voided"])
    )
    assert told["card.closed"].startswith("Jaana Jakaja closed card ")
    assert told["card.closed"].endswith("(lost).")
    assert "postal code of residence" in told["card.changed"]
    assert "cap from 3 to 5" in told["offering.changed"]
    assert "Demolippu Oy" in told["broker_token.revoked"]
    assert "1 row (paper form)" in told["import.confirmed"]


def test_a_page_of_entries_is_told_in_a_few_queries(net, django_assert_max_num_queries):
    every_kind_of_entry(net)
    # One query per kind of thing named, however many entries name them.
    entries = list(AuditEntry.objects.select_related("actor", "site", "area"))
    with django_assert_max_num_queries(4 + len(_NAMED_TYPES)):
        sentences(entries)


def test_an_unknown_action_still_reads_without_its_code(net):
    with transaction.atomic():
        entry = audit.log(action="person.password_set", obj=net.cashier, actor=net.coordinator)
    with translation.override("en"):
        [text] = sentences([entry])
    assert text == f"{net.coordinator.get_full_name()} made a change: person."


def test_a_command_that_acted_is_named_in_words(net):
    broker = Broker.objects.create(name="Demolippu Oy")
    brokers.create_token(broker=broker, actor="manage.py broker_token")
    brokers.install_token(broker=broker, token="kkb_demo2026_" + "x" * 40, actor="seed_demo")
    entries = AuditEntry.objects.order_by("pk")
    with translation.override("en"):
        told = sentences(entries)
    assert told[0].startswith("A maintainer, on the server created the API token ")
    assert told[1].startswith("The demo data created the API token kkb_demo2026")
