"""Demo onboarding material and confirmations, so that the onboarding pages,
the checklist and the coordinator's overview have something to show.

The files are small documents made here (a one-page PDF, a minimal DOCX) that
say they are demo stand-ins for Kaikukeskus's real material. Idempotent: items
are found by area and kind, and a person who has confirmed once is left as is.
"""

import datetime
import io
import zipfile
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from venues.models import (
    Area,
    OnboardingConfirmation,
    OnboardingFile,
    OnboardingItem,
    OnboardingMaterial,
    OnboardingNotice,
    User,
)
from venues.onboarding.files import check_upload
from venues.onboarding.staff import required_versions

Kind = OnboardingItem.Kind

DEMO_NOTE = {
    "fi": "Tämä on Kaikukannan demon esimerkkiaineisto, ei Kaikukeskuksen oikea aineisto.",
    "sv": "Detta är exempelmaterial i Kaikukantas demo, inte Kaikukeskus riktiga material.",
    "en": "This is example material of the Kaikukanta demo, not Kaikukeskus's real material.",
}

# (area or None, kind, {language: (title, "pdf" | "docx" | a link)})
ITEMS = [
    (
        None,
        Kind.OPERATING_MODEL,
        {
            "fi": ("Kaikukortin toimintamalli", "pdf"),
            "sv": ("Kaikukortets verksamhetsmodell", "pdf"),
            "en": ("The Kaikukortti operating model", "pdf"),
        },
    ),
    (
        None,
        Kind.HANDBOOK,
        {
            "fi": ("Kaikukortti-käsikirja kulttuuri- ja liikuntakohteille", "pdf"),
            "sv": ("Kaikukortti-handbok för kultur- och idrottsplatser", "pdf"),
            "en": ("The Kaikukortti handbook for culture and sports venues", "pdf"),
        },
    ),
    (None, Kind.SLIDES, {"fi": ("Kaikukortti-perehdytyksen diat", "pdf")}),
    (
        None,
        Kind.CHECKLIST,
        {
            "fi": ("Kaikukortti-kohteen tarkistuslista", "docx"),
            "sv": ("Checklista för Kaikukortti-platser", "docx"),
        },
    ),
    (
        None,
        Kind.RECORDING,
        {
            "fi": ("Kaikukannan kirjausohjeet kohteille", "pdf"),
            "sv": ("Registreringsanvisningar för Kaikukanta", "pdf"),
            "en": ("Recording uses in Kaikukanta: instructions for venues", "pdf"),
        },
    ),
    (
        None,
        Kind.BROKER_RECORDING,
        {
            "fi": ("Kirjausohjeet lipunvälittäjille (rajapinta)", "api"),
            "en": ("Recording instructions for ticket brokers (the API)", "api"),
        },
    ),
    (
        "Tampereen seutu",
        Kind.AREA_WEBSITE,
        {
            "fi": ("Kaikukortti Tampereen seudulla", "https://www.tampere.fi/kaikukortti"),
            "en": ("Kaikukortti in the Tampere region", "https://www.tampere.fi/kaikukortti"),
        },
    ),
    (
        "Tampereen seutu",
        Kind.AREA_BROCHURE,
        {"fi": ("Tampereen seudun Kaikukortti-esite", "pdf")},
    ),
    (
        "Keski-Suomi",
        Kind.AREA_WEBSITE,
        {"fi": ("Kaikukortti Keski-Suomessa", "https://www.hyvaks.fi/kaikukortti")},
    ),
]

# The published correction to the handbook (DOMAIN.md: children or grandchildren).
HANDBOOK_CORRECTION = {
    "text_fi": (
        "Käsikirjassa sanotaan, että kortinhaltija voi saada maksuttomat liput omille alle "
        "18-vuotiaille lapsilleen. Oikein: maksuttomat liput voi saada myös alle "
        "18-vuotiaille lapsenlapsilleen."
    ),
    "text_sv": (
        "I handboken står det att kortinnehavaren kan få avgiftsfria biljetter för sina egna "
        "barn under 18 år. Rätt: avgiftsfria biljetter kan också fås för barnbarn under 18 år."
    ),
    "text_en": (
        "The handbook says that a holder may get free tickets for their own children under 18. "
        "Correct: a holder may also get free tickets for their grandchildren under 18."
    ),
}
CORRECTION_DAYS_AGO = 20

