"""Control characters in text: refused at input, replaced on the way out.

Text pasted from another program can carry invisible control characters
(\\x01, a vertical tab \\x0b from a word processor's line break). They mean
nothing to a reader, and XML 1.0 cannot hold them, so an Excel workbook
with one cannot be written (openpyxl's IllegalCharacterError). Every text
field of the register refuses them with `no_control_characters`; every
writer of a workbook passes stored text through `printable`, for text saved
before the rule."""

import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# C0 controls except tab, line feed and carriage return; DEL and the C1
# controls; the two non-characters XML refuses.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")


def no_control_characters(value: Any) -> None:
    """The validator of every text field: no control characters."""
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _(
                "The text contains invisible control characters (they come along when text "
                "is copied from some programs). Type the text again or remove them."
            ),
            code="control_characters",
        )


def printable(value: Any) -> Any:
    """Text with each control character replaced by a space (anything else as it is)."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub(" ", value)
    return value
