"""Publishing onboarding material: Kaikukeskus the national items, a
coordinator the area's own; nobody else, and 404 outside one's scope."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from kaikukanta.models import AuditEntry
from tests.venues.onboarding_helpers import (
    docx,
    onboarding_form_data,
    onboarding_item,
    pdf,
    pptx,
    upload,
)
from venues.models import OnboardingFile, OnboardingItem, OnboardingNotice

pytestmark = pytest.mark.django_db

CREATE = reverse("venues:onboarding_item_create")


def edit_url(item) -> str:
    return reverse("venues:onboarding_item_edit", args=[item.pk])


def handbook_post(**extra) -> dict:
    return (
        onboarding_form_data(kind="handbook")
        | {
            "title_fi": "Käsikirja kohteille",
            "file_fi": upload("kasikirja.pdf", pdf()),
            "title_sv": "Handbok",
            "url_sv": "https://example.fi/handbok",
        }
        | extra
    )


def test_the_national_admin_publishes_a_national_item_with_a_file_and_a_link(net, client_for):
    response = client_for("national_admin").post(CREATE, handbook_post())

    item = OnboardingItem.objects.get()
    assert response.status_code == 302 and response["Location"] == edit_url(item)
    assert item.area is None and item.kind == "handbook" and item.version == 1
    finnish, swedish = item.materials.order_by("language")
    assert finnish.title == "Käsikirja kohteille" and finnish.file.file_type == "pdf"
    assert bytes(OnboardingFile.objects.get().content) == pdf()
    assert swedish.url == "https://example.fi/handbok" and swedish.file is None
    entry = AuditEntry.objects.get(action="onboarding.published")
    assert entry.actor == net.national_admin and entry.data["languages"] == ["fi", "sv"]


@pytest.mark.parametrize("persona", ["coordinator", "venue_contact", "cashier", "distributor"])
def test_only_kaikukeskus_publishes_national_material(net, client_for, persona):
    client = client_for(persona)
    assert client.get(CREATE).status_code == 404
    assert client.post(CREATE, handbook_post()).status_code == 404
    assert not OnboardingItem.objects.exists()


def test_a_coordinator_adds_the_areas_brochure_and_website(net, client_for):
    client = client_for("coordinator")
    page = client.get(CREATE, {"area": net.area_a.pk})
    assert [value for value, _label in page.context["form"].fields["kind"].choices] == [
        "area_brochure",
        "area_website",
    ]

    response = client.post(
        CREATE,
        onboarding_form_data(kind="area_brochure", area=net.area_a.pk)
        | {"file_fi": upload("esite.pdf", pdf())},
    )

    assert response.status_code == 302
    item = OnboardingItem.objects.get()
    assert item.area == net.area_a and item.kind == "area_brochure"
    assert AuditEntry.objects.get(action="onboarding.published").area == net.area_a


def test_a_coordinator_cannot_publish_national_kinds_for_the_area(net, client_for):
    response = client_for("coordinator").post(
        CREATE, onboarding_form_data(kind="handbook", url="https://example.fi", area=net.area_a.pk)
    )
    assert response.status_code == 200 and "kind" in response.context["form"].errors
    assert not OnboardingItem.objects.exists()


def test_a_coordinator_cannot_publish_for_another_area(net, client_for):
    client = client_for("coordinator")
    data = onboarding_form_data(kind="area_website", url="https://b.example.fi", area=net.area_b.pk)
    assert client.get(CREATE, {"area": net.area_b.pk}).status_code == 404
    assert client.post(CREATE, data).status_code == 404
    assert not OnboardingItem.objects.exists()


def test_a_coordinator_cannot_change_national_items_or_another_areas(net, client_for):
    national = onboarding_item()
    area_b = onboarding_item(area=net.area_b)
    client = client_for("coordinator")
    for item in (national, area_b):
        data = onboarding_form_data(kind=item.kind, title_fi="Muutettu")
        assert client.get(edit_url(item)).status_code == 404
        assert client.post(edit_url(item), data).status_code == 404
        correction = reverse("venues:onboarding_correction_create", args=[item.pk])
        assert client.post(correction, {"text_fi": "Väärin."}).status_code == 404
        withdraw = reverse("venues:onboarding_item_withdraw", args=[item.pk])
        assert client.post(withdraw).status_code == 404
        notice = reverse("venues:onboarding_notice_withdraw", args=[item.notices.get().pk])
        assert client.post(notice).status_code == 404
    for item in (national, area_b):
        item.refresh_from_db()
        assert item.version == 1 and item.withdrawn_on is None
        assert item.materials.get().title != "Muutettu"
        assert item.notices.get().withdrawn_on is None


@pytest.mark.parametrize("persona", ["venue_contact", "cashier"])
def test_venue_staff_cannot_publish_or_change_anything(net, client_for, persona):
    item = onboarding_item(area=net.area_a)
    client = client_for(persona)
    assert client.get(reverse("venues:onboarding_material")).status_code == 404
    assert client.get(CREATE, {"area": net.area_a.pk}).status_code == 404
    assert client.get(edit_url(item)).status_code == 404
    correction = reverse("venues:onboarding_correction_create", args=[item.pk])
    assert client.post(correction, {"text_fi": "Väärin."}).status_code == 404
    assert item.notices.count() == 1


def test_the_coordinator_changes_the_areas_item_and_kaikukeskus_may_too(net, client_for):
    item = onboarding_item(area=net.area_a, title="Esite")
    for persona in ("coordinator", "national_admin"):
        response = client_for(persona).post(
            edit_url(item),
            onboarding_form_data(kind=item.kind, title_fi=f"Esite ({persona})"),
        )
        assert response.status_code == 302
    assert item.materials.get().title == "Esite (national_admin)"


def test_a_new_title_alone_is_no_new_version(net, client_for):
    item = onboarding_item()
    client_for("national_admin").post(
        edit_url(item), onboarding_form_data(kind=item.kind, title_fi="Uusi otsikko")
    )
    item.refresh_from_db()
    assert item.version == 1 and item.materials.get().title == "Uusi otsikko"
    assert not item.notices.filter(kind=OnboardingNotice.Kind.CHANGE).exists()


def test_a_new_file_is_a_new_version_and_needs_a_note_of_what_changed(net, client_for):
    item = onboarding_item()
    old_file = item.materials.get().file
    client = client_for("national_admin")
    data = onboarding_form_data(kind=item.kind) | {"file_fi": upload("uusi.docx", docx())}

    refused = client.post(edit_url(item), data)
    assert "what_changed_fi" in refused.context["form"].errors

    data = onboarding_form_data(kind=item.kind) | {
        "file_fi": upload("uusi.docx", docx()),
        "what_changed_en": "Chapter 3 rewritten.",
    }
    assert client.post(edit_url(item), data).status_code == 302

    item.refresh_from_db()
    material = item.materials.get()
    assert item.version == 2 and material.file.file_type == "docx"
    assert not OnboardingFile.objects.filter(pk=old_file.pk).exists()  # not kept on
    change = item.notices.get(kind=OnboardingNotice.Kind.CHANGE)
    assert change.version == 2 and change.text("fi") == "Chapter 3 rewritten."
    assert AuditEntry.objects.get(action="onboarding.changed").data["version"] == 2


def test_a_language_can_be_added_and_removed(net, client_for):
    item = onboarding_item()
    client = client_for("national_admin")
    client.post(
        edit_url(item),
        onboarding_form_data(kind=item.kind)
        | {
            "title_en": "Slides",
            "file_en": upload("slides.pptx", pptx()),
            "what_changed_fi": "Englanninkielinen versio.",
        },
    )
    assert set(item.materials.values_list("language", flat=True)) == {"fi", "en"}
    client.post(
        edit_url(item),
        onboarding_form_data(kind=item.kind)
        | {"title_en": "Slides", "remove_en": "on", "what_changed_fi": "Poistettu."},
    )
    assert set(item.materials.values_list("language", flat=True)) == {"fi"}
    item.refresh_from_db()
    assert item.version == 3


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title_fi": "", "url_fi": "https://example.fi"}, "title_fi"),
        ({"title_fi": "Otsikko", "url_fi": ""}, "file_fi"),
        ({"file_fi": upload("a.pdf", pdf()), "url_fi": "https://example.fi"}, "url_fi"),
        ({"file_fi": upload("ohje.pdf", b"MZ not a pdf"), "url_fi": ""}, "file_fi"),
        ({"file_fi": upload("ohje.docx", pdf()), "url_fi": ""}, "file_fi"),
    ],
)
def test_the_form_says_what_is_missing_or_wrong(net, client_for, data, field):
    response = client_for("national_admin").post(
        CREATE, onboarding_form_data(kind="handbook", url="https://example.fi") | data
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not OnboardingItem.objects.exists()


def test_an_item_needs_at_least_one_language(net, client_for):
    response = client_for("national_admin").post(
        CREATE, {"kind": "handbook", "updated_on": "2026-01-01"}
    )
    assert response.context["form"].non_field_errors()


def test_a_website_is_a_link_not_a_file(net, client_for):
    response = client_for("coordinator").post(
        CREATE,
        onboarding_form_data(kind="area_website", area=net.area_a.pk)
        | {"file_fi": upload("sivu.pdf", pdf())},
    )
    assert "file_fi" in response.context["form"].errors


def test_a_correction_is_a_new_version_and_can_be_taken_down(net, client_for):
    item = onboarding_item()
    client = client_for("national_admin")
    url = reverse("venues:onboarding_correction_create", args=[item.pk])
    assert "text_fi" in client.post(url, {}).context["form"].errors

    client.post(url, {"text_fi": "Myös lapsenlapset.", "text_sv": "Även barnbarn."})

    item.refresh_from_db()
    correction = item.notices.latest("pk")
    assert item.version == 2 and correction.version == 2
    assert correction.kind == "correction" and correction.text("sv") == "Även barnbarn."
    assert correction.text("en") == "Myös lapsenlapset."  # falls back on Finnish

    client.post(reverse("venues:onboarding_notice_withdraw", args=[correction.pk]))
    correction.refresh_from_db()
    assert correction.withdrawn_on is not None
    assert AuditEntry.objects.filter(action="onboarding.notice_withdrawn").exists()


def test_a_withdrawn_item_disappears_for_staff_and_comes_back(net, client_for):
    item = onboarding_item(title="Vanha esite", area=net.area_a)
    withdraw = reverse("venues:onboarding_item_withdraw", args=[item.pk])
    file_url = reverse("venues:onboarding_file", args=[item.materials.get().file_id])
    coordinator, cashier = client_for("coordinator"), client_for("cashier")

    coordinator.post(withdraw)
    assert "Vanha esite" not in cashier.get(reverse("venues:onboarding")).content.decode()
    assert cashier.get(file_url).status_code == 404
    assert "Vanha esite" in coordinator.get(reverse("venues:onboarding_material")).content.decode()

    coordinator.post(withdraw)  # sent twice: still withdrawn
    assert "Vanha esite" not in cashier.get(reverse("venues:onboarding")).content.decode()

    coordinator.post(withdraw, {"withdrawn": "0"})
    assert "Vanha esite" in cashier.get(reverse("venues:onboarding")).content.decode()


def test_the_download_is_the_stored_file_as_an_attachment(net, client_for):
    item = onboarding_item(title="Käsikirja")
    stored = item.materials.get().file
    response = client_for("cashier").get(reverse("venues:onboarding_file", args=[stored.pk]))
    assert response.status_code == 200
    assert response.content == bytes(stored.content)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_files_of_another_area_are_not_found(net, client_for):
    item = onboarding_item(area=net.area_b)
    url = reverse("venues:onboarding_file", args=[item.materials.get().file_id])
    for persona in ("cashier", "venue_contact", "coordinator", "distributor", "outsider"):
        assert client_for(persona).get(url).status_code == 404
    assert client_for("national_admin").get(url).status_code == 200


def test_the_database_refuses_an_area_kind_without_an_area_and_the_reverse(net):
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingItem.objects.create(kind="area_website", updated_on="2026-01-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        OnboardingItem.objects.create(kind="handbook", area=net.area_a, updated_on="2026-01-01")
