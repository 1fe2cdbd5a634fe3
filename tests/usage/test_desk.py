"""The cashier's desk: check a card, record its use, undo a mistake — as plain
forms (the page works without JavaScript) and through the card endpoint."""

import datetime
import html
import re
import uuid
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format

from tests.factories import CardFactory, MembershipFactory, OfferingFactory, UserFactory
from tests.logins import log_in
from usage import services
from usage.desk import card_check
from usage.models import Card, Redemption
from usage.services import RedemptionRefused, record_redemption
from venues.models import Membership, Offering

TODAY = timezone.localdate
DESK = reverse("usage:desk")
CHECK = reverse("usage:desk_check")
CARD = reverse("usage:desk_card")
RECORD = reverse("usage:desk_record")


def undo_url(use) -> str:
    return reverse("usage:desk_undo", args=[use.pk])


@pytest.fixture(autouse=True)
def english():
    # Assertions compare with the messages in English, whatever catalogs exist.
    with translation.override("en"):
        yield


def client_of(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    log_in(client, user)
    return client


@pytest.fixture
def cashier(net):
    return client_of(net.cashier)


@pytest.fixture
def show(net):
    return OfferingFactory(site=net.venue_a, title="Evening concert", cap=5)


@pytest.fixture
def card(net):
    return CardFactory(issued_by=net.dist_a, children=2)


def key_for(user) -> str:
    return f"desk:{user.pk}:{uuid.uuid4().hex}"


def record(client, net, card, offering=None, *, children=0, key=None, day=None, site=None):
    card_id = card.card_id if isinstance(card, Card) else card
    data = {
        "site": (site or net.venue_a).pk,
        "day": (day or TODAY()).isoformat(),
        "card": card_id,
        "children": children,
        "key": key or key_for(net.cashier),
    }
    if offering is not None:
        data["offering"] = offering.pk
    return client.post(RECORD, data)


def check(client, card_id: str, **params):
    """A card checked with the plain form: posted, then the desk page it leads to."""
    return client.post(CHECK, {"card": card_id, **params}, follow=True)


def text(response) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, whitespace collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags))


class _PartText(HTMLParser):
    """The text inside the element that has data-desk-part="<name>"."""

    VOID = {"input", "br", "img", "meta", "link", "hr", "source", "wbr"}

    def __init__(self, name: str):
        super().__init__()
        self.name, self.depth, self.chunks = name, 0, []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        if self.depth or dict(attrs).get("data-desk-part") == self.name:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.depth and tag not in self.VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.chunks.append(data)


def part(response, name: str) -> str:
    """The text of one of the desk's live parts (alert, status, record, recent)."""
    parser = _PartText(name)
    parser.feed(response.content.decode())
    return re.sub(r"\s+", " ", " ".join(parser.chunks)).strip()


def focused_id(response) -> str:
    ids = re.findall(r'<[^>]*\bid="([^"]+)"[^>]*\bautofocus\b', response.content.decode())
    assert len(ids) == 1, ids
    return ids[0]


def message(code: str, **kwargs) -> str:
    return RedemptionRefused(code, **kwargs).message


# --- The page and the card check -------------------------------------------------


def test_the_empty_desk_has_the_card_field_focused_and_lists_todays_offerings(net, cashier, show):
    response = cashier.get(DESK)

    assert response.status_code == 200
    assert focused_id(response) == "desk-card"
    assert "Evening concert" in part(response, "record")
    assert "0 / 5 used · 5 places left" in part(response, "record")
    assert 'id="desk-record-form"' not in response.content.decode()  # no card yet


def test_checking_a_card_shows_its_state_and_the_record_form_with_the_record_button_focused(
    net, cashier, show, card
):
    response = check(cashier, f" *{card.card_id.lower()}* ")

    status = part(response, "status")
    assert f"Card {card.card_id} can be used" in status
    assert f"Valid until {date_format(card.valid_until, 'SHORT_DATE_FORMAT')}" in status
    assert "Personal card" in status
    assert "at most 2 children under 18" in status
    assert 'id="desk-record-form"' in response.content.decode()
    assert f'value="{card.card_id}"' in response.content.decode()
    assert focused_id(response) == "desk-record-button"
    assert not part(response, "alert").strip()


def test_a_community_card_shows_its_group_limit(net, cashier, show):
    community = CardFactory(
        issued_by=net.dist_a,
        kind=Card.Kind.COMMUNITY,
        birth_year=None,
        postal_code="",
        group_limit=8,
    )
    status = part(check(cashier, community.card_id), "status")
    assert "Community card" in status
    assert "the employee and at most 8 clients under 16" in status


def _personal_card(net):
    return CardFactory(
        issued_by=net.dist_a,
        birth_year=1931,
        postal_code="96930",
        gender=Card.Gender.FEMALE,
        life_situation=Card.LifeSituation.SICK_OR_REHAB,
        children=1,
    )


