"""Bytes of a fetched page or feed to text, with the charset it came in and how sure we are.

Chinese sites still serve GB2312/GBK, often mislabelled. The order: the HTTP header's charset,
then a `<meta charset>`/XML declaration in the first 4 KB, then a BOM; any GB-family name is read
as GB18030 (a superset of GB2312 and GBK, so a page labelled GB2312 that uses GBK characters still
decodes). When the declared charset fails, UTF-8 and then GB18030 are tried strictly (`flag`
"mislabelled"), then charset-normalizer's guess ("guessed"); when nothing decodes cleanly the text
keeps replacement characters and is marked "undecodable", never dropped.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "ms936", "euc-cn", "csgb2312", "gb_2312-80"}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:-]+)""", re.I)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    flag: str | None  # None | mislabelled | guessed | undecodable


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, GB-family labels as gb18030; None when unknown."""
    if not label:
        return None
    label = label.strip().lower()
    if label in GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def declared_charset(body: bytes, content_type: str | None) -> str | None:
    if content_type and (found := _HEADER_CHARSET.search(content_type)):
        return found.group(1)
    head = body[:4096]
    for pattern in (_META, _XML_DECL):
        if m := pattern.search(head):
            return m.group(1).decode("ascii", "replace")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    return None


def decode(body: bytes, content_type: str | None = None) -> Decoded:
    declared = codec_name(declared_charset(body, content_type))
    if declared:
        try:
            return Decoded(body.decode(declared), declared, None)
        except UnicodeDecodeError:
            pass
    for name in ("utf-8", "gb18030"):
        if name == declared:
            continue
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        return Decoded(text, name, "mislabelled" if declared else None)
    best = from_bytes(body[:200_000]).best()
    if best is not None and best.encoding:
        name = codec_name(best.encoding) or best.encoding
        try:
            return Decoded(body.decode(name), name, "guessed")
        except (UnicodeDecodeError, LookupError):
            pass
    name = declared or "utf-8"
    return Decoded(body.decode(name, errors="replace"), name, "undecodable")
