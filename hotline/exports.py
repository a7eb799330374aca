"""Cells of exported spreadsheets (CSV and XLSX): text a spreadsheet would run as a formula is
escaped, and characters an XLSX cell cannot hold are dropped. Every export goes through `cell`/`row`.

Citizens' text reaches exports (the public web form, SMS, mail, WeChat): a title such as
`=HYPERLINK("http://…","点击")` or `@SUM(…)` would be a live formula when an officer opens the
file (CSV / formula injection). Text starting with `=`, `+`, `-`, `@`, a tab or a carriage return
(also after leading spaces) gets a leading apostrophe, which spreadsheets read as "this is text";
`unescape` takes it off again when an exported file is imported back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The control characters an XLSX cell cannot hold: openpyxl's ILLEGAL_CHARACTERS_RE, written out so
# the server does not load openpyxl (a second of start-up) before anyone exports (a test keeps the
# two equal).
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _formula_like(text: str) -> bool:
    return text.startswith(FORMULA_START) or text.lstrip(" \u3000").startswith(FORMULA_START)


def cell(value: object) -> object:
    """A value safe for a CSV field or an XLSX cell; numbers, dates and None pass unchanged."""
    if not isinstance(value, str):
        return value
    # Control characters are legal in our text but not in an .xlsx cell: drop them there (and in
    # CSV alike, so "\x01=cmd" cannot slip past the check below).
    text = ILLEGAL_CHARACTERS_RE.sub("", value)
    return "'" + text if _formula_like(text) else text


def row(values: Iterable[object]) -> list[object]:
    return [cell(v) for v in values]


def unescape(text: str) -> str:
    """The original text of a cell `cell` escaped (for importing an exported file back)."""
    return text[1:] if text.startswith("'") and _formula_like(text[1:]) else text
