"""Onboarding in a real browser: Kaikukeskus publishes an item with a file, a
cashier reads it and confirms, and the coordinator sees the venue's checklist
change. Each page on the way passes axe at WCAG 2.1 AA with no console or
Content-Security-Policy error."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from tests.e2e.axe import axe_violations, describe
from tests.e2e.session import log_in
from tests.e2e.watch import Visit
from tests.venues.onboarding_helpers import pdf
from venues.models import OnboardingConfirmation, OnboardingItem
from venues.onboarding import services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_as(new_context, live_server):
    """open_as(user) → a page logged in as `user`, in English, watched for errors."""

    def make(user) -> tuple[Page, Visit]:
        page = new_context(locale="en-US").new_page()
        visit = Visit(page, live_server.url)
        log_in(page, live_server.url, user)
        return page, visit

    return make


def assert_accessible(page: Page, visit: Visit) -> None:
    problems = visit.problems()  # before axe, which sets inline styles as it measures
    violations = axe_violations(page)
    assert violations == [], f"{page.url}\n{describe(violations)}"
    assert problems == [], page.url


def venue_a_checklist(page: Page, live_server, net) -> str:
    page.goto(live_server.url + reverse("venues:area", args=[net.area_a.pk]))
    return page.get_by_role("row").filter(has_text="Venue A org").inner_text()


def test_publish_confirm_and_the_checklist_follows(open_as, live_server, net):
    # The contact person went through the material before; the cashier never has.
    services.confirm(user=net.venue_contact, shown={}, language="en")
    coordinator, coordinator_visit = open_as(net.coordinator)
    before = venue_a_checklist(coordinator, live_server, net)
    assert "1 person has not gone through the onboarding material" in before
    overdue = coordinator.locator("section", has=coordinator.locator("#onboarding-overdue-heading"))
    expect(overdue.get_by_role("link", name="Venue A", exact=True)).to_have_count(1)
    assert_accessible(coordinator, coordinator_visit)

    # Kaikukeskus publishes the handbook.
    admin, admin_visit = open_as(net.national_admin)
    admin.goto(live_server.url + reverse("venues:onboarding_material"))
    admin.get_by_role("link", name="Publish national material").click()
    admin.get_by_label("Kind").select_option(label="Handbook for venues")
    finnish = admin.get_by_role("group", name="In Finnish")
    finnish.get_by_label("Title").fill("Käsikirja kohteille")
    finnish.get_by_label("File").set_input_files(
        {"name": "kasikirja.pdf", "mimeType": "application/pdf", "buffer": pdf("Käsikirja")}
    )
    english = admin.get_by_role("group", name="In English")
    english.get_by_label("Title").fill("Handbook for venues")
    english.get_by_label("Or a link").fill("https://example.fi/handbook")
    assert_accessible(admin, admin_visit)
    admin.get_by_role("button", name="Publish").click()
    expect(admin.get_by_role("status")).to_contain_text("The item is published")
    item = OnboardingItem.objects.get()
    assert item.materials.count() == 2
    assert_accessible(admin, admin_visit)

    # The cashier reads it in English (a link) and in Finnish (the file), then confirms.
    cashier, cashier_visit = open_as(net.cashier)
    cashier.goto(live_server.url + reverse("usage:desk"))
    expect(cashier.locator(".desk-onboarding")).to_contain_text(
        "You have not yet confirmed the Kaikukortti onboarding."
    )
    cashier.locator(".desk-onboarding").get_by_role("link", name="Go through the material").click()
    expect(cashier.get_by_role("link", name="Handbook for venues")).to_have_attribute(
        "href", "https://example.fi/handbook"
    )
    assert_accessible(cashier, cashier_visit)
    cashier.get_by_role("button", name="I have gone through the material").click()
    expect(cashier.get_by_role("status")).to_contain_text("your onboarding is recorded")
    expect(cashier.locator(".onboarding-status")).to_contain_text("You went through the material")
    confirmation = OnboardingConfirmation.objects.get(user=net.cashier)
    assert confirmation.versions == {str(item.pk): 1}
    assert_accessible(cashier, cashier_visit)

    # The coordinator sees the venue's staff all instructed.
    after = venue_a_checklist(coordinator, live_server, net)
    assert "All 2 of the site's cashiers and contact persons had gone through" in after
    expect(overdue).to_contain_text(
        "The staff of every venue have gone through the onboarding material within the year."
    )
    expect(overdue.get_by_role("link", name="Venue A", exact=True)).to_have_count(0)


def test_a_correction_asks_again_and_is_shown_with_the_item(open_as, live_server, net):
    item = OnboardingItem.objects.create(kind="handbook", updated_on="2026-03-01")
    item.materials.create(language="en", title="Handbook", url="https://example.fi/h")
    services.confirm(user=net.cashier, shown={str(item.pk): 1}, language="en")

    admin, admin_visit = open_as(net.national_admin)
    admin.goto(live_server.url + reverse("venues:onboarding_item_edit", args=[item.pk]))
    admin.get_by_role("link", name="Publish a correction").click()
    admin.get_by_label("The correction in English").fill("Grandchildren under 18 too.")
    assert_accessible(admin, admin_visit)
    admin.get_by_role("button", name="Publish the correction").click()
    expect(admin.get_by_role("status")).to_contain_text("The correction is published")

    cashier, cashier_visit = open_as(net.cashier)
    cashier.goto(live_server.url + reverse("venues:onboarding"))
    card = cashier.locator(f"#item-{item.pk}")
    expect(card).to_contain_text("Changed")
    expect(card.locator(".onboarding-correction")).to_contain_text("Grandchildren under 18 too.")
    expect(cashier.locator(".onboarding-status")).to_contain_text("have changed or are new")
    assert_accessible(cashier, cashier_visit)
