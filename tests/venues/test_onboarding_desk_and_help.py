"""The desk's one line about a cashier's onboarding (never in the way of
recording) and "who to call" behind its help link and on the onboarding page."""

import datetime
import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CardFactory, SiteFactory
from tests.venues.onboarding_helpers import onboarding_item
from usage.models import Redemption
from venues.models import OnboardingConfirmation, Organisation
from venues.onboarding import services
from venues.onboarding.staff import required_versions

pytestmark = pytest.mark.django_db

DESK = reverse("usage:desk")


def desk_line(client) -> str:
    page = client.get(DESK, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return page.split('class="desk-onboarding')[1].split("</p>")[0]


def confirmed(user, days_ago: int) -> None:
    OnboardingConfirmation.objects.create(
        user=user,
        confirmed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        language="fi",
        versions=required_versions(user),
    )


def test_an_overdue_cashier_sees_a_one_line_reminder_and_still_records(net, client_for):
    onboarding_item()
    confirmed(net.cashier, 400)
    client = client_for("cashier")

    line = desk_line(client)
    assert "Your yearly Kaikukortti onboarding was due on" in line
    assert f'href="{reverse("venues:onboarding")}"' in line

    card = CardFactory(issued_by=net.dist_a)
    response = client.post(
        reverse("usage:desk_record"),
        {
            "site": net.venue_a.pk,
            "day": timezone.localdate().isoformat(),
            "card": card.card_id,
            "children": 0,
            "key": f"desk:{net.cashier.pk}:{uuid.uuid4().hex}",
        },
    )
    assert response.status_code == 302
    assert Redemption.objects.filter(card=card, recorded_by=net.cashier).exists()


def test_a_cashier_who_never_confirmed_is_reminded_too(net, client_for):
    assert "You have not yet confirmed the Kaikukortti onboarding." in desk_line(
        client_for("cashier")
    )


def test_a_cashier_whose_material_changed_is_told_so(net, client_for):
    item = onboarding_item()
    confirmed(net.cashier, 10)
    services.publish_correction(item=item, texts={"fi": "Korjaus."}, by=net.national_admin)
    line = desk_line(client_for("cashier"))
    assert "The onboarding material has changed." in line and "See what changed" in line


def test_a_cashier_whose_onboarding_stands_sees_only_the_help_link(net, client_for):
    onboarding_item()
    confirmed(net.cashier, 10)
    line = desk_line(client_for("cashier"))
    assert "onboarding" not in line.split("<a")[0].lower()
    assert f'href="{reverse("venues:site_help", args=[net.venue_a.pk])}"' in line
    assert "Help and contacts" in line


def test_the_help_page_names_the_areas_people_distributors_website_and_brochure(net, client_for):
    net.coordinator.full_name, net.coordinator.phone = "Kaija Koordinaattori", "040 123"
    net.coordinator.save()
    net.dist_a.contact_name, net.dist_a.contact_phone = "Jaana Jakaja", "040 555"
    net.dist_a.save()
    closed = SiteFactory(
        name="Closed distributor",
        organisation__kind=Organisation.Kind.DISTRIBUTOR,
        organisation__area=net.area_a,
        municipality=net.muni_a,
        is_active=False,
    )
    brochure = onboarding_item(area=net.area_a, title="Alueen A esite")
    onboarding_item(area=net.area_b, title="Alueen B esite")

    page = client_for("cashier").get(reverse("venues:site_help", args=[net.venue_a.pk]))

    html = page.content.decode()
    for expected in (
        net.venue_a.contact_email,
        "Kaija Koordinaattori",
        net.coordinator.email,
        "040 123",
        "Distributor A",
        "Town A",
        "Jaana Jakaja",
        net.dist_a.contact_email,
        "040 555",
        "Alueen A esite",
        reverse("venues:onboarding_file", args=[brochure.materials.get().file_id]),
        "tuki@kaikukeskus.fi",
    ):
        assert expected in html, expected
    for absent in ("Distributor B", "Alueen B esite", net.other_coordinator.email, closed.name):
        assert absent not in html, absent


def test_the_areas_website_falls_back_on_the_one_in_the_area_record(net, client_for):
    net.area_a.website = "https://area-a.example.fi/kaikukortti"
    net.area_a.save()
    page = client_for("cashier").get(reverse("venues:onboarding")).content.decode()
    assert 'href="https://area-a.example.fi/kaikukortti"' in page

    onboarding_item(area=net.area_a, kind="area_website", title="Kaikukortti A")
    page = client_for("cashier").get(reverse("venues:onboarding")).content.decode()
    assert "Kaikukortti A" in page


def test_the_help_page_is_only_for_venue_sites_in_scope(net, client_for):
    help_for = lambda site: reverse("venues:site_help", args=[site.pk])  # noqa: E731
    assert client_for("cashier").get(help_for(net.venue_b)).status_code == 404
    assert client_for("distributor").get(help_for(net.dist_a)).status_code == 404
