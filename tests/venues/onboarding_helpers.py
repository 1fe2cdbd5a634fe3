"""Onboarding material for tests: real little documents and items made the way
the publisher's form makes them."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from kaikukanta.demo.onboarding import simple_docx, simple_pdf
from venues.models import OnboardingItem, OnboardingNotice
from venues.onboarding import services
from venues.onboarding.files import check_upload

PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def pdf(text: str = "Käsikirja") -> bytes:
    return simple_pdf(text, ["Kaikukortti"])


def docx(text: str = "Tarkistuslista") -> bytes:
    return simple_docx(text, ["Kaikukortti"])


def office_zip(main_part: str, content_type: str, extra: dict[str, bytes] | None = None) -> bytes:
    """An Office Open XML package with its content types and a main part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{main_part}" ContentType="{content_type}"/></Types>',
        )
        package.writestr(main_part, "<x/>")
        for name, data in (extra or {}).items():
            package.writestr(name, data)
    return buffer.getvalue()


def pptx() -> bytes:
    return office_zip("ppt/presentation.xml", PPTX_MAIN)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def onboarding_item(
    *,
    area=None,
    kind: str | None = None,
    title: str = "",
    withdrawn: bool = False,
    by=None,
) -> OnboardingItem:
    """An item with a Finnish PDF (a website: a link) and one correction,
    published through the service."""
    kind = kind or (
        OnboardingItem.Kind.AREA_BROCHURE if area is not None else OnboardingItem.Kind.HANDBOOK
    )
    title = title or f"{kind} {area or 'national'}"
    if kind == OnboardingItem.Kind.AREA_WEBSITE:
        finnish = services.MaterialInput(title=title, url="https://example.fi/kaikukortti")
    else:
        finnish = services.MaterialInput(title=title, upload=check_upload(pdf(title), "a.pdf"))
    item = services.publish_item(
        area=area, kind=kind, updated_on=timezone.localdate(), materials={"fi": finnish}, by=by
    )
    OnboardingNotice.objects.create(
        item=item,
        kind=OnboardingNotice.Kind.CORRECTION,
        version=item.version,
        published_on=timezone.localdate(),
        text_fi="Korjaus.",
    )
    if withdrawn:
        item.withdrawn_on = timezone.localdate()
        item.save()
    return item


def onboarding_form_data(*, kind: str, url: str = "", area=None, **extra) -> dict:
    """What the publisher's form posts for an item with a Finnish link."""
    data = {
        "kind": kind,
        "updated_on": timezone.localdate().isoformat(),
        "title_fi": "Otsikko",
        "url_fi": url,
    }
    if area is not None:
        data["area"] = area
    return data | extra
