"""Each person's onboarding page and yearly confirmation: the material in their
language for their area, the corrections with each item, a confirmation that
records the versions, and a new request when an item changes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.venues.onboarding_helpers import onboarding_item, pdf
from usage.models import one_year_from
from venues.models import OnboardingConfirmation
from venues.onboarding import services
from venues.onboarding.files import check_upload
from venues.onboarding.staff import person_status, required_versions

pytestmark = pytest.mark.django_db

PAGE = reverse("venues:onboarding")
CONFIRM = reverse("venues:onboarding_confirm")


def material(title: str) -> services.MaterialInput:
    return services.MaterialInput(title=title, upload=check_upload(pdf(title), "a.pdf"))


def shown_versions(client) -> str:
    return client.get(PAGE).context["versions"]


def confirm(client):
    return client.post(CONFIRM, {"versions": shown_versions(client)})


def test_staff_see_the_national_material_and_their_own_areas_in_their_language(net, client_for):
    services.publish_item(
        area=None,
        kind="handbook",
        updated_on=datetime.date(2026, 3, 1),
        materials={"fi": material("Käsikirja"), "sv": material("Handbok")},
        by=net.national_admin,
    )
    onboarding_item(area=net.area_a, title="Alueen A esite")
    onboarding_item(area=net.area_b, title="Alueen B esite")
    client = client_for("cashier")

    swedish = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Handbok" in swedish and "Käsikirja" not in swedish
    assert "Alueen A esite" in swedish and "Alueen B esite" not in swedish
    # The brochure exists only in Finnish: shown in Finnish, marked as such.
    assert 'lang="fi" hreflang="fi">Alueen A esite' in swedish
    finnish = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="fi").content.decode()
    assert "Käsikirja" in finnish and "Handbok" not in finnish
    assert "1.3.2026" in finnish  # updated on


def test_corrections_are_shown_with_their_item(net, client_for):
    item = onboarding_item(title="Käsikirja")
    services.publish_correction(
        item=item,
        texts={"fi": "Myös lapsenlapset alle 18.", "en": "Grandchildren under 18 too."},
        by=net.national_admin,
    )
    page = client_for("venue_contact").get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    card = page.split(f'id="item-{item.pk}"')[1].split("</li>")[0]
    assert "Grandchildren under 18 too." in card


@pytest.mark.parametrize("persona", ["distributor", "outsider"])
def test_people_without_a_venue_or_area_role_get_no_onboarding_page(net, client_for, persona):
    assert client_for(persona).get(PAGE).status_code == 404


def test_coordinators_read_the_material_but_do_not_confirm(net, client_for):
    onboarding_item(area=net.area_a, title="Esite")
    client = client_for("coordinator")
    page = client.get(PAGE)
    assert page.status_code == 200 and "Esite" in page.content.decode()
    assert not page.context["status"].must_confirm
    assert client.post(CONFIRM, {"versions": ""}).status_code == 404
    assert not OnboardingConfirmation.objects.exists()


def test_confirming_records_the_person_the_date_and_the_versions(net, client_for):
    national = onboarding_item()
    local = onboarding_item(area=net.area_a)
    onboarding_item(area=net.area_b)  # not the cashier's area: not in the confirmation
    client = client_for("cashier")

    response = client.post(CONFIRM, {"versions": shown_versions(client)}, HTTP_ACCEPT_LANGUAGE="sv")

    assert response.status_code == 302 and response["Location"] == PAGE
    confirmation = OnboardingConfirmation.objects.get()
    assert confirmation.user == net.cashier
    assert confirmation.confirmed_on == timezone.localdate()
    assert confirmation.versions == {str(national.pk): 1, str(local.pk): 1}
    assert confirmation.language == "sv"
    status = person_status(net.cashier)
    assert not status.overdue and not status.changed
    assert status.due_on == one_year_from(timezone.localdate())


def test_a_new_cashier_is_asked_to_go_through_the_material(net, client_for):
    onboarding_item()
    page = client_for("cashier").get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["status"].never and page.context["status"].overdue
    assert "You have not yet confirmed" in page.content.decode()


def test_when_an_item_changes_the_person_is_asked_again_and_shown_the_change(net, client_for):
    item = onboarding_item(title="Käsikirja")
    untouched = onboarding_item(kind="slides", title="Diat")
    client = client_for("cashier")
    confirm(client)

    services.change_item(
        item=item,
        updated_on=timezone.localdate(),
        materials={"fi": material("Käsikirja")},
        what_changed={"en": "The chapter on children's tickets is new."},
        by=net.national_admin,
    )
    services.publish_correction(item=item, texts={"en": "Page 4: grandchildren too."}, by=None)
    new = onboarding_item(kind="checklist", title="Tarkistuslista")

    status = person_status(net.cashier)
    assert status.changed and not status.overdue
    assert status.changed_item_ids == {item.pk, new.pk}
    page = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    changed = {view.item.pk for view in page.context["material"].changed_items}
    assert changed == {item.pk, new.pk} and untouched.pk not in changed
    html = page.content.decode()
    card = html.split(f'id="item-{item.pk}"')[1].split("</li>")[0]
    assert "Changed" in card and "The chapter on children&#x27;s tickets is new." in card
    assert "Page 4: grandchildren too." in card
    new_card = html.split(f'id="item-{new.pk}"')[1].split("</li>")[0]
    assert "New" in new_card

    confirm(client)
    assert not person_status(net.cashier).changed
    latest = OnboardingConfirmation.objects.filter(user=net.cashier).latest("confirmed_at")
    assert latest.version_of(item.pk) == 3


def test_a_change_while_the_person_reads_is_not_confirmed_unseen(net, client_for):
    item = onboarding_item()
    client = client_for("cashier")
    versions = shown_versions(client)
    services.publish_correction(item=item, texts={"fi": "Korjaus."}, by=None)

    response = client.post(CONFIRM, {"versions": versions}, follow=True, HTTP_ACCEPT_LANGUAGE="en")

    assert not OnboardingConfirmation.objects.exists()
    assert "The material changed while you were reading it." in response.content.decode()
    assert person_status(net.cashier).never


def test_the_confirmation_stands_for_a_year(net):
    onboarding_item()
    confirmed_on = datetime.date(2026, 2, 10)
    OnboardingConfirmation.objects.create(
        user=net.cashier,
        confirmed_on=confirmed_on,
        language="fi",
        versions=required_versions(net.cashier),
    )
    assert not person_status(net.cashier, today=datetime.date(2027, 2, 9)).overdue
    assert person_status(net.cashier, today=datetime.date(2027, 2, 9)).due_soon
    assert person_status(net.cashier, today=datetime.date(2027, 2, 10)).overdue


def test_the_menu_links_the_onboarding_page_for_those_who_read_it(net, client_for):
    for persona, linked in [("cashier", True), ("coordinator", True), ("distributor", False)]:
        home = reverse("usage:cards", args=[net.dist_a.pk]) if persona == "distributor" else PAGE
        page = client_for(persona).get(home).content.decode()
        assert (f'href="{PAGE}"' in page) is linked, persona


def test_kaikukeskus_reads_the_national_material_and_each_area_on_the_list(net, client_for):
    onboarding_item(title="Käsikirja")
    onboarding_item(area=net.area_b, title="Alueen B esite")
    client = client_for("national_admin")
    page = client.get(PAGE)
    assert page.context["material"].areas == [] and "Käsikirja" in page.content.decode()
    listing = client.get(reverse("venues:onboarding_material")).content.decode()
    assert "Alueen B esite" in listing