def _assert_nothing_personal(content: str) -> None:
    content = html.unescape(content)
    assert not re.search(r"\b1931\b", content)
    assert "96930" not in content
    for word in ("birth", "postal_code", "gender", "life_situation", "female", "woman"):
        assert word not in content.lower(), word
    assert "sick_or_rehab" not in content
    assert "sickness" not in content.lower()


def test_the_page_shows_nothing_personal_about_the_card(net, cashier, show):
    personal = _personal_card(net)
    checked = check(cashier, personal.card_id)
    assert f"Card {personal.card_id} can be used" in text(checked)
    _assert_nothing_personal(checked.content.decode())

    recorded = record(cashier, net, personal, show, children=1)
    confirmation = cashier.get(recorded["Location"])
    assert "Recorded" in part(confirmation, "status")
    _assert_nothing_personal(confirmation.content.decode())


def test_the_card_endpoint_answers_the_state_and_never_a_personal_field(net, cashier, show):
    personal = _personal_card(net)

    response = cashier.post(CARD, {"card": personal.card_id, "site": net.venue_a.pk})

    assert response.status_code == 200
    answer = response.json()
    assert answer["card"] == {
        "card_id": personal.card_id,
        "registered": True,
        "usable": True,
        "refusal": None,
        "kind": "personal",
        "kind_label": "personal card",
        "valid_until": personal.valid_until.isoformat(),
        "closed": False,
        "children_allowed": 1,
        "expires_soon": False,
    }
    assert answer["focus"] == "desk-record-button"
    assert set(answer["html"]) == {"alert", "status", "record"}
    assert "Evening concert" in answer["html"]["record"]
    _assert_nothing_personal(response.content.decode())


def test_the_card_endpoint_says_why_a_card_cannot_be_used(net, cashier):
    unknown = cashier.post(CARD, {"card": "NOSUCHCARD"}).json()
    assert unknown["card"]["usable"] is False
    assert unknown["card"]["refusal"] == {
        "code": "card_unknown",
        "message": message("card_unknown"),
    }
    assert unknown["focus"] == "desk-card"

    malformed = cashier.post(CARD, {"card": "12/"}).json()
    assert malformed["card"]["refusal"]["code"] == "card_id_malformed"


def test_the_card_endpoint_refuses_a_date_outside_the_desks_range(net, cashier, card):
    yesterday = TODAY() - datetime.timedelta(days=1)
    response = cashier.post(CARD, {"card": card.card_id, "day": yesterday.isoformat()})
    assert response.status_code == 400
    assert "Choose a date from today to a year ahead." in response.json()["error"]


def _expired(net):
    return CardFactory(issued_by=net.dist_a, issued_on=TODAY() - datetime.timedelta(days=400))


def _closed(net):
    card = CardFactory(issued_by=net.dist_a)
    services.close_card(card=card, site=net.dist_a, reason="lost", closed_by=net.distributor)
    return card


CARD_REFUSALS = [
    pytest.param(_expired, "card_expired", id="expired"),
    pytest.param(_closed, "card_closed", id="closed"),
    pytest.param(lambda net: "NOTREGISTERED1", "card_unknown", id="unknown"),
    pytest.param(lambda net: "KK/12", "card_id_malformed", id="malformed"),
]


@pytest.mark.parametrize(("make", "code"), CARD_REFUSALS)
def test_checking_a_card_that_cannot_be_used_says_why_and_offers_no_record_form(
    net, cashier, show, make, code
):
    card = make(net)
    card_id = card.card_id if isinstance(card, Card) else card

    response = check(cashier, card_id)

    alert = part(response, "alert")
    assert "This card cannot be used" in alert
    assert message(code) in alert
    assert 'id="desk-record-form"' not in response.content.decode()
    assert focused_id(response) == "desk-card"


def test_an_expired_cards_refusal_tells_until_when_it_was_valid(net, cashier):
    expired = _expired(net)
    alert = part(check(cashier, expired.card_id), "alert")
    assert f"Card {expired.card_id}: valid until" in alert


# --- Recording -----------------------------------------------------------------------


def test_a_cashier_records_a_use_and_sees_the_confirmation_with_undo(net, cashier, show, card):
    key = key_for(net.cashier)

    response = record(cashier, net, card, show, children=1, key=key)

    use = Redemption.objects.get()
    assert (use.card, use.site, use.offering, use.used_on) == (card, net.venue_a, show, TODAY())
    assert (use.children, use.channel, use.recorded_by) == (1, "desk", net.cashier)
    assert use.idempotency_key == key
    assert response.status_code == 302
    page = cashier.get(response["Location"])
    status = part(page, "status")
    assert "Recorded" in status
    starts = time_format(show.start_time, "TIME_FORMAT")
    assert f"Card {card.card_id} · Evening concert {starts} · 2 tickets: holder + 1 child" in status
    assert f'action="{undo_url(use)}"' in page.content.decode()
    assert focused_id(page) == "desk-card"  # ready for the next customer
    assert "2 / 5 used · 3 places left" in part(page, "record")


