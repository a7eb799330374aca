"""Phone number normalisation, so +86 138-1234-5678 and 13812345678 find the same caller."""

from __future__ import annotations

import re

_NON_DIGITS = re.compile(r"[^\d+]")


def normalize_phone(raw: str) -> str:
    """Digits only; drop the +86 / 0086 country prefix; keep leading 0 of area codes."""
    digits = _NON_DIGITS.sub("", raw.strip())
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits.lstrip("+")
