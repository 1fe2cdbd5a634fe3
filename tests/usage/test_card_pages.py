"""The distributor's pages: the site's cards, registering, renewing, closing and
correcting a card."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.forms import CardRegisterForm
from usage.models import Card, CardPeriod, Redemption, one_year_from
from usage.services import record_redemption

pytestmark = pytest.mark.usefixtures("english")


TODAY = timezone.localdate
THIS_YEAR = TODAY().year


@pytest.fixture
def distributor(client_for):
    return client_for("distributor")


def register_url(net):
    return reverse("usage:card_register", args=[net.dist_a.pk])


def personal(**overrides):
    data = {
        "card_id": "KK-1001",
        "kind": "personal",
        "birth_year": 1980,
        "postal_code": "33100",
        "children": 2,
        "gender": "",
        "life_situation": "",
        "group_limit": 10,  # the form's default, sent along with a personal card
    }
    return data | overrides


def form_errors(response, field):
    return response.context["form"].errors.get(field, [])


# --- Registering ---------------------------------------------------------------


def test_a_distributor_registers_a_personal_card_valid_one_year_from_today(net, distributor):
    response = distributor.post(register_url(net), personal(card_id=" *kk 1001* ", gender="female"))

    card = Card.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("usage:card", args=[net.dist_a.pk, card.pk])
    assert card.card_id == "KK1001"  # typed or scanned: normalised
    assert (card.kind, card.issued_by, card.issued_on) == ("personal", net.dist_a, TODAY())
    assert card.valid_until == one_year_from(TODAY())
    assert (card.birth_year, card.postal_code, card.children, card.gender) == (
        1980,
        "33100",
        2,
        "female",
    )
    assert card.group_limit is None
    assert card.periods.get().kind == CardPeriod.Kind.ISSUED
    entry = AuditEntry.objects.get(action="card.registered")
    assert entry.actor == net.distributor and entry.site == net.dist_a


def test_the_registered_card_can_be_used_at_once(net, distributor):
    distributor.post(register_url(net), personal())
    show = OfferingFactory(site=net.venue_a)
    result = record_redemption(
        card_id="KK-1001", site=net.venue_a, offering=show, channel="desk", children=2
    )
    assert result.created


@pytest.mark.parametrize(
    ("birth_year", "ok"),
    [
        (THIS_YEAR - 16, True),  # turns 16 this year
        (THIS_YEAR - 15, False),  # turns 15
        (THIS_YEAR - 120, True),
        (THIS_YEAR - 121, False),  # not a living person's birth year
        (19800, False),
    ],
)
def test_the_holder_is_at_least_16_or_turns_16_this_year(net, distributor, birth_year, ok):
    response = distributor.post(register_url(net), personal(birth_year=birth_year))
    assert Card.objects.exists() is ok
    if not ok:
        assert form_errors(response, "birth_year")


@pytest.mark.parametrize(
    ("postal_code", "ok"),
    [("00100", True), (" 99999 ", True), ("0010", False), ("001000", False), ("AB123", False)],
)
def test_the_postal_code_has_exactly_five_digits(net, distributor, postal_code, ok):
    response = distributor.post(register_url(net), personal(postal_code=postal_code))
    assert Card.objects.exists() is ok
    if not ok:
        assert form_errors(response, "postal_code")


@pytest.mark.parametrize(("children", "ok"), [(0, True), (20, True), (21, False), (-1, False)])
def test_children_are_from_0_to_20(net, distributor, children, ok):
    response = distributor.post(register_url(net), personal(children=children))
    assert Card.objects.exists() is ok
    if not ok:
        assert form_errors(response, "children")


@pytest.mark.parametrize("field", ["birth_year", "postal_code", "children"])
def test_a_personal_card_needs_its_background_data(net, distributor, field):
    response = distributor.post(register_url(net), personal(**{field: ""}))
    assert not Card.objects.exists()
    assert form_errors(response, field)


def _field_html(content: str, name: str) -> str:
    start = content.index(f'id="div_id_{name}"')
    return content[start : content.index("</div>", content.index(f'name="{name}"', start))]


def test_the_register_form_marks_every_field_its_kind_of_card_requires(net, distributor):
    content = distributor.get(register_url(net)).content.decode()
    assert "Fields marked with * are required." in content
    for name in ("card_id", "birth_year", "postal_code", "children", "group_limit"):
        assert 'class="asteriskField">*' in _field_html(content, name), name
    for name in ("gender", "life_situation"):
        assert "asteriskField" not in _field_html(content, name), name
    assert 'class="col-lg-8 card-register-form" novalidate' in content


def test_each_error_is_shown_next_to_its_field_with_the_focus_on_the_first(net, distributor):
    response = distributor.post(
        register_url(net), personal(card_id="KK-1001", birth_year="", postal_code="123")
    )

    content = response.content.decode()
    birth_year = _field_html(content, "birth_year")
    postal_code = _field_html(content, "postal_code")
    assert "A personal card needs this background data." in birth_year
    assert "A postal code has exactly five digits." in postal_code
    assert 'aria-describedby="id_birth_year_helptext id_birth_year_error"' in birth_year
    assert "autofocus" in birth_year and "autofocus" not in _field_html(content, "card_id")
    assert "alert-danger" not in content[: content.index('id="div_id_card_id"')]


def test_a_community_card_needs_no_personal_fields_and_a_group_limit(net, distributor):
    response = distributor.post(
        register_url(net), {"card_id": "YHT-1", "kind": "community", "group_limit": ""}
    )
    assert response.context["form"].errors == {
        "group_limit": ["A community card needs a group limit."]
    }


def test_after_a_renewal_renew_is_no_longer_the_primary_action(net, distributor):
    card = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=350))
    url = reverse("usage:card", args=[net.dist_a.pk, card.pk])
    renew = reverse("usage:card_renew", args=[net.dist_a.pk, card.pk])

    def renew_button() -> str:
        content = distributor.get(url).content.decode()
        return content[content.rindex("<a", 0, content.index(f'href="{renew}"')) :][:200]

    assert "btn-primary" in renew_button()  # expires within a month: renewing comes first
    distributor.post(renew)
    assert "btn-primary" not in renew_button() and "btn-outline-primary" in renew_button()


def test_a_duplicate_card_id_gets_a_clear_error(net, distributor):
    CardFactory(card_id="KK1001", issued_by=net.dist_b)  # another area's card

    response = distributor.post(register_url(net), personal(card_id="kk 1001"))

    assert Card.objects.count() == 1
    assert "already registered" in " ".join(form_errors(response, "card_id"))


def test_a_card_registered_by_someone_else_a_moment_ago_is_a_form_error(
    net, distributor, monkeypatch
):
    # Two distributors submit the same new ID at once: the form's check passes
    # for both, the database's unique constraint stops the second.
    CardFactory(card_id="KK1001", issued_by=net.dist_b)
    monkeypatch.setattr(CardRegisterForm, "clean_card_id", lambda form: "KK1001")

    response = distributor.post(register_url(net), personal(card_id="KK1001"))

    assert response.status_code == 200
    assert form_errors(response, "card_id")
    assert Card.objects.count() == 1


@pytest.mark.parametrize("card_id", ["AB", "KK/1001", "A" * 21])
def test_a_malformed_card_id_is_refused(net, distributor, card_id):
    response = distributor.post(register_url(net), personal(card_id=card_id))
    assert not Card.objects.exists()
    assert form_errors(response, "card_id")


def test_a_community_card_has_a_group_limit_and_no_personal_background(net, distributor):
    distributor.post(
        register_url(net),
        {"card_id": "YHT-1", "kind": "community", "group_limit": 12},
    )
    card = Card.objects.get()
    assert (card.kind, card.group_limit, card.children_allowed) == ("community", 12, 12)
    assert (card.birth_year, card.postal_code, card.gender, card.life_situation) == (
        None,
        "",
        "",
        "",
    )


def test_a_community_cards_group_limit_defaults_to_10(net):
    assert CardRegisterForm().fields["group_limit"].initial == 10


@pytest.mark.parametrize(("limit", "ok"), [(1, True), (20, True), (0, False), (21, False)])
def test_a_group_limit_is_one_the_desk_can_honour(net, distributor, limit, ok):
    # The recording service allows at most 20 children's tickets in one use.
    distributor.post(
        register_url(net), {"card_id": "YHT-1", "kind": "community", "group_limit": limit}
    )
    assert Card.objects.exists() is ok


def test_a_community_card_refuses_personal_background_data(net, distributor):
    response = distributor.post(
        register_url(net),
        {"card_id": "YHT-1", "kind": "community", "group_limit": 10, "postal_code": "33100"},
    )
    assert not Card.objects.exists()
    assert form_errors(response, "postal_code")


def test_the_group_limit_of_a_personal_card_is_not_stored(net, distributor):
    distributor.post(register_url(net), personal(group_limit=30))
    assert Card.objects.get().group_limit is None


def test_a_distributor_cannot_register_at_another_site(net, client_for):
    response = client_for("other_distributor").post(register_url(net), personal())
    assert response.status_code == 404
    assert not Card.objects.exists()


# --- The list ---------------------------------------------------------------------


def test_the_list_shows_only_the_sites_cards(net, distributor):
    own = CardFactory(issued_by=net.dist_a)
    other = CardFactory(issued_by=net.dist_b)

    response = distributor.get(reverse("usage:cards", args=[net.dist_a.pk]))

    listed = list(response.context["page"])
    assert listed == [own]
    assert other.card_id not in response.content.decode()


def search(client, site, follow=True, **data):
    return client.post(reverse("usage:cards", args=[site.pk]), data, follow=follow)


def test_a_scanned_card_id_opens_the_card(net, distributor):
    card = CardFactory(card_id="KK-2002", issued_by=net.dist_a)
    response = search(distributor, net.dist_a, follow=False, q="*kk-2002*")
    assert response["Location"] == reverse("usage:card", args=[net.dist_a.pk, card.pk])


def test_part_of_an_id_lists_the_matching_cards(net, distributor):
    match = CardFactory(card_id="ABC-123", issued_by=net.dist_a)
    CardFactory(card_id="XYZ-999", issued_by=net.dist_a)
    response = search(distributor, net.dist_a, q="c-1")
    assert list(response.context["page"]) == [match]


def test_card_ids_never_travel_in_the_url(net, distributor):
    """Card IDs stay out of access logs: the search is POSTed, and a partial one
    is listed from the session."""
    CardFactory(card_id="ABC-123", issued_by=net.dist_a)
    CardFactory(card_id="XYZ-999", issued_by=net.dist_a)
    response = search(distributor, net.dist_a, q="ABC")
    assert [card.card_id for card in response.context["page"]] == ["ABC-123"]
    for url, _status in response.redirect_chain:
        assert "ABC" not in url
    assert 'method="post"' in response.content.decode()
    # A card ID in the query string is not a search.
    listed = distributor.get(reverse("usage:cards", args=[net.dist_a.pk]), {"q": "ABC"})
    assert len(listed.context["page"]) == 2


def test_another_sites_card_is_not_found_by_its_id(net, distributor):
    CardFactory(card_id="KK-3003", issued_by=net.dist_b)
    response = search(distributor, net.dist_a, q="KK-3003")
    assert response.status_code == 200
    assert list(response.context["page"]) == []


@pytest.fixture
def cards_in_every_state(net):
    today = TODAY()
    return {
        "valid": CardFactory(issued_by=net.dist_a, card_id="VALID-1"),
        "expiring": CardFactory(
            issued_by=net.dist_a, card_id="EXPIRING-1", issued_on=today - datetime.timedelta(350)
        ),
        "expired": CardFactory(
            issued_by=net.dist_a, card_id="EXPIRED-1", issued_on=today - datetime.timedelta(400)
        ),
        "closed": CardFactory(
            issued_by=net.dist_a, card_id="CLOSED-1", closed_on=today, close_reason="lost"
        ),
    }


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("valid", ["EXPIRING-1", "VALID-1"]),  # an expiring card is still valid
        ("expiring", ["EXPIRING-1"]),
        ("expired", ["EXPIRED-1"]),
        ("closed", ["CLOSED-1"]),
        ("", ["CLOSED-1", "EXPIRED-1", "EXPIRING-1", "VALID-1"]),
    ],
)
def test_the_list_filters_by_state(net, distributor, cards_in_every_state, state, expected):
    response = distributor.get(reverse("usage:cards", args=[net.dist_a.pk]), {"state": state})
    assert [card.card_id for card in response.context["page"]] == expected


def test_the_list_says_each_cards_state(net, distributor, cards_in_every_state):
    response = distributor.get(reverse("usage:cards", args=[net.dist_a.pk]))
    states = {card.card_id: card.state for card in response.context["page"]}
    assert states == {
        "VALID-1": "valid",
        "EXPIRING-1": "expiring",
        "EXPIRED-1": "expired",
        "CLOSED-1": "closed",
    }


def test_the_list_is_paginated(net, distributor):
    CardFactory.create_batch(51, issued_by=net.dist_a)
    url = reverse("usage:cards", args=[net.dist_a.pk])
    assert len(distributor.get(url).context["page"]) == 50
    assert len(distributor.get(url, {"page": 2}).context["page"]) == 1


def test_the_sites_figures_for_this_year(net, distributor, django_assert_max_num_queries):
    today = TODAY()
    used = CardFactory(issued_by=net.dist_a, children=2)
    CardFactory(issued_by=net.dist_a)  # registered, valid, not used
    CardFactory(issued_by=net.dist_a, issued_on=today - datetime.timedelta(400))  # expired
    CardFactory(issued_by=net.dist_b)  # another site's
    show = OfferingFactory(site=net.venue_a)
    admission = OfferingFactory(site=net.venue_b, kind="admission", start_time=None)
    record_redemption(card_id=used.card_id, site=net.venue_a, offering=show, channel="desk")
    record_redemption(
        card_id=used.card_id, site=net.venue_b, offering=admission, channel="desk", children=2
    )
    voided = record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=net.venue_a,
        offering=show,
        channel="desk",
    ).redemption
    services.void_redemption(redemption=voided, reason="mistake")

    with django_assert_max_num_queries(12):
        response = distributor.get(reverse("usage:cards", args=[net.dist_a.pk]))

    assert response.context["figures"] == {
        "registered_this_year": 3,  # the expired card was issued last year
        "valid_now": 3,
        "used_this_year": 1,  # the voided use does not count
        "uses_this_year": 2,
        "tickets_this_year": 4,
    }


# --- The card page ------------------------------------------------------------------


def test_the_card_page_shows_its_use_only_in_aggregate(net, distributor):
    card = CardFactory(issued_by=net.dist_a, children=3)
    show = OfferingFactory(site=net.venue_a, title="Secret concert")
    record_redemption(card_id=card.card_id, site=net.venue_a, offering=show, channel="desk")
    record_redemption(
        card_id=card.card_id, site=net.venue_a2, offering=None, channel="desk", children=3
    )

    response = distributor.get(reverse("usage:card", args=[net.dist_a.pk, card.pk]))

    assert response.context["use"] == {"uses": 2, "tickets": 5}
    page = response.content.decode()
    assert "Secret concert" not in page and net.venue_a.name not in page


def test_a_distributor_never_sees_another_sites_card(net, client_for):
    card = CardFactory(issued_by=net.dist_a)
    for persona in ("other_distributor", "venue_contact", "coordinator", "national_admin"):
        for name in ("usage:card", "usage:card_renew", "usage:card_close", "usage:card_background"):
            response = client_for(persona).get(reverse(name, args=[net.dist_a.pk, card.pk]))
            assert response.status_code == 404, (persona, name)


# --- Renewing --------------------------------------------------------------------------


def test_renewal_asks_for_confirmation_first(net, distributor):
    card = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=300))
    before = card.valid_until

    response = distributor.get(reverse("usage:card_renew", args=[net.dist_a.pk, card.pk]))

    assert response.status_code == 200
    assert response.context["valid_until"] == one_year_from(TODAY())
    card.refresh_from_db()
    assert card.valid_until == before


def test_renewal_makes_the_card_valid_one_year_from_today_and_keeps_its_history(net, distributor):
    issued = TODAY() - datetime.timedelta(days=400)
    card = CardFactory(issued_by=net.dist_a, issued_on=issued)

    response = distributor.post(reverse("usage:card_renew", args=[net.dist_a.pk, card.pk]))

    assert response.status_code == 302
    card.refresh_from_db()
    assert (card.card_id, card.valid_from, card.valid_until) == (
        card.card_id,
        TODAY(),
        one_year_from(TODAY()),
    )
    periods = list(card.periods.order_by("valid_from").values_list("kind", "valid_from"))
    assert periods == [("issued", issued), ("renewed", TODAY())]
    assert AuditEntry.objects.filter(action="card.renewed", site=net.dist_a).exists()
    page = distributor.get(reverse("usage:card", args=[net.dist_a.pk, card.pk]))
    assert len(page.context["periods"]) == 2


def test_renewing_twice_the_same_day_adds_no_second_period(net, distributor):
    card = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=400))
    url = reverse("usage:card_renew", args=[net.dist_a.pk, card.pk])
    distributor.post(url)
    distributor.post(url)
    assert card.periods.count() == 2
    assert AuditEntry.objects.filter(action="card.renewed").count() == 1


def test_a_card_issued_today_needs_no_renewal(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    response = distributor.get(reverse("usage:card_renew", args=[net.dist_a.pk, card.pk]))
    assert response.context["already"]
    assert "already valid for a full year" in response.content.decode()


def test_a_closed_card_cannot_be_renewed(net, distributor):
    card = CardFactory(issued_by=net.dist_a, closed_on=TODAY(), close_reason="returned")
    until = card.valid_until

    response = distributor.post(
        reverse("usage:card_renew", args=[net.dist_a.pk, card.pk]), follow=True
    )

    card.refresh_from_db()
    assert card.valid_until == until and card.periods.count() == 1
    assert "cannot be renewed" in response.content.decode()
    assert not AuditEntry.objects.filter(action="card.renewed").exists()


# --- Closing ----------------------------------------------------------------------------


def test_a_distributor_closes_a_card_with_a_reason(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    url = reverse("usage:card_close", args=[net.dist_a.pk, card.pk])

    assert distributor.post(url, {}).context["form"].errors["reason"]
    distributor.post(url, {"reason": "replaced"})

    card.refresh_from_db()
    assert (card.closed_on, card.close_reason) == (TODAY(), "replaced")
    assert AuditEntry.objects.get(action="card.closed").data["reason"] == "replaced"


def test_a_closed_card_cannot_be_used(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    distributor.post(reverse("usage:card_close", args=[net.dist_a.pk, card.pk]), {"reason": "lost"})
    with pytest.raises(services.RedemptionRefused) as refused:
        record_redemption(card_id=card.card_id, site=net.venue_a, offering=None, channel="desk")
    assert refused.value.code == "card_closed"


def test_an_unknown_closing_reason_is_refused(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    distributor.post(
        reverse("usage:card_close", args=[net.dist_a.pk, card.pk]), {"reason": "stolen"}
    )
    card.refresh_from_db()
    assert not card.is_closed


# --- Correcting the background data ----------------------------------------------------


def test_correcting_the_background_data_is_audited(net, distributor):
    card = CardFactory(issued_by=net.dist_a, children=1)
    url = reverse("usage:card_background", args=[net.dist_a.pk, card.pk])
    assert distributor.get(url).context["form"].initial["children"] == 1

    distributor.post(
        url,
        {"birth_year": 1980, "postal_code": "33100", "children": 3, "life_situation": "student"},
    )

    card.refresh_from_db()
    assert (card.children, card.life_situation) == (3, "student")
    entry = AuditEntry.objects.get(action="card.changed")
    assert entry.data == {"card_id": card.card_id, "changed": ["children", "life_situation"]}
    assert entry.actor == net.distributor


def test_the_background_correction_keeps_the_rules(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    url = reverse("usage:card_background", args=[net.dist_a.pk, card.pk])
    response = distributor.post(
        url, {"birth_year": THIS_YEAR - 10, "postal_code": "331", "children": 25}
    )
    assert set(response.context["form"].errors) == {"birth_year", "postal_code", "children"}
    assert not AuditEntry.objects.filter(action="card.changed").exists()


def test_a_community_cards_correction_is_its_group_limit(net, distributor):
    card = CardFactory(
        issued_by=net.dist_a, kind="community", birth_year=None, postal_code="", group_limit=10
    )
    url = reverse("usage:card_background", args=[net.dist_a.pk, card.pk])
    assert list(distributor.get(url).context["form"].fields) == ["group_limit"]

    distributor.post(url, {"group_limit": 4})

    card.refresh_from_db()
    assert card.group_limit == 4
    assert AuditEntry.objects.get(action="card.changed").data["changed"] == ["group_limit"]


def test_a_voided_use_does_not_count_on_the_card_page(net, distributor):
    card = CardFactory(issued_by=net.dist_a)
    use = record_redemption(
        card_id=card.card_id, site=net.venue_a, offering=None, channel="desk"
    ).redemption
    services.void_redemption(redemption=use, reason="wrong card")
    response = distributor.get(reverse("usage:card", args=[net.dist_a.pk, card.pk]))
    assert response.context["use"] == {"uses": 0, "tickets": 0}
    assert Redemption.objects.count() == 1