def test_every_render_of_the_record_form_carries_a_fresh_key(net, cashier, show, card):
    keys = [
        re.search(
            r'name="key" value="([^"]+)"',
            check(cashier, card.card_id).content.decode(),
        ).group(1)
        for _ in range(2)
    ]
    assert keys[0] != keys[1]
    assert all(re.fullmatch(rf"desk:{net.cashier.pk}:[0-9a-f]{{32}}", key) for key in keys)


def test_a_double_submit_with_the_same_key_records_once(net, cashier, show, card):
    key = key_for(net.cashier)

    first = record(cashier, net, card, show, key=key)
    second = record(cashier, net, card, show, key=key)

    assert Redemption.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_a_key_of_another_users_page_is_not_used(net, cashier, show, card):
    record(cashier, net, card, show, key=f"desk:{net.venue_contact.pk}:{uuid.uuid4().hex}")
    assert Redemption.objects.get().idempotency_key is None


def test_a_form_sent_again_with_other_choices_is_refused_in_plain_words(net, cashier, show, card):
    key = key_for(net.cashier)
    record(cashier, net, card, show, key=key)
    response = record(cashier, net, card, show, children=1, key=key)
    assert "This form was already sent." in part(response, "alert")
    assert Redemption.objects.count() == 1


def _refusal(response) -> str:
    assert response.status_code == 200
    alert = part(response, "alert")
    assert "Not recorded" in alert
    return alert


@pytest.mark.parametrize(("make", "code"), CARD_REFUSALS)
def test_recording_a_card_that_cannot_be_used_is_refused_and_records_nothing(
    net, cashier, show, make, code
):
    card = make(net)

    response = record(cashier, net, card, show)

    assert message(code) in _refusal(response)
    assert not Redemption.objects.exists()
    assert focused_id(response) == "desk-card"


def test_a_full_cap_is_refused_with_the_places_that_remain(net, cashier, card):
    small = OfferingFactory(site=net.venue_a, title="Small hall", cap=3)
    services.record_redemption(
        card_id=CardFactory(issued_by=net.dist_a, children=1).card_id,
        site=net.venue_a,
        offering=small,
        channel="desk",
        children=1,
    )

    response = record(cashier, net, card, small, children=2)  # 3 tickets, 1 place left

    alert = _refusal(response)
    assert message("cap_reached", remaining=1) in alert
    assert "1 place is left." in alert
    assert Redemption.objects.count() == 1
    assert focused_id(response) == f"desk-offering-{small.pk}"
    assert "2 / 3 used · 1 place left" in part(response, "record")


def test_more_children_than_the_register_allows_is_refused(net, cashier, show, card):
    response = record(cashier, net, card, show, children=3)
    assert message("too_many_children") in _refusal(response)
    assert not Redemption.objects.exists()
    assert focused_id(response) == "desk-children"
    assert 'name="children" ' in response.content.decode()
    assert 'value="3"' in response.content.decode()  # the cashier's entry stays to correct


def test_children_on_a_course_are_refused(net, cashier, card):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title="Watercolours",
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=60),
    )
    response = record(cashier, net, card, course, children=1)
    assert message("children_not_allowed") in _refusal(response)
    assert not Redemption.objects.exists()


def test_a_second_scan_for_the_same_show_is_refused_as_already_recorded(net, cashier, show, card):
    record(cashier, net, card, show)

    response = record(cashier, net, card, show)

    assert "This card has already been used for this show." in _refusal(response)
    assert "course" not in _refusal(response)
    assert Redemption.objects.count() == 1
    assert focused_id(response) == "desk-card"
    assert 'id="desk-card-state"' not in response.content.decode()  # no green box beside it


def test_a_checked_card_already_used_today_says_so(net, cashier, show, card):
    OfferingFactory(site=net.venue_a, title="Late show", start_time=datetime.time(23, 59))
    record(cashier, net, card, show)
    use = Redemption.objects.get()
    status = part(check(cashier, card.card_id), "status")
    at = time_format(timezone.localtime(use.recorded_at), "TIME_FORMAT")
    assert f"Already recorded on this date at this site: Evening concert ({at})" in status


def test_an_excluded_offering_is_shown_with_its_reason_not_selectable_and_refused(
    net, cashier, card
):
    excluded = OfferingFactory(
        site=net.venue_a, title="Gala", excluded=True, exclusion_reason="Premiere for sponsors"
    )

    page = check(cashier, card.card_id)
    assert "Excluded from Kaikukortti: Premiere for sponsors" in part(page, "record")
    assert f'id="desk-offering-{excluded.pk}"' not in page.content.decode()

    response = record(cashier, net, card, excluded)
    assert message("offering_excluded") in _refusal(response)
    assert not Redemption.objects.exists()


