"""Masking of personal data (ID numbers, phone numbers, addresses) for roles without `pii.read`.

The same functions serve API responses, exports and the log filter, so a value is masked the same
way everywhere: keep a few leading and trailing characters, star the middle. A foundation module
(pure functions, no domain imports), so the logs can use it as well as every domain; who may see
unmasked data (`pii.read`) is the people package's permission table.
"""

from __future__ import annotations

import logging
import re


def _mask(value: str, keep_head: int, keep_tail: int) -> str:
    if len(value) <= keep_head + keep_tail:
        return "*" * len(value)
    return value[:keep_head] + "*" * (len(value) - keep_head - keep_tail) + value[-keep_tail:]


def mask_id_number(value: str | None) -> str | None:
    """110105194501011234 -> 110***********1234."""
    return None if value is None else _mask(value, 3, 4)


def mask_phone(value: str | None) -> str | None:
    """13812345678 -> 138****5678; short numbers keep only their last 2 digits."""
    if value is None:
        return None
    return _mask(value, 3, 4) if len(value) >= 11 else _mask(value, 0, 2)


def mask_address(value: str | None) -> str | None:
    """Keep the district-level head (6 characters), hide the street and door number."""
    if value is None:
        return None
    return value[:6] + "****" if len(value) > 6 else "****"


# Digits as typed by citizens and agents: ASCII or full-width (１３８…), mobiles written plain,
# with the country code (+86 / 0086 / 86), or grouped by spaces and dashes (138-1234-5678).
_D = "[0-9０-９]"
_SEP = "[ \u3000\\-－‐—]?"
_ID_RE = re.compile(rf"(?<!{_D})({_D}{{6}})({_D}{{8}})({_D}{{3}}[0-9０-９XxＸｘ])(?!{_D})")
_PHONE_RE = re.compile(
    rf"(?<!{_D})((?:(?:\+|＋|00|００)?[8８][6６]{_SEP})?[1１][3-9３-９]{_D})"
    rf"({_SEP}{_D}{{4}}{_SEP})({_D}{{4}})(?!{_D})"
)
_DIGIT = re.compile(_D)


def mask_text(text: str) -> str:
    """Mask anything in free text that looks like a mainland ID number or mobile number (the
    middle digits starred, separators kept)."""
    text = _ID_RE.sub(lambda m: m.group(1)[:3] + "*" * 11 + m.group(3)[-4:], text)
    return _PHONE_RE.sub(lambda m: m.group(1) + _DIGIT.sub("*", m.group(2)) + m.group(3), text)


class MaskingFilter(logging.Filter):
    """Log filter: personal data never reaches the log files."""

    def filter(self, record: logging.LogRecord) -> bool:
        msg = record.getMessage()
        masked = mask_text(msg)
        if masked != msg:
            record.msg, record.args = masked, None
        return True
