"""A venue's offerings and caps, and the public page of what it offers and
excludes."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from kaikukanta.models import AuditEntry
from tests.factories import CardFactory, OfferingFactory
from usage.models import Redemption
from usage.queries import offerings_with_use
from usage.services import RedemptionRefused, record_redemption, tickets_used
from venues.models import Offering

pytestmark = pytest.mark.usefixtures("english")


TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


def create_url(net, kind, site=None):
    return reverse("venues:offering_create", args=[(site or net.venue_a).pk, kind])


def edit_url(offering):
    return reverse("venues:offering_edit", args=[offering.site_id, offering.pk])


def list_url(net, site=None):
    return reverse("venues:offerings", args=[(site or net.venue_a).pk])


def use(net, offering, children=0, day=None, after_the_fact=False):
    card = CardFactory(issued_by=net.dist_a, children=children)
    return record_redemption(
        card_id=card.card_id,
        site=offering.site,
        offering=offering,
        channel=Redemption.Channel.DESK,
        children=children,
        used_on=day,
        after_the_fact=after_the_fact,
    ).redemption


def warnings(response):
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


NEXT_WEEK = (TODAY() + 7 * DAY).isoformat()


# --- Creating, per kind ------------------------------------------------------------


def test_a_show_has_a_date_and_a_time(net, contact):
    response = contact.post(
        create_url(net, "show"),
        {"title": "Concert", "sector": "culture", "date": NEXT_WEEK, "start_time": "19:00"},
    )
    assert response.status_code == 302
    show = Offering.objects.get()
    assert (show.kind, show.site, show.start_time) == ("show", net.venue_a, datetime.time(19))
    assert show.end_date is None and show.cap is None
    entry = AuditEntry.objects.get(action="offering.created")
    assert entry.actor == net.venue_contact and entry.data["cap_after"] is None


def test_a_show_needs_its_time_and_has_no_last_day(net, contact):
    response = contact.post(
        create_url(net, "show"),
        {"title": "Concert", "sector": "culture", "date": NEXT_WEEK, "end_date": "2099-01-01"},
    )
    assert "start_time" in response.context["form"].errors
    assert "end_date" not in response.context["form"].fields
    assert not Offering.objects.exists()


def test_a_course_has_a_first_and_last_day_and_places(net, contact):
    contact.post(
        create_url(net, "course"),
        {
            "title": "Pottery",
            "sector": "education",
            "date": NEXT_WEEK,
            "end_date": (TODAY() + 60 * DAY).isoformat(),
            "places": 12,
            "cap": 2,
        },
    )
    course = Offering.objects.get()
    assert (course.kind, course.places, course.cap, course.start_time) == ("course", 12, 2, None)
    assert course.end_date == TODAY() + 60 * DAY


@pytest.mark.parametrize("end_date", ["", (TODAY() + 6 * DAY).isoformat()])
def test_a_courses_last_day_is_required_and_not_before_the_first(net, contact, end_date):
    response = contact.post(
        create_url(net, "course"),
        {"title": "Pottery", "sector": "education", "date": NEXT_WEEK, "end_date": end_date},
    )
    assert response.context["form"].errors["end_date"]
    assert not Offering.objects.exists()


@pytest.mark.parametrize("end_date", ["", (TODAY() + 14 * DAY).isoformat()])
def test_admission_is_one_day_or_a_range_of_days(net, contact, end_date):
    contact.post(
        create_url(net, "admission"),
        {"title": "Museum", "sector": "culture", "date": NEXT_WEEK, "end_date": end_date, "cap": 5},
    )
    admission = Offering.objects.get()
    assert admission.kind == "admission" and admission.cap_is_per_day
    assert admission.end_date == (datetime.date.fromisoformat(end_date) if end_date else None)


def test_admission_cannot_end_before_it_starts(net, contact):
    response = contact.post(
        create_url(net, "admission"),
        {"title": "Museum", "sector": "culture", "date": NEXT_WEEK, "end_date": TODAY()},
    )
    assert response.context["form"].errors["end_date"]


@pytest.mark.parametrize("sector", ["culture", "education", "science", "sports"])
def test_every_sector_can_be_chosen(net, contact, sector):
    contact.post(
        create_url(net, "admission"), {"title": "Entry", "sector": sector, "date": NEXT_WEEK}
    )
    assert Offering.objects.get().sector == sector


def test_an_unknown_sector_or_kind_is_refused(net, contact):
    response = contact.post(
        create_url(net, "admission"), {"title": "Entry", "sector": "arts", "date": NEXT_WEEK}
    )
    assert response.context["form"].errors["sector"]
    assert contact.get(create_url(net, "party")).status_code == 404


def test_a_cap_of_zero_is_refused_in_favour_of_an_exclusion(net, contact):
    response = contact.post(
        create_url(net, "show"),
        {
            "title": "Concert",
            "sector": "culture",
            "date": NEXT_WEEK,
            "start_time": "19:00",
            "cap": 0,
        },
    )
    assert "exclude" in " ".join(response.context["form"].errors["cap"])


def test_the_kind_of_an_offering_does_not_change_when_it_is_edited(net, contact):
    course = OfferingFactory(
        site=net.venue_a, kind="course", start_time=None, end_date=TODAY() + 30 * DAY
    )
    form = contact.get(edit_url(course)).context["form"]
    assert "end_date" in form.fields and "start_time" not in form.fields


@pytest.mark.parametrize("persona", ["coordinator", "national_admin"])
def test_the_coordinator_and_the_national_admin_manage_offerings_too(net, client_for, persona):
    client_for(persona).post(
        create_url(net, "show"),
        {"title": "Concert", "sector": "culture", "date": NEXT_WEEK, "start_time": "19:00"},
    )
    assert Offering.objects.get().site == net.venue_a


@pytest.mark.parametrize("persona", ["cashier", "other_venue_contact", "other_coordinator"])
def test_others_cannot_create_or_edit_the_sites_offerings(net, client_for, persona):
    show = OfferingFactory(site=net.venue_a, title="Original")
    client = client_for(persona)
    data = {"title": "Taken", "sector": "culture", "date": NEXT_WEEK, "start_time": "19:00"}
    assert client.post(create_url(net, "show"), data).status_code == 404
    assert client.post(edit_url(show), data).status_code == 404
    show.refresh_from_db()
    assert show.title == "Original" and Offering.objects.count() == 1


def test_another_sites_offering_is_not_found_under_ones_own_site(net, contact):
    other = OfferingFactory(site=net.venue_b)
    url = reverse("venues:offering_edit", args=[net.venue_a.pk, other.pk])
    assert contact.get(url).status_code == 404


# --- Caps ---------------------------------------------------------------------------


def show_data(offering, **changes):
    data = {
        "title": offering.title,
        "sector": offering.sector,
        "date": offering.date.isoformat(),
        "start_time": offering.start_time.strftime("%H:%M"),
        "cap": offering.cap or "",
    }
    return data | changes


def test_lowering_a_cap_below_what_is_used_is_allowed_with_a_warning(net, contact):
    show = OfferingFactory(site=net.venue_a, cap=10)
    use(net, show, children=2)  # 3 tickets
    use(net, show)  # 1 ticket

    response = contact.post(edit_url(show), show_data(show, cap=2))

    show.refresh_from_db()
    assert show.cap == 2
    assert any("lower than the 4" in text for text in warnings(response))
    entry = AuditEntry.objects.get(action="offering.changed")
    assert (entry.data["cap_before"], entry.data["cap_after"]) == (10, 2)
    # Shown as over the cap; nothing more can be recorded.
    listed = contact.get(list_url(net)).context["page"][0]
    assert (listed.used, listed.remaining, listed.over_cap) == (4, 0, True)
    assert "over the cap" in contact.get(list_url(net)).content.decode()
    with pytest.raises(RedemptionRefused):
        use(net, show)


def test_a_cap_above_what_is_used_gives_no_warning(net, contact):
    show = OfferingFactory(site=net.venue_a, cap=10)
    use(net, show)
    response = contact.post(edit_url(show), show_data(show, cap=1))
    assert warnings(response) == []


def test_the_list_shows_used_cap_and_remaining_places(net, contact):
    capped = OfferingFactory(site=net.venue_a, cap=5, title="Capped")
    uncapped = OfferingFactory(site=net.venue_a, cap=None, title="Open")
    use(net, capped, children=1)
    use(net, uncapped, children=2)
    voided = use(net, capped)
    voided.voided_at, voided.void_reason = timezone.now(), "mistake"
    voided.save()

    response = contact.get(list_url(net))

    rows = {row.title: row for row in response.context["page"]}
    assert (rows["Capped"].used, rows["Capped"].cap, rows["Capped"].remaining) == (2, 5, 3)
    assert (rows["Open"].used, rows["Open"].cap, rows["Open"].remaining) == (3, None, None)
    assert not rows["Capped"].over_cap and not rows["Open"].over_cap
    page = response.content.decode()
    assert "2 / 5" in page and "3 / no cap" in page


def test_the_lists_figures_agree_with_the_caps_own_count(net):
    show = OfferingFactory(site=net.venue_a, cap=10)
    admission = OfferingFactory(
        site=net.venue_a, kind="admission", start_time=None, end_date=TODAY() + 5 * DAY, cap=3
    )
    use(net, show, children=2)
    use(net, admission, children=1)
    use(net, admission, day=TODAY() + DAY)
    figures = {o.pk: o for o in offerings_with_use(Offering.objects.all(), TODAY())}
    assert figures[show.pk].used == tickets_used(show, TODAY()) == 3
    assert figures[admission.pk].used == tickets_used(admission, TODAY()) == 2


def test_an_admissions_cap_is_per_day(net, contact):
    admission = OfferingFactory(
        site=net.venue_a, kind="admission", start_time=None, end_date=TODAY() + 5 * DAY, cap=2
    )
    use(net, admission, children=1)  # 2 today: full
    use(net, admission, day=TODAY() + DAY)  # 1 tomorrow

    row = contact.get(list_url(net)).context["page"][0]

    assert (row.figure_day, row.used, row.remaining, row.over_cap) == (TODAY(), 2, 0, False)


def test_an_admission_day_over_the_cap_flags_the_offering(net, contact):
    admission = OfferingFactory(
        site=net.venue_a, kind="admission", start_time=None, end_date=TODAY() + 5 * DAY, cap=5
    )
    for _ in range(2):
        use(net, admission, children=1, day=TODAY() + DAY)  # 4 tickets tomorrow, none today

    response = contact.post(
        edit_url(admission),
        {
            "title": admission.title,
            "sector": admission.sector,
            "date": admission.date.isoformat(),
            "end_date": admission.end_date.isoformat(),
            "cap": 2,
        },
    )

    assert any("lower than the 4" in text for text in warnings(response))
    row = contact.get(list_url(net)).context["page"][0]
    assert (row.used, row.remaining, row.peak, row.over_cap) == (0, 2, 4, True)


def test_past_offerings_are_listed_on_request(net, contact):
    past = OfferingFactory(site=net.venue_a, date=TODAY() - 3 * DAY, title="Last week")
    upcoming = OfferingFactory(site=net.venue_a, date=TODAY() + DAY, title="Tomorrow")
    running = OfferingFactory(
        site=net.venue_a,
        kind="course",
        start_time=None,
        date=TODAY() - 10 * DAY,
        end_date=TODAY() + 10 * DAY,
    )
    assert list(contact.get(list_url(net)).context["page"]) == [running, upcoming]
    assert list(contact.get(list_url(net), {"past": "1"}).context["page"]) == [past]


def test_the_list_shows_only_the_sites_offerings(net, contact):
    OfferingFactory(site=net.venue_a2)
    assert list(contact.get(list_url(net)).context["page"]) == []


# --- Exclusions and the public page -----------------------------------------------------


def test_an_exclusion_needs_a_reason(net, contact):
    response = contact.post(
        create_url(net, "show"),
        {
            "title": "Gala",
            "sector": "culture",
            "date": NEXT_WEEK,
            "start_time": "19:00",
            "excluded": "on",
            "exclusion_reason": "  ",
        },
    )
    assert response.context["form"].errors["exclusion_reason"]
    assert not Offering.objects.exists()


def test_an_excluded_offering_is_shown_with_its_reason_to_staff_and_the_public(net, client_for):
    contact = client_for("venue_contact")
    contact.post(
        create_url(net, "show"),
        {
            "title": "Charity gala",
            "sector": "culture",
            "date": NEXT_WEEK,
            "start_time": "19:00",
            "excluded": "on",
            "exclusion_reason": "A fundraiser: every ticket is a donation.",
        },
    )
    gala = Offering.objects.get()
    assert gala.excluded
    assert AuditEntry.objects.get(action="offering.created").data["excluded"] is True

    staff_page = contact.get(list_url(net)).content.decode()
    public = client_for("anonymous").get(reverse("venues:public_site", args=[net.venue_a.pk]))

    assert "every ticket is a donation" in staff_page
    assert public.status_code == 200
    assert "Charity gala" in public.content.decode()
    assert "every ticket is a donation" in public.content.decode()
    with pytest.raises(RedemptionRefused) as refused:
        use(net, gala, day=gala.date, after_the_fact=True)
    assert refused.value.code == "offering_excluded"


def test_lifting_an_exclusion_drops_its_reason(net, contact):
    show = OfferingFactory(site=net.venue_a, excluded=True, exclusion_reason="Private event")
    contact.post(edit_url(show), show_data(show))
    show.refresh_from_db()
    assert (show.excluded, show.exclusion_reason) == (False, "")


def test_the_public_page_shows_upcoming_offerings_and_nothing_else(net, client_for):
    show = OfferingFactory(site=net.venue_a, title="Family concert", cap=7)
    OfferingFactory(site=net.venue_a, title="Old show", date=TODAY() - DAY)
    OfferingFactory(site=net.venue_a2, title="Elsewhere")
    use(net, show)

    response = client_for("anonymous").get(reverse("venues:public_site", args=[net.venue_a.pk]))

    page = response.content.decode()
    assert list(response.context["page"]) == [show]
    assert "Family concert" in page
    assert "Old show" not in page and "Elsewhere" not in page
    # No caps, no figures, no people.
    assert "1 / 7" not in page and "Remaining" not in page and "over the cap" not in page
    assert net.venue_a.contact_email not in page
    assert response.context["user"].is_anonymous


def test_only_active_venue_sites_have_a_public_page(net, client):
    assert client.get(reverse("venues:public_site", args=[net.dist_a.pk])).status_code == 404
    net.venue_a.is_active = False
    net.venue_a.save()
    assert client.get(reverse("venues:public_site", args=[net.venue_a.pk])).status_code == 404