def test_an_offering_of_another_site_is_refused(net, cashier, card):
    elsewhere = OfferingFactory(site=net.venue_b)
    response = record(cashier, net, card, elsewhere)
    assert "Choose one of the offerings listed." in _refusal(response)
    assert not Redemption.objects.exists()


def test_a_child_count_that_is_not_a_number_is_refused(net, cashier, show, card):
    response = record(cashier, net, card, show, children="two")
    assert message("children_invalid") in _refusal(response)
    assert not Redemption.objects.exists()


def test_a_site_without_offerings_that_day_records_plain_admission(net, cashier, card):
    page = check(cashier, card.card_id)
    assert "The site has no offerings on this day" in part(page, "record")

    response = record(cashier, net, card)

    assert response.status_code == 302
    use = Redemption.objects.get()
    assert use.offering is None and use.site == net.venue_a


def test_an_over_cap_offering_is_shown_as_over(net, cashier, show):
    show.cap = 1
    show.save()
    for _ in range(2):
        services.record_redemption(
            card_id=CardFactory(issued_by=net.dist_a).card_id,
            site=net.venue_a,
            offering=show,
            channel="import",
            after_the_fact=True,
        )
    assert "2 / 1 used · over the cap by 1" in part(cashier.get(DESK), "record")


def test_an_offering_without_a_cap_says_so(net, cashier):
    OfferingFactory(site=net.venue_a, title="Open rehearsal", cap=None)
    assert "0 used · no cap" in part(cashier.get(DESK), "record")


# --- The date of use and the site ----------------------------------------------------


def test_a_later_date_lists_that_days_offerings_and_records_an_advance_sale(
    net, cashier, show, card
):
    next_week = TODAY() + datetime.timedelta(days=7)
    premiere = OfferingFactory(site=net.venue_a, title="Premiere", date=next_week, cap=10)

    page = check(cashier, card.card_id, day=next_week.isoformat())
    record_part = part(page, "record")
    assert "Premiere" in record_part and "Evening concert" not in record_part
    assert "not for today" in text(page)

    response = record(cashier, net, card, premiere, day=next_week)

    use = Redemption.objects.get()
    assert (use.offering, use.used_on) == (premiere, next_week)
    assert f"day={next_week.isoformat()}" in response["Location"]


def test_a_past_date_is_not_offered(net, cashier, card):
    yesterday = TODAY() - datetime.timedelta(days=1)
    page = cashier.get(DESK, {"day": yesterday.isoformat()})
    assert "Choose a date from today to a year ahead." in text(page)
    assert focused_id(page) == "desk-day"

    response = record(cashier, net, card, day=yesterday)
    assert "Choose a date from today to a year ahead." in _refusal(response)
    assert not Redemption.objects.exists()


def test_a_cashier_of_one_site_gets_no_site_choice(net, cashier):
    assert 'id="desk-site"' not in cashier.get(DESK).content.decode()


def test_a_cashier_of_several_sites_picks_one_and_the_desk_remembers_it(net):
    MembershipFactory(user=net.cashier, role=Membership.Role.CASHIER, site=net.venue_a2)
    OfferingFactory(
        site=net.venue_a2, title="Swimming", kind=Offering.Kind.ADMISSION, start_time=None
    )
    client = client_of(net.cashier)

    first = client.get(DESK)
    assert 'id="desk-site"' in first.content.decode()
    assert "Venue A" in text(first)  # the first site by name

    client.get(DESK, {"site": net.venue_a2.pk})
    later = client.get(DESK)

    assert "Record a use · Venue A2" in text(later)
    assert "Swimming" in part(later, "record")


def test_the_desk_opens_where_the_person_last_worked_on_any_device(net):
    MembershipFactory(user=net.cashier, role=Membership.Role.CASHIER, site=net.venue_a2)
    client_of(net.cashier).get(DESK, {"site": net.venue_a2.pk})

    elsewhere = client_of(net.cashier)  # another device, another session

    assert "Record a use · Venue A2" in text(elsewhere.get(DESK))
    offline = elsewhere.get(reverse("usage:desk_offline"))
    assert offline.context["offline_data"]["site"] == net.venue_a2.pk


def test_recording_at_a_site_makes_it_the_one_the_desk_opens_on(net, card):
    MembershipFactory(user=net.cashier, role=Membership.Role.CASHIER, site=net.venue_a2)
    client = client_of(net.cashier)
    assert record(client, net, card, site=net.venue_a2).status_code == 302
    net.cashier.refresh_from_db()
    assert net.cashier.last_desk_site == net.venue_a2


