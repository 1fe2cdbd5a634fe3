"""Card IDs as they arrive from a keyboard, a USB barcode scanner or a QR camera.

An ID is 4–20 characters of A–Z, 0–9 and '-'. Input is normalised by trimming,
removing inner spaces, upper-casing and stripping the Code 39 start/stop '*'
that some scanners pass through (DOMAIN.md)."""

import re

CARD_ID_PATTERN = re.compile(r"^[A-Z0-9-]{4,20}$")
CARD_ID_MAX_LENGTH = 20


def normalise_card_id(raw: object) -> str:
    text = "" if raw is None else str(raw)
    text = re.sub(r"\s+", "", text).upper()
    return text.strip("*")


def is_valid_card_id(card_id: str) -> bool:
    return bool(CARD_ID_PATTERN.fullmatch(card_id))
