"""The site and area pages link to the pages each role may use, and no others."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("english")


def links(client, url):
    return client.get(url).content.decode()


@pytest.mark.parametrize("persona", ["venue_contact", "coordinator", "national_admin"])
def test_the_venues_managers_see_offerings_uses_and_audit(net, client_for, persona):
    page = links(client_for(persona), reverse("venues:site", args=[net.venue_a.pk]))
    for name in ("venues:offerings", "usage:uses", "venues:site_audit", "venues:public_site"):
        assert f'href="{reverse(name, args=[net.venue_a.pk])}"' in page, name


def test_a_cashier_sees_only_the_public_page(net, client_for):
    page = links(client_for("cashier"), reverse("venues:site", args=[net.venue_a.pk]))
    assert reverse("venues:public_site", args=[net.venue_a.pk]) in page
    for name in ("venues:offerings", "usage:uses", "venues:site_audit"):
        assert reverse(name, args=[net.venue_a.pk]) not in page, name


def test_a_distributor_sees_cards_registration_and_audit(net, client_for):
    page = links(client_for("distributor"), reverse("venues:site", args=[net.dist_a.pk]))
    for name in ("usage:cards", "usage:card_register", "venues:site_audit"):
        assert reverse(name, args=[net.dist_a.pk]) in page, name
    assert reverse("venues:public_site", args=[net.dist_a.pk]) not in page


def test_a_coordinator_does_not_see_the_distributors_cards(net, client_for):
    page = links(client_for("coordinator"), reverse("venues:site", args=[net.dist_a.pk]))
    assert reverse("usage:cards", args=[net.dist_a.pk]) not in page


def test_the_area_page_links_to_the_areas_audit_trail(net, client_for):
    page = links(client_for("coordinator"), reverse("venues:area", args=[net.area_a.pk]))
    assert reverse("venues:area_audit", args=[net.area_a.pk]) in page


@pytest.mark.parametrize(
    ("persona", "site", "linked"),
    [
        ("coordinator", "venue_a", True),
        ("national_admin", "venue_a", True),
        ("venue_contact", "venue_a", False),
        ("cashier", "venue_a", False),
        ("distributor", "dist_a", False),
    ],
)
def test_the_site_page_links_the_area_only_for_those_who_may_open_it(
    net, client_for, persona, site, linked
):
    client = client_for(persona)
    page = links(client, reverse("venues:site", args=[getattr(net, site).pk]))
    area_url = reverse("venues:area", args=[net.area_a.pk])
    assert "Area A" in page
    assert (f'href="{area_url}"' in page) is linked
    assert (client.get(area_url).status_code == 200) is linked