def test_a_remembered_site_outside_the_persons_scope_is_not_opened(net):
    net.cashier.last_desk_site = net.venue_b
    net.cashier.save()
    page = client_of(net.cashier).get(DESK)
    assert "Record a use · Venue A" in text(page) and "Venue B" not in text(page)
    offline = client_of(net.cashier).get(reverse("usage:desk_offline"))
    assert offline.context["offline_data"]["site"] == net.venue_a.pk


# --- Children and courses --------------------------------------------------------------


def _course(net, title="Watercolours"):
    return OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title=title,
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=60),
    )


def test_the_childrens_field_says_its_range_and_desk_js_has_the_courses_words(
    net, cashier, show, card
):
    _course(net)
    page = check(cashier, card.card_id)
    content = page.content.decode()
    help_text = re.search(r'<p id="desk-children-help".*?</p>', content, re.S).group(0)
    shown = re.search(r'data-desk-children-help="any">(.*?)</span>', help_text).group(1)
    assert shown == "From 0 to 2."
    assert re.search(r'data-desk-children-help="course" hidden>No children', help_text)


def test_where_only_courses_can_be_chosen_there_is_no_childrens_field(net, cashier, card):
    _course(net)
    page = check(cashier, card.card_id)
    assert 'id="desk-children"' not in page.content.decode()
    assert 'name="children" value="0"' in page.content.decode()
    assert "No children's tickets on a course." in part(page, "record")


def test_an_undone_use_reads_without_a_stray_space_before_the_full_stop(net, cashier, show, card):
    record(cashier, net, card, show)
    use = Redemption.objects.get()
    response = cashier.post(undo_url(use))
    status = part(cashier.get(response["Location"]), "status")
    assert " ." not in status
    assert "Its places are free again." in status


# --- Undo -----------------------------------------------------------------------------


def _recorded(client, net, card, offering):
    record(client, net, card, offering)
    return Redemption.objects.get(card=card)


def test_undo_within_15_minutes_voids_the_use_and_frees_its_place(net, cashier, card):
    single = OfferingFactory(site=net.venue_a, title="Tiny show", cap=1)
    use = _recorded(cashier, net, card, single)

    response = cashier.post(undo_url(use), {"day": TODAY().isoformat()})

    use.refresh_from_db()
    assert use.is_voided and use.voided_by == net.cashier and use.void_reason
    assert services.tickets_used(single, TODAY()) == 0
    page = cashier.get(response["Location"])
    assert "Undone" in part(page, "status")
    assert "Its places are free again." in part(page, "status")
    assert "0 / 1 used · 1 place left" in part(page, "record")
    other = CardFactory(issued_by=net.dist_a)
    assert record(cashier, net, other, single).status_code == 302


def test_the_confirmation_of_an_undone_use_offers_no_undo(net, cashier, show, card):
    response = record(cashier, net, card, show)
    use = Redemption.objects.get()
    cashier.post(undo_url(use))
    page = cashier.get(response["Location"])
    assert "Undone" in part(page, "status")
    assert 'id="desk-undo"' not in page.content.decode()


def test_undo_after_15_minutes_is_refused_in_plain_words(net, cashier, show, card):
    use = _recorded(cashier, net, card, show)
    Redemption.objects.filter(pk=use.pk).update(
        recorded_at=timezone.now() - services.UNDO_WINDOW - datetime.timedelta(minutes=1)
    )

    response = cashier.post(undo_url(use))

    assert response.status_code == 403
    assert "can no longer be undone here" in part(response, "alert")
    use.refresh_from_db()
    assert not use.is_voided


def test_undo_of_a_colleagues_record_is_refused_in_plain_words(net, show, card):
    colleague = UserFactory()
    MembershipFactory(user=colleague, role=Membership.Role.CASHIER, site=net.venue_a)
    use = _recorded(client_of(colleague), net, card, show)

    response = client_of(net.cashier).post(undo_url(use))

    assert response.status_code == 403
    assert "You can undo only your own records." in part(response, "alert")
    use.refresh_from_db()
    assert not use.is_voided


def test_a_venue_contact_gets_refused_at_undo_for_someone_elses_use(net, cashier, show, card):
    use = _recorded(cashier, net, card, show)
    contact = client_of(net.venue_contact)

    response = contact.post(undo_url(use))

    assert response.status_code == 403
    assert "Void it with a reason on the site's list of uses." in part(response, "alert")
    use.refresh_from_db()
    assert not use.is_voided
    page = contact.get(DESK, {"site": net.venue_a.pk, "done": use.pk}).content.decode()
    assert f'action="{undo_url(use)}"' not in page


