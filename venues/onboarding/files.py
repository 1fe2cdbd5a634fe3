"""What an uploaded onboarding file is, judged from its bytes, not its name.

Accepted: PDF, and Word and PowerPoint files in Office Open XML (DOCX, PPTX).
A DOCX or PPTX is a zip whose `[Content_Types].xml` names its main part; only
that small entry is read (never the rest of the zip, so a zip bomb costs
nothing). Old binary Office files, password-protected files and files with
macros are refused with a message that says what to do instead. The name's
extension must agree with what the bytes are, so that the file opens in the
right program for the person who downloads it.
"""

import hashlib
import io
import zipfile
import zlib
from dataclasses import dataclass
from typing import Any

from defusedxml import ElementTree
from django.utils.translation import gettext_lazy as _

from venues.models import OnboardingFile

MAX_FILE_BYTES = 20 * 1024 * 1024
# [Content_Types].xml is a few kilobytes; anything much larger is not Office's.
MAX_CONTENT_TYPES_BYTES = 1024 * 1024
PDF_MAGIC = b"%PDF-"
# PDF readers accept the header anywhere in the first kilobyte.
PDF_HEADER_WITHIN = 1024
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
OLE_ENCRYPTION_STREAMS = tuple(
    name.encode("utf-16-le") for name in ("EncryptedPackage", "EncryptionInfo")
)
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        OnboardingFile.Type.DOCX
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        OnboardingFile.Type.PPTX
    ),
}
MACRO_PARTS = (
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml",
    "application/vnd.ms-office.vbaProject",
)
TYPE_NAMES: dict[str, Any] = {
    OnboardingFile.Type.PDF: _("a PDF file"),
    OnboardingFile.Type.DOCX: _("a Word document (DOCX)"),
    OnboardingFile.Type.PPTX: _("a PowerPoint presentation (PPTX)"),
}

MESSAGES: dict[str, Any] = {
    "empty": _("The file is empty."),
    "too_large": _("The file is larger than 20 MB. Make it smaller, or publish a link to it."),
    "old_office": _(
        "This is an old Word or PowerPoint file (DOC or PPT). Save it as PDF, DOCX or PPTX."
    ),
    "encrypted": _("The file is password-protected. Save it without a password."),
    "macros": _("The file contains macros. Save it as PDF, or as DOCX or PPTX without macros."),
    "broken": _("The file is damaged or incomplete. Save it again and upload it again."),
    "not_accepted": _("Only PDF, DOCX and PPTX files are accepted."),
}


class FileRefused(Exception):
    """An upload that is not an acceptable onboarding file; `message` says why."""

    def __init__(self, code: str, message: Any = None):
        self.code = code
        self.message = message if message is not None else MESSAGES[code]
        super().__init__(code)


@dataclass(frozen=True)
class CheckedFile:
    name: str
    file_type: str
    content: bytes

    @property
    def size(self) -> int:
        return len(self.content)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def check_upload(content: bytes, name: str) -> CheckedFile:
    """Say what the upload is, or raise FileRefused."""
    if not content:
        raise FileRefused("empty")
    if len(content) > MAX_FILE_BYTES:
        raise FileRefused("too_large")
    file_type = _file_type(content)
    extension = f".{file_type}"
    if not name.lower().endswith(extension):
        raise FileRefused(
            "wrong_extension",
            _("The file is %(what)s, but its name does not end in %(extension)s. Rename it.")
            % {"what": TYPE_NAMES[file_type], "extension": extension},
        )
    return CheckedFile(name=_clean_name(name), file_type=file_type, content=content)


def _file_type(content: bytes) -> str:
    if content.startswith(ZIP_MAGIC):
        return _office_type(content)
    if content.startswith(OLE_MAGIC):
        # Office keeps password-protected DOCX and PPTX files in an OLE
        # container, as it does old DOC and PPT files; the stream names tell.
        if any(stream in content for stream in OLE_ENCRYPTION_STREAMS):
            raise FileRefused("encrypted")
        raise FileRefused("old_office")
    if PDF_MAGIC in content[:PDF_HEADER_WITHIN]:
        return OnboardingFile.Type.PDF
    raise FileRefused("not_accepted")


def _office_type(content: bytes) -> str:
    try:
        package = zipfile.ZipFile(io.BytesIO(content))
        infos = {info.filename: info for info in package.infolist()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise FileRefused("broken") from None
    listing = infos.get("[Content_Types].xml")
    if listing is None:
        raise FileRefused("not_accepted")  # a zip, an OpenDocument file, …
    if any(info.flag_bits & 0x1 for info in infos.values()):
        raise FileRefused("encrypted")
    if listing.file_size > MAX_CONTENT_TYPES_BYTES:
        raise FileRefused("not_accepted")
    try:
        root = ElementTree.fromstring(package.read(listing))
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError, ElementTree.ParseError):
        raise FileRefused("broken") from None
    except Exception:  # defusedxml refuses entity tricks with its own errors
        raise FileRefused("not_accepted") from None
    parts = {
        element.get("PartName", "").lstrip("/"): element.get("ContentType", "")
        for element in root.iter(f"{CONTENT_TYPES_NS}Override")
    }
    defaults = {
        element.get("ContentType", "") for element in root.iter(f"{CONTENT_TYPES_NS}Default")
    }
    macro_project = any(name.lower().endswith("vbaproject.bin") for name in infos)
    if macro_project or any(kind in MACRO_PARTS for kind in (*parts.values(), *defaults)):
        raise FileRefused("macros")
    for part, kind in parts.items():
        if kind in MAIN_PARTS:
            if part not in infos:
                raise FileRefused("broken")
            return MAIN_PARTS[kind]
    raise FileRefused("not_accepted")  # an Excel workbook, a template, …


def _clean_name(name: str) -> str:
    """The uploaded name without any folder, control characters or excess length."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip() or "file"
    if len(base) > 150:
        stem, dot, extension = base.rpartition(".")
        base = stem[: 150 - len(extension) - 1] + dot + extension
    return base