# (email, days ago the person last confirmed): one whose material changed since
# (the correction), one due within the month, one overdue; those not named here
# have not confirmed yet.
CONFIRMATIONS = [
    ("kassa@kaikukanta.demo", 60),
    ("yhteyshenkilo@kaikukanta.demo", 350),
    ("kassa.vapriikki@kaikukanta.demo", 400),
    ("yhteyshenkilo.jkl@kaikukanta.demo", 100),
]


def simple_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF with a title and lines of text (Helvetica, Latin-1)."""

    def text(value: str) -> bytes:
        escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        return b"(" + escaped.encode("cp1252") + b")"

    content = [b"BT", b"/F1 16 Tf", b"56 780 Td", text(title) + b" Tj", b"/F1 11 Tf"]
    for line in lines:
        content += [b"0 -20 Td", text(line) + b" Tj"]
    stream = b"\n".join([*content, b"ET"])
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def simple_docx(title: str, lines: list[str]) -> bytes:
    """A minimal Word document (the three parts Word needs) with paragraphs."""
    paragraphs = "".join(
        f"<w:p><w:r><w:t>{escape(line)}</w:t></w:r></w:p>" for line in [title, *lines]
    )
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>"
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{paragraphs}</w:body></w:document>"
        ),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, xml in parts.items():
            package.writestr(name, xml)
    return buffer.getvalue()


def _file(title: str, language: str, file_type: str) -> OnboardingFile:
    lines = [DEMO_NOTE[language]]
    if file_type == "docx":
        content, name = simple_docx(title, lines), f"{title}.docx"
    else:
        content, name = simple_pdf(title, lines), f"{title}.pdf"
    checked = check_upload(content, name)  # the demo's files pass the real checks
    return OnboardingFile.objects.create(
        name=checked.name,
        file_type=checked.file_type,
        size=checked.size,
        sha256=checked.sha256,
        content=checked.content,
    )


def _seed_item(area: Area | None, kind: str, materials: dict, today: datetime.date) -> None:
    item = OnboardingItem.objects.filter(area=area, kind=kind).first()
    if item is None:
        item = OnboardingItem.objects.create(
            area=area, kind=kind, updated_on=today - datetime.timedelta(days=90)
        )
    for language, (title, source) in materials.items():
        if item.materials.filter(language=language).exists():
            continue
        material = OnboardingMaterial(item=item, language=language, title=title)
        if source in ("pdf", "docx"):
            material.file = _file(title, language, source)
        elif source == "api":
            material.url = settings.SITE_URL + reverse("api:docs")
        else:
            material.url = source
        material.save()


def seed_onboarding(areas: dict[str, Area], users: dict[str, User]) -> None:
    today = timezone.localdate()
    for area_name, kind, materials in ITEMS:
        _seed_item(areas[area_name] if area_name else None, kind, materials, today)
    now = timezone.now()
    for email, days_ago in CONFIRMATIONS:
        user = users[email]
        if not user.onboarding_confirmations.exists():
            at = now - datetime.timedelta(days=days_ago)
            OnboardingConfirmation.objects.create(
                user=user,
                confirmed_at=at,
                confirmed_on=timezone.localdate(at),
                language="fi",
                versions=required_versions(user),
            )
    handbook = OnboardingItem.objects.get(area=None, kind=Kind.HANDBOOK)
    if not handbook.notices.exists():
        # Published after most confirmations: those people are asked to read it.
        handbook.version += 1
        handbook.save(update_fields=["version"])
        OnboardingNotice.objects.create(
            item=handbook,
            kind=OnboardingNotice.Kind.CORRECTION,
            version=handbook.version,
            published_on=today - datetime.timedelta(days=CORRECTION_DAYS_AGO),
            **HANDBOOK_CORRECTION,
        )