def test_a_venue_contact_undoes_their_own_record_within_15_minutes(net, show, card):
    contact = client_of(net.venue_contact)
    use = _recorded(contact, net, card, show)

    assert contact.post(undo_url(use)).status_code == 302

    use.refresh_from_db()
    assert use.is_voided and use.voided_by == net.venue_contact


def test_a_venue_contacts_own_record_after_15_minutes_goes_to_the_void_page(net, show, card):
    contact = client_of(net.venue_contact)
    use = _recorded(contact, net, card, show)
    Redemption.objects.filter(pk=use.pk).update(
        recorded_at=timezone.now() - services.UNDO_WINDOW - datetime.timedelta(minutes=1)
    )

    response = contact.post(undo_url(use))

    assert response.status_code == 403
    assert "with a reason" in part(response, "alert")
    use.refresh_from_db()
    assert not use.is_voided


def test_the_list_of_own_records_today_offers_undo_while_allowed(net, cashier, show, card):
    fresh = _recorded(cashier, net, card, show)
    older_card = CardFactory(issued_by=net.dist_a)
    older = _recorded(cashier, net, older_card, show)
    Redemption.objects.filter(pk=older.pk).update(
        recorded_at=timezone.now() - datetime.timedelta(minutes=20)
    )

    page = cashier.get(DESK)

    recent = part(page, "recent")
    assert card.card_id in recent and older_card.card_id in recent
    content = page.content.decode()
    assert f'action="{undo_url(fresh)}"' in content
    assert f'action="{undo_url(older)}"' not in content


# --- Scope ------------------------------------------------------------------------------


def test_a_cashier_of_another_site_gets_404_for_the_site_the_card_endpoint_and_undo(
    net, cashier, show, card
):
    use = _recorded(cashier, net, card, show)
    other = client_of(net.other_cashier)

    assert other.get(DESK, {"site": net.venue_a.pk}).status_code == 404
    assert other.post(CARD, {"card": card.card_id, "site": net.venue_a.pk}).status_code == 404
    assert record(other, net, CardFactory(issued_by=net.dist_a), show).status_code == 404
    assert other.post(undo_url(use)).status_code == 404
    assert other.get(DESK, {"done": use.pk}).status_code == 404
    use.refresh_from_db()
    assert not use.is_voided


def test_people_who_do_not_record_at_a_venue_get_404(net, client_for):
    for persona in ("outsider", "distributor", "coordinator", "national_admin"):
        assert client_for(persona).get(DESK).status_code == 404, persona


# --- The desk's reads --------------------------------------------------------------------


def test_the_desks_counts_are_the_services_counts(net):
    admission = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.ADMISSION,
        start_time=None,
        end_date=TODAY() + datetime.timedelta(days=5),
        cap=10,
    )
    show = OfferingFactory(site=net.venue_a, cap=10)
    tomorrow = TODAY() + datetime.timedelta(days=1)
    for offering, day, children in [
        (admission, TODAY(), 2),
        (admission, tomorrow, 1),
        (show, TODAY(), 0),
        (show, TODAY(), 2),
    ]:
        services.record_redemption(
            card_id=CardFactory(issued_by=net.dist_a, children=2).card_id,
            site=net.venue_a,
            offering=offering,
            channel="desk",
            used_on=day,
            children=children,
        )
    voided = Redemption.objects.filter(offering=show).first()
    services.void_redemption(redemption=voided, reason="test", voided_by=net.cashier)

    for day in (TODAY(), tomorrow):
        for row in card_check.offerings_on(net.venue_a, day):
            assert row.used == services.tickets_used(row.offering, day), (row.offering, day)


def test_the_show_starting_next_is_preselected_then_admission_and_courses(net):
    day = TODAY()
    at = lambda hour: timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))  # noqa: E731
    matinee = OfferingFactory(site=net.venue_a, title="Matinee", start_time=datetime.time(14))
    evening = OfferingFactory(site=net.venue_a, title="Evening", start_time=datetime.time(19))
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title="Course",
        start_time=None,
        end_date=day + datetime.timedelta(days=30),
    )
    admission = OfferingFactory(
        site=net.venue_a, kind=Offering.Kind.ADMISSION, title="Museum", start_time=None
    )
    rows = card_check.offerings_on(net.venue_a, day)

    assert [row.offering for row in rows] == [matinee, evening, admission, course]
    assert card_check.next_offering(rows, day, at(10)).offering == matinee
    assert card_check.next_offering(rows, day, at(15)).offering == evening
    assert card_check.next_offering(rows, day, at(20)).offering == admission
    only_shows = [row for row in rows if row.offering.kind == Offering.Kind.SHOW]
    assert card_check.next_offering(only_shows, day, at(20)).offering == evening


