"""An uploaded onboarding file is judged by its bytes: PDF, DOCX or PPTX only,
at most 20 MB, its name agreeing with what it is."""

import pytest

from tests.venues.onboarding_helpers import PPTX_MAIN, docx, office_zip, pdf, pptx
from venues.onboarding.files import MAX_FILE_BYTES, FileRefused, check_upload

DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.mark.parametrize(
    ("content", "name", "file_type"),
    [
        (pdf(), "Käsikirja.pdf", "pdf"),
        (docx(), "tarkistuslista.DOCX", "docx"),
        (pptx(), "diat.pptx", "pptx"),
        (b"\n" * 10 + pdf(), "leading-bytes.pdf", "pdf"),
    ],
)
def test_pdf_docx_and_pptx_are_accepted_by_their_bytes(content, name, file_type):
    checked = check_upload(content, name)
    assert checked.file_type == file_type
    assert checked.size == len(content) and len(checked.sha256) == 64


def refusal(content: bytes, name: str) -> str:
    with pytest.raises(FileRefused) as refused:
        check_upload(content, name)
    return refused.value.code


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "empty.pdf", "empty"),
        (b"MZ\x90\x00 a program", "handbook.pdf", "not_accepted"),
        (b"\x89PNG\r\n\x1a\n....", "slide.pdf", "not_accepted"),
        (b"<html><script>alert(1)</script></html>", "page.pdf", "not_accepted"),
        (OLE + b"\x00" * 600 + "WordDocument".encode("utf-16-le"), "old.doc", "old_office"),
        (OLE + b"\x00" * 600 + "EncryptedPackage".encode("utf-16-le"), "secret.docx", "encrypted"),
        (office_zip("xl/workbook.xml", XLSX_MAIN), "sheet.docx", "not_accepted"),
        (office_zip("word/document.xml", DOCM_MAIN), "macros.docx", "macros"),
        (
            office_zip("word/document.xml", DOCX_MAIN, {"word/vbaProject.bin": b"x"}),
            "hidden-macros.docx",
            "macros",
        ),
        (b"PK\x03\x04 not really a zip", "broken.pptx", "broken"),
        (office_zip("other.xml", "application/xml"), "plain.docx", "not_accepted"),
    ],
)
def test_other_files_are_refused_with_a_reason(content, name, code):
    assert refusal(content, name) == code


def test_a_zip_without_office_content_types_is_not_accepted():
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert refusal(buffer.getvalue(), "document.docx") == "not_accepted"


def test_an_office_file_whose_main_part_is_missing_is_broken():
    package = office_zip("ppt/presentation.xml", PPTX_MAIN)
    assert refusal(_without_main_part(package), "slides.pptx") == "broken"


def _without_main_part(package: bytes) -> bytes:
    import io
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(package))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            if info.filename != "ppt/presentation.xml":
                target.writestr(info, source.read(info))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [(pdf(), "handbook.docx"), (docx(), "checklist.pdf"), (pptx(), "slides"), (pdf(), "x.pdf.exe")],
)
def test_the_name_must_agree_with_what_the_bytes_are(content, name):
    with pytest.raises(FileRefused) as refused:
        check_upload(content, name)
    assert refused.value.code == "wrong_extension"


def test_a_file_over_20_mb_is_refused():
    assert refusal(pdf() + b" " * MAX_FILE_BYTES, "big.pdf") == "too_large"


def test_the_stored_name_keeps_no_folder_or_control_characters():
    checked = check_upload(pdf(), "C:\\Users\\kaisa\\Desktop\\käsi\x07kirja.pdf")
    assert checked.name == "käsikirja.pdf"
