"""Reading a PDF back as its reader sees it, with poppler's pdftotext (Debian
poppler-utils, installed by scripts/test): the text in reading layout, and the
words that stick out past the right edge of their page."""

import html
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest


def _pdftotext(content: bytes, *args: str) -> str:
    if shutil.which("pdftotext") is None:
        pytest.fail("These tests read PDFs with pdftotext: apt-get install poppler-utils", False)
    done = subprocess.run(
        ["pdftotext", *args, "-", "-"], input=content, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def text(content: bytes) -> str:
    """The PDF's text, each page laid out as printed (a table's row on one line)."""
    return _pdftotext(content, "-layout")


def flat(content: bytes) -> str:
    """The text with every run of white space one space (headers that wrap in
    their cells become one line only where they do not wrap: use words)."""
    return re.sub(r"\s+", " ", text(content))


@dataclass
class Word:
    text: str
    page: int
    x_max: float
    page_width: float


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>')


def words(content: bytes) -> list[Word]:
    boxes = _pdftotext(content, "-bbox")
    found = []
    pages = re.finditer(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', boxes, re.S)
    for number, page in enumerate(pages, start=1):
        width = float(page.group(1))
        for word in WORD.finditer(page.group(2)):
            found.append(Word(html.unescape(word.group(3)), number, float(word.group(2)), width))
    return found


def past_the_margin(content: bytes, margin: float = 20.0) -> list[Word]:
    """Words that end closer than `margin` points to the page's right edge (the
    reports keep 15 mm, about 42 points, of margin), or past it."""
    return [w for w in words(content) if w.x_max > w.page_width - margin]