def test_a_full_or_excluded_offering_is_never_preselected(net):
    full = OfferingFactory(site=net.venue_a, start_time=datetime.time(23, 58), cap=0)
    OfferingFactory(
        site=net.venue_a,
        start_time=datetime.time(23, 59),
        excluded=True,
        exclusion_reason="Private event",
    )
    rows = card_check.offerings_on(net.venue_a, TODAY())
    assert full in [row.offering for row in rows]
    assert card_check.next_offering(rows, TODAY()) is None


def test_when_every_offering_is_full_nothing_is_preselected_and_the_card_field_keeps_the_focus(
    net, cashier
):
    full = OfferingFactory(site=net.venue_a, title="Sold out", cap=1)
    record_redemption(
        card_id=CardFactory(issued_by=net.dist_a).card_id,
        site=net.venue_a,
        offering=full,
        channel=Redemption.Channel.DESK,
    )
    card = CardFactory(issued_by=net.dist_a)

    page = check(cashier, card.card_id)

    assert page.context["chosen_offering_id"] is None
    assert page.context["focus_id"] == "desk-card"
    assert 'id="desk-record-form"' not in page.content.decode()
    assert "Sold out" in part(page, "status") and "full, 1 / 1 used" in part(page, "status")


# --- What a checked card can be used for, offering by offering ------------------------


def _use_of(card, offering, *, day=None, children=0):
    return record_redemption(
        card_id=card.card_id,
        site=offering.site,
        offering=offering,
        channel=Redemption.Channel.DESK,
        used_on=day or TODAY(),
        children=children,
    ).redemption


def test_an_offering_the_card_already_used_is_disabled_with_the_time_and_the_next_one_chosen(
    net, cashier, card
):
    early = OfferingFactory(site=net.venue_a, title="Matinee", start_time=datetime.time(0, 1))
    late = OfferingFactory(site=net.venue_a, title="Late show", start_time=datetime.time(23, 59))
    use = _use_of(card, late)

    page = check(cashier, card.card_id)

    content = page.content.decode()
    late_radio = re.search(rf'<input[^>]*id="desk-offering-{late.pk}"[^>]*>', content).group(0)
    early_radio = re.search(rf'<input[^>]*id="desk-offering-{early.pk}"[^>]*>', content).group(0)
    assert " disabled" in late_radio and " checked" not in late_radio
    assert " disabled" not in early_radio and " checked" in early_radio
    at = time_format(timezone.localtime(use.recorded_at), "TIME_FORMAT")
    assert f"Already used by this card: recorded at {at}" in part(page, "record")
    assert f"Card {card.card_id} can be used" in part(page, "status")
    starts = time_format(early.start_time, "TIME_FORMAT")
    assert f"Chosen offering Matinee {starts}" in part(page, "status")
    assert focused_id(page) == "desk-record-button"


def test_a_full_offering_is_disabled_and_says_so(net, cashier, card):
    full = OfferingFactory(site=net.venue_a, title="Sold out", cap=1)
    _use_of(CardFactory(issued_by=net.dist_a), full)
    open_show = OfferingFactory(site=net.venue_a, title="Open", start_time=datetime.time(23, 59))

    page = check(cashier, card.card_id)

    content = page.content.decode()
    full_radio = re.search(rf'<input[^>]*id="desk-offering-{full.pk}"[^>]*>', content).group(0)
    assert " disabled" in full_radio
    assert "1 / 1 used · full" in part(page, "record")
    assert page.context["chosen_offering_id"] == open_show.pk


def _used_up(net, card, show):
    _use_of(card, show)


def _full(net, card, show):
    show.cap = 1
    show.save()
    _use_of(CardFactory(issued_by=net.dist_a), show)


def _excluded(net, card, show):
    show.excluded, show.exclusion_reason = True, "Private event"
    show.save()


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(_used_up, "Already used by this card: recorded at", id="used"),
        pytest.param(_full, "full, 1 / 1 used", id="full"),
        pytest.param(_excluded, "excluded from Kaikukortti: Private event", id="excluded"),
    ],
)
def test_with_nothing_usable_there_is_no_green_box_and_the_reason_is_in_the_status_area(
    net, cashier, show, card, make, reason
):
    make(net, card, show)

    page = check(cashier, card.card_id)

    status = part(page, "status")
    assert f"Card {card.card_id} cannot be used for any of today's offerings" in status
    assert f"Evening concert {time_format(show.start_time, 'TIME_FORMAT')}: {reason}" in status
    assert "can be used" not in status
    assert 'id="desk-card-state"' not in page.content.decode()
    assert 'id="desk-record-form"' not in page.content.decode()
    assert not part(page, "alert")
    assert focused_id(page) == "desk-card"


def test_plain_admission_already_recorded_today_leaves_nothing_to_record(net, cashier, card):
    record(cashier, net, card)

    page = check(cashier, card.card_id)

    status = part(page, "status")
    assert f"Card {card.card_id} has already been used for admission here today" in status
    assert 'id="desk-record-form"' not in page.content.decode()
    assert focused_id(page) == "desk-card"


