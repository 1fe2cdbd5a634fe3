"""The one recording service: every rule of DOMAIN.md and every refusal code."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage import services
from usage.models import Card, Redemption
from usage.services import RedemptionRefused, record_redemption
from venues.models import Offering

TODAY = timezone.localdate
DESK = Redemption.Channel.DESK


def record(net, card, offering=None, **kwargs):
    kwargs.setdefault("site", net.venue_a)
    kwargs.setdefault("channel", DESK)
    kwargs.setdefault("recorded_by", net.cashier)
    card_id = card.card_id if isinstance(card, Card) else card
    return record_redemption(card_id=card_id, offering=offering, **kwargs)


def refusal(net, card, offering=None, **kwargs) -> RedemptionRefused:
    with pytest.raises(RedemptionRefused) as info:
        record(net, card, offering, **kwargs)
    return info.value


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, cap=None)


@pytest.fixture
def card(net):
    return CardFactory(issued_by=net.dist_a, children=2)


def test_it_records_a_use_with_its_channel_recorder_and_an_audit_entry(net, show, card):
    result = record(net, card, show, children=1)

    use = result.redemption
    assert result.created
    assert (use.card, use.site, use.offering, use.used_on) == (card, net.venue_a, show, TODAY())
    assert (use.children, use.tickets, use.channel, use.recorded_by) == (1, 2, DESK, net.cashier)
    entry = AuditEntry.objects.get(action="redemption.recorded")
    assert entry.object_id == str(use.pk)
    assert entry.site == net.venue_a and entry.area == net.area_a and entry.actor == net.cashier
    assert entry.data["card_id"] == card.card_id and entry.data["children"] == 1


def test_it_normalises_a_scanned_or_typed_card_id(net, show, card):
    typed = f"  *{card.card_id[:3].lower()} {card.card_id[3:]}*  "
    assert record(net, typed, show).redemption.card == card


@pytest.mark.parametrize("raw", ["", "AB", "A" * 21, "KK 12/34", "ÄÄKKÖSET", "<script>"])
def test_it_refuses_a_malformed_card_id(net, show, raw):
    assert refusal(net, raw, show).code == "card_id_malformed"
    assert not Redemption.objects.exists()


def test_it_refuses_a_card_that_is_not_registered(net, show):
    assert refusal(net, "NOTREGISTERED", show).code == "card_unknown"


def test_it_refuses_an_expired_card(net, show):
    expired = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=400))
    assert refusal(net, expired, show).code == "card_expired"


def test_it_refuses_a_use_dated_before_the_card_was_registered(net):
    card = CardFactory(issued_by=net.dist_a)
    yesterday = TODAY() - datetime.timedelta(days=1)
    old_show = OfferingFactory(site=net.venue_a, date=yesterday)
    error = refusal(net, card, old_show, used_on=yesterday, after_the_fact=True)
    assert error.code == "card_not_yet_valid"


def test_it_refuses_a_closed_card_from_the_closing_day_on(net, show, card):
    services.close_card(card=card, site=net.dist_a, reason="lost", closed_by=net.distributor)
    assert refusal(net, card, show).code == "card_closed"


def test_a_use_from_before_the_card_was_closed_is_still_recorded_after_the_fact(net, card):
    last_week = TODAY() - datetime.timedelta(days=7)
    card.issued_on = card.valid_from = last_week - datetime.timedelta(days=30)
    card.save()
    past_show = OfferingFactory(site=net.venue_a, date=last_week)
    services.close_card(card=card, site=net.dist_a, reason="lost", closed_by=net.distributor)

    result = record(net, card, past_show, used_on=last_week, after_the_fact=True)

    assert result.redemption.used_on == last_week


def test_a_renewed_card_is_valid_in_its_earlier_period_but_not_in_the_gap(net):
    issued = TODAY() - datetime.timedelta(days=500)
    card = CardFactory(issued_by=net.dist_a, issued_on=issued)
    services.renew_card(card=card, site=net.dist_a, renewed_by=net.distributor)
    in_first_period = issued + datetime.timedelta(days=10)
    in_gap = issued + datetime.timedelta(days=400)
    first = OfferingFactory(site=net.venue_a, date=in_first_period)
    gap = OfferingFactory(site=net.venue_a, date=in_gap)

    assert record(net, card, first, used_on=in_first_period, after_the_fact=True).created
    assert refusal(net, card, gap, used_on=in_gap, after_the_fact=True).code == "card_expired"


def test_it_refuses_more_children_than_the_register_allows(net, show, card):
    assert refusal(net, card, show, children=3).code == "too_many_children"
    assert record(net, card, show, children=2).redemption.tickets == 3


def test_a_community_cards_group_limit_plays_the_role_of_the_child_count(net, show):
    community = CardFactory(
        issued_by=net.dist_a,
        kind=Card.Kind.COMMUNITY,
        birth_year=None,
        postal_code="",
        group_limit=10,
    )
    assert refusal(net, community, show, children=11).code == "too_many_children"
    assert record(net, community, show, children=10).redemption.tickets == 11


def test_it_refuses_childrens_tickets_on_a_course(net, card):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        sector=Offering.Sector.EDUCATION,
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=60),
    )
    assert refusal(net, card, course, children=1).code == "children_not_allowed"
    assert record(net, card, course).created


@pytest.mark.parametrize("children", [-1, 21, "2", None, True])
def test_it_refuses_a_child_count_that_is_not_a_small_whole_number(net, show, card, children):
    assert refusal(net, card, show, children=children).code == "children_invalid"


def test_a_second_scan_for_the_same_show_is_refused_as_already_recorded(net, show, card):
    first = record(net, card, show).redemption
    error = refusal(net, card, show)
    assert error.code == "already_recorded"
    assert error.redemption == first
    assert Redemption.objects.count() == 1


def test_a_course_place_is_taken_once_whatever_the_day(net, card):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=60),
    )
    record(net, card, course)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    assert refusal(net, card, course, used_on=tomorrow).code == "already_recorded"


def test_admission_can_be_used_again_on_another_day(net, card):
    admission = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.ADMISSION,
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=30),
    )
    record(net, card, admission)
    assert refusal(net, card, admission).code == "already_recorded"
    assert record(net, card, admission, used_on=TODAY() + datetime.timedelta(days=1)).created


def test_plain_admission_without_an_offering_is_once_per_site_and_day(net, card):
    record(net, card, None)
    assert refusal(net, card, None).code == "already_recorded"
    assert record(net, card, None, site=net.venue_a2).created


@pytest.mark.parametrize(
    ("kind", "words"),
    [
        (Offering.Kind.SHOW, "This card has already been used for this show."),
        (Offering.Kind.COURSE, "This card already has a place on this course."),
        (
            Offering.Kind.ADMISSION,
            "This card has already been used for this admission on this date.",
        ),
        (None, "This card has already been used for admission at this site on this date."),
    ],
)
def test_already_recorded_is_said_in_the_words_of_the_offerings_kind(net, card, kind, words):
    offering = None
    if kind is not None:
        offering = OfferingFactory(
            site=net.venue_a,
            kind=kind,
            start_time=datetime.time(19) if kind == Offering.Kind.SHOW else None,
            end_date=None if kind == Offering.Kind.SHOW else TODAY() + datetime.timedelta(days=9),
        )
    record(net, card, offering)

    with translation.override("en"):
        message = refusal(net, card, offering).message

    assert message == f"{words} Nothing was recorded again."
    if kind != Offering.Kind.COURSE:
        assert "course" not in message


def test_plain_admission_is_refused_where_the_site_has_offerings_that_day(net, show, card):
    assert refusal(net, card, None).code == "offering_required"


def test_a_voided_use_can_be_recorded_again(net, show, card):
    first = record(net, card, show).redemption
    services.void_redemption(redemption=first, reason="wrong show", voided_by=net.venue_contact)
    assert record(net, card, show).created


def test_it_refuses_when_the_cap_would_be_exceeded_and_says_how_many_places_remain(net, card):
    capped = OfferingFactory(site=net.venue_a, cap=4)
    record(net, CardFactory(issued_by=net.dist_a, children=1), capped, children=1)  # 2 tickets

    error = refusal(net, card, capped, children=2)  # 3 tickets do not fit in 2

    assert error.code == "cap_reached"
    assert error.remaining == 2
    with translation.override("en"):
        assert "2 places are left" in error.message
    assert record(net, card, capped, children=1).created  # 2 tickets fit exactly


def test_a_voided_use_frees_its_places(net, card):
    capped = OfferingFactory(site=net.venue_a, cap=1)
    first = record(net, CardFactory(issued_by=net.dist_a), capped).redemption
    assert refusal(net, card, capped).code == "cap_reached"
    services.void_redemption(redemption=first, reason="mistake", voided_by=net.venue_contact)
    assert record(net, card, capped).created


def test_an_admission_cap_counts_per_day(net, card):
    admission = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.ADMISSION,
        start_time=None,
        cap=1,
        end_date=TODAY() + datetime.timedelta(days=5),
    )
    record(net, CardFactory(issued_by=net.dist_a), admission)
    assert refusal(net, card, admission).code == "cap_reached"
    assert record(net, card, admission, used_on=TODAY() + datetime.timedelta(days=1)).created


def test_after_the_fact_a_use_over_the_cap_is_recorded_and_flagged(net, card):
    capped = OfferingFactory(site=net.venue_a, cap=1)
    record(net, CardFactory(issued_by=net.dist_a), capped)

    use = record(net, card, capped, channel=Redemption.Channel.IMPORT, after_the_fact=True)

    assert use.redemption.over_cap
    assert services.tickets_used(capped, TODAY()) == 2


def test_it_refuses_an_offering_of_another_site(net, card):
    elsewhere = OfferingFactory(site=net.venue_b)
    assert refusal(net, card, elsewhere).code == "offering_not_at_site"


def test_it_refuses_an_excluded_offering(net, card):
    excluded = OfferingFactory(
        site=net.venue_a, excluded=True, exclusion_reason="Premiere for sponsors"
    )
    assert refusal(net, card, excluded).code == "offering_excluded"


def test_it_refuses_an_offering_that_is_not_on_the_date_of_use(net, card, show):
    tomorrow = TODAY() + datetime.timedelta(days=1)
    assert refusal(net, card, show, used_on=tomorrow).code == "offering_not_on_date"


def test_a_retry_with_the_same_idempotency_key_returns_the_first_use(net, show, card):
    first = record(net, card, show, idempotency_key="desk:k1", fingerprint="f")
    again = record(net, card, show, idempotency_key="desk:k1", fingerprint="f")

    assert first.created and not again.created
    assert again.redemption == first.redemption
    assert Redemption.objects.count() == 1
    assert AuditEntry.objects.filter(action="redemption.recorded").count() == 1


def test_the_same_idempotency_key_with_another_request_is_refused(net, show, card):
    record(net, card, show, idempotency_key="api:1:k", fingerprint="first")
    error = refusal(net, card, show, idempotency_key="api:1:k", fingerprint="second")
    assert error.code == "idempotency_mismatch"


def test_every_refusal_code_has_a_message(net):
    for code in services.REFUSAL_MESSAGES:
        assert RedemptionRefused(code).message


# --- Voids -------------------------------------------------------------------


def test_a_void_records_who_when_and_why_and_leaves_the_row(net, show, card):
    use = record(net, card, show).redemption

    voided = services.void_redemption(redemption=use, reason=" wrong card ", voided_by=net.cashier)

    assert voided.is_voided and voided.voided_by == net.cashier
    assert voided.void_reason == "wrong card"
    assert Redemption.objects.filter(pk=use.pk).exists()
    assert AuditEntry.objects.filter(action="redemption.voided", object_id=str(use.pk)).exists()


def test_voiding_twice_changes_nothing(net, show, card):
    use = record(net, card, show).redemption
    first = services.void_redemption(redemption=use, reason="one", voided_by=net.cashier)
    second = services.void_redemption(redemption=use, reason="two", voided_by=net.venue_contact)
    assert (second.voided_at, second.void_reason) == (first.voided_at, "one")
    assert AuditEntry.objects.filter(action="redemption.voided").count() == 1


def test_a_void_needs_a_reason(net, show, card):
    use = record(net, card, show).redemption
    with pytest.raises(ValueError):
        services.void_redemption(redemption=use, reason="  ", voided_by=net.cashier)


def test_the_void_reason_stays_on_the_use_and_is_not_copied_into_the_audit(net, show, card):
    use = record(net, card, show).redemption
    services.void_redemption(redemption=use, reason="typed by staff", voided_by=net.cashier)
    entry = AuditEntry.objects.get(action="redemption.voided")
    assert "typed by staff" not in str(entry.data)


# --- The card register -----------------------------------------------------------


def test_renewing_twice_on_one_day_adds_one_period(net):
    card = CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=300))
    services.renew_card(card=card, site=net.dist_a, renewed_by=net.distributor)
    services.renew_card(card=card, site=net.dist_a, renewed_by=net.distributor)
    assert card.periods.count() == 2
    assert AuditEntry.objects.filter(action="card.renewed").count() == 1


# --- Many uses at once (imports) ------------------------------------------------


def test_a_batch_applies_the_rules_in_order_as_if_one_after_the_other(net, card):
    capped = OfferingFactory(site=net.venue_a, cap=3)
    other = CardFactory(issued_by=net.dist_a)
    third = CardFactory(issued_by=net.dist_a)
    uses = [
        services.UseRequest(card.card_id, capped, TODAY(), children=1),  # 2 tickets
        services.UseRequest(card.card_id, capped, TODAY()),  # the same card again
        services.UseRequest(other.card_id, capped, TODAY()),  # the 3rd ticket
        services.UseRequest(third.card_id, capped, TODAY()),  # no place left
        services.UseRequest("NOSUCHCARD", capped, TODAY()),
        services.UseRequest("x", capped, TODAY()),
    ]

    outcomes = services.record_redemptions(
        site=net.venue_a, uses=uses, channel=Redemption.Channel.IMPORT, recorded_by=net.cashier
    )

    codes = [o.code if isinstance(o, RedemptionRefused) else "recorded" for o in outcomes]
    assert codes == [
        "recorded",
        "already_recorded",
        "recorded",
        "cap_reached",
        "card_unknown",
        "card_id_malformed",
    ]
    assert outcomes[1].redemption == outcomes[0].redemption
    assert services.tickets_used(capped, TODAY()) == 3
    assert AuditEntry.objects.filter(action="redemption.recorded").count() == 2


def test_a_batch_after_the_fact_records_over_the_cap_and_flags_it(net, card):
    capped = OfferingFactory(site=net.venue_a, cap=1)
    other = CardFactory(issued_by=net.dist_a)
    outcomes = services.record_redemptions(
        site=net.venue_a,
        uses=[services.UseRequest(c.card_id, capped, TODAY()) for c in (card, other)],
        channel=Redemption.Channel.IMPORT,
        after_the_fact=True,
    )
    assert [o.redemption.over_cap for o in outcomes] == [False, True]


def test_a_batch_costs_a_fixed_number_of_queries_whatever_its_size(net):
    shows = [OfferingFactory(site=net.venue_a, cap=100) for _ in range(3)]

    def queries_for(count: int) -> int:
        cards = [CardFactory(issued_by=net.dist_a) for _ in range(count)]
        uses = [services.UseRequest(c.card_id, shows[i % 3], TODAY()) for i, c in enumerate(cards)]
        with CaptureQueriesContext(connection) as queries:
            outcomes = services.record_redemptions(
                site=net.venue_a, uses=uses, channel=Redemption.Channel.IMPORT
            )
        assert all(isinstance(o, services.Recorded) for o in outcomes)
        return len(queries)

    assert queries_for(6) == queries_for(60)


@pytest.mark.parametrize("by_pk", [False, True])
def test_an_unknown_card_at_a_capped_offering_is_refused_as_unknown(net, by_pk):
    # One use, one capped offering: its cap is counted in the statement that
    # reads the card's earlier uses, even when there is no card to read them of.
    show = OfferingFactory(site=net.venue_a, cap=3)
    with pytest.raises(RedemptionRefused) as refused:
        record_redemption(
            card_id="NOPE-1234",
            site=net.venue_a,
            offering=show.pk if by_pk else show,
            channel=Redemption.Channel.DESK,
        )
    assert refused.value.code == "card_unknown"
    assert not Redemption.objects.exists()


def test_an_offering_given_by_a_pk_of_another_site_or_none_is_not_the_sites(net):
    card = CardFactory(issued_by=net.dist_a)
    elsewhere = OfferingFactory(site=net.venue_b)
    for pk in (elsewhere.pk, elsewhere.pk + 1000):
        with pytest.raises(RedemptionRefused) as refused:
            record_redemption(
                card_id=card.card_id, site=net.venue_a, offering=pk, channel=Redemption.Channel.API
            )
        assert refused.value.code == "offering_not_at_site"
    assert not Redemption.objects.exists()


def test_it_refuses_a_use_dated_before_the_uses_the_register_keeps(net, settings):
    """Uses of the years that the retention folds are not recorded: the
    register could no longer apply the duplicate rule to them."""
    settings.RETENTION_USES_YEARS = 1
    first_kept = datetime.date(TODAY().year - 1, 1, 1)
    old_card = CardFactory(issued_by=net.dist_a, issued_on=first_kept - datetime.timedelta(days=30))

    error = refusal(
        net, old_card, None, used_on=first_kept - datetime.timedelta(days=1), after_the_fact=True
    )

    assert error.code == "date_not_kept"
    assert not Redemption.objects.exists() and not AuditEntry.objects.exists()
    # The first day kept is recorded as any other.
    assert record(net, old_card, None, used_on=first_kept, after_the_fact=True).created