def test_a_course_place_taken_on_an_earlier_day_rules_the_course_out(net, cashier, card):
    course = OfferingFactory(
        site=net.venue_a,
        kind=Offering.Kind.COURSE,
        title="Watercolours",
        start_time=None,
        date=TODAY(),
        end_date=TODAY() + datetime.timedelta(days=60),
    )
    _use_of(card, course)
    next_week = TODAY() + datetime.timedelta(days=7)

    page = check(cashier, card.card_id, day=next_week.isoformat())

    status = part(page, "status")
    assert "cannot be used for any offering on" in status
    assert "Watercolours: Card already has a place on it: recorded" in status


def test_the_card_endpoint_answers_what_the_card_can_be_used_for(net, cashier, card):
    used = OfferingFactory(site=net.venue_a, title="Used", start_time=datetime.time(10))
    full = OfferingFactory(site=net.venue_a, title="Full", cap=1, start_time=datetime.time(11))
    usable = OfferingFactory(site=net.venue_a, title="Usable", start_time=datetime.time(23, 59))
    excluded = OfferingFactory(site=net.venue_a, excluded=True, exclusion_reason="Private")
    earlier = _use_of(card, used)
    _use_of(CardFactory(issued_by=net.dist_a), full)

    answer = cashier.post(CARD, {"card": card.card_id, "site": net.venue_a.pk}).json()

    states = {row["id"]: (row["state"], row["recorded_at"]) for row in answer["offerings"]}
    assert states == {
        used.pk: ("used", earlier.recorded_at.isoformat()),
        full.pk: ("full", None),
        usable.pk: ("usable", None),
        excluded.pk: ("excluded", None),
    }
    assert answer["can_record"] is True
    assert f'value="{usable.pk}"' in answer["html"]["record"]
    assert answer["focus"] == "desk-record-button"

    usable.excluded, usable.exclusion_reason = True, "Closed"
    usable.save()
    blocked = cashier.post(CARD, {"card": card.card_id, "site": net.venue_a.pk}).json()
    assert blocked["can_record"] is False
    assert blocked["focus"] == "desk-card"
    assert "cannot be used for any of today's offerings" in blocked["html"]["status"]


def test_the_card_check_costs_the_same_queries_for_one_offering_or_many(
    net, cashier, card, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_of_a_check() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = cashier.post(CARD, {"card": card.card_id, "site": net.venue_a.pk})
        assert response.status_code == 200
        return len(captured)

    show = OfferingFactory(site=net.venue_a, start_time=datetime.time(23, 59))
    _use_of(card, show)
    one = queries_of_a_check()
    for hour in range(8):
        offering = OfferingFactory(site=net.venue_a, cap=2, start_time=datetime.time(hour))
        _use_of(CardFactory(issued_by=net.dist_a), offering)
    assert queries_of_a_check() == one


# --- The card ID stays out of URLs ------------------------------------------------------


def test_the_plain_card_check_keeps_the_card_id_out_of_the_url(net, cashier, show, card):
    response = cashier.post(CHECK, {"card": card.card_id, "site": net.venue_a.pk})

    assert response.status_code == 302
    assert card.card_id not in response["Location"]
    assert "check=" in response["Location"]
    page = cashier.get(response["Location"])  # a reload shows the same card
    assert f"Card {card.card_id} can be used" in part(page, "status")
    assert card.card_id not in cashier.get(response["Location"]).request["QUERY_STRING"]


def test_a_card_id_in_the_url_is_not_read(net, cashier, show, card):
    page = cashier.get(DESK, {"card": card.card_id})
    assert not part(page, "status")
    assert 'id="desk-record-form"' not in page.content.decode()
    assert cashier.get(CARD, {"card": card.card_id}).status_code == 405


def test_a_check_key_of_another_session_shows_no_card(net, cashier, show, card):
    response = cashier.post(CHECK, {"card": card.card_id, "site": net.venue_a.pk})
    other = client_of(net.cashier)  # the same person on another device
    assert not part(other.get(response["Location"]), "status")


def test_the_card_checks_need_the_csrf_token(net, show, card):
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(net.cashier)
    assert client.post(CHECK, {"card": card.card_id}).status_code == 403
    assert client.post(CARD, {"card": card.card_id}).status_code == 403


def test_the_date_and_site_form_carries_the_checked_card_along(net, cashier, show, card):
    next_week = TODAY() + datetime.timedelta(days=7)
    OfferingFactory(site=net.venue_a, title="Premiere", date=next_week)

    page = check(cashier, card.card_id, day=next_week.isoformat(), site=net.venue_a.pk)

    assert f"Card {card.card_id} can be used on" in part(page, "status")
    assert "Premiere" in part(page, "record")
