"""Reading one inbound mail: the text a citizen wrote, who wrote it, and whether a machine did.

Chinese mail is often sent without a charset or labelled `gb2312` while containing GBK/GB18030
characters (喆 堃 镕 are not in GB2312), so text is decoded from the bytes ourselves: the declared
charset first (any GB-family label read as GB18030, its superset), then UTF-8, then GB18030.
HTML-only mail becomes plain text for the order (the original stays in the raw copy). Automated
mail (our own address, `Auto-Submitted`, `Precedence: bulk`, `X-Loop`, lists, bounces, the null
sender) is flagged so it is stored but never made into an order or answered on its own: answering
it is how one forged mail loops orders and acknowledgements forever.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass
from email.header import Header, decode_header
from email.message import Message
from email.utils import parseaddr
from html.parser import HTMLParser

# Labels of GB2312 and its extensions; GB18030 decodes all of them (and more).
GB_FAMILY = {
    "gb2312", "gb_2312", "gb_2312-80", "csgb2312", "euc-cn", "x-euc-cn", "chinese",
    "gbk", "x-gbk", "cp936", "ms936", "windows-936", "gb18030",
}  # fmt: skip
UNKNOWN = {"unknown-8bit", "x-unknown", "unknown"}
AUTOMATED_LOCALPARTS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "do-not-reply"}
BULK_PRECEDENCE = {"bulk", "junk", "list"}


@dataclass(frozen=True)
class Mail:
    external_id: str
    sender: str  # the mail address
    sender_name: str | None
    subject: str
    body: str
    flag: str | None  # why the mail is held (automated or looping), None for a citizen's mail


def decode_bytes(data: bytes, label: str | None) -> str:
    """Text of `data`: the declared charset (GB family as GB18030), else UTF-8, else GB18030."""
    candidates: list[str] = []
    norm = (label or "").strip().strip('"').lower()
    if norm and norm not in UNKNOWN:
        candidates.append("gb18030" if norm in GB_FAMILY else norm)
    candidates += ["utf-8", "gb18030"]
    for codec in candidates:
        try:
            return data.decode(codec)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", "replace")


def header_text(value: str | Header | None) -> str:
    """A header decoded: RFC 2047 encoded words with our charset rules, raw 8-bit bytes too."""
    if value is None:
        return ""
    out: list[str] = []
    for chunk, charset in decode_header(value):
        if isinstance(chunk, str):
            # Undecoded text: ASCII, or 8-bit bytes kept as surrogates by the parser.
            chunk = chunk.encode("utf-8", "surrogateescape")
        out.append(decode_bytes(chunk, charset))
    return "".join(out).strip()


class _Text(HTMLParser):
    BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "blockquote"}
    SKIP = {"script", "style", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in "".join(parser.parts).split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _is_attachment(part: Message) -> bool:
    return (part.get("Content-Disposition") or "").strip().lower().startswith("attachment")


def body_text(msg: Message) -> str:
    """The first plain-text part, else the first HTML part as text; attachments are skipped."""
    html: Message | None = None
    for part in msg.walk():
        if part.is_multipart() or _is_attachment(part):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain":
            return _part_text(part)
        if ctype == "text/html" and html is None:
            html = part
    return html_to_text(_part_text(html)) if html is not None else ""


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    return decode_bytes(data, part.get_content_charset())


def automated(msg: Message, sender: str, envelope_from: str, own: set[str]) -> str | None:
    """Why this mail must not be answered (or made into an order on its own), or None."""
    addresses = {sender.lower(), envelope_from.lower()} - {""}
    if addresses & own:
        return "loop:own-address"
    loop = " ".join(str(v) for v in msg.get_all("X-Loop") or []).lower()
    if any(a in loop for a in own):
        return "loop:x-loop"
    if not envelope_from or not sender:
        return "auto:null-sender"
    if any(a.split("@")[0] in AUTOMATED_LOCALPARTS for a in addresses):
        return "auto:mailer-daemon"
    auto_submitted = str(msg.get("Auto-Submitted") or "").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return "auto:auto-submitted"
    if str(msg.get("Precedence") or "").strip().lower() in BULK_PRECEDENCE:
        return "auto:precedence"
    if msg.get("List-Id") is not None or msg.get("List-Unsubscribe") is not None:
        return "auto:list"
    if msg.get("X-Autoreply") is not None or msg.get("X-Autorespond") is not None:
        return "auto:autoreply"
    if msg.get_content_type() == "multipart/report":
        return "auto:report"
    return None


def parse(raw: bytes, envelope_from: str, own_addresses: set[str]) -> Mail:
    """Everything the inbox needs from one mail; `own_addresses` lower-case."""
    msg = email.message_from_bytes(raw)
    external_id = header_text(msg.get("Message-ID")) or "sha256:" + hashlib.sha256(raw).hexdigest()
    raw_from = msg.get("From")
    if isinstance(raw_from, Header):
        name, address = parseaddr(header_text(raw_from))
    else:
        name, address = parseaddr(raw_from or "")
        name = header_text(name) if name else ""
    envelope_from = (envelope_from or "").strip().strip("<>")
    sender = address or envelope_from
    return Mail(
        external_id=external_id,
        sender=sender,
        sender_name=name or None,
        subject=header_text(msg.get("Subject")),
        body=body_text(msg),
        flag=automated(msg, sender, envelope_from, own_addresses),
    )


@dataclass(frozen=True)
class Part:
    filename: str
    content_type: str  # as declared by the sender (not trusted: see attachments.py)
    data: bytes


def attachment_parts(raw: bytes) -> list[Part]:
    """Every attached file of a mail (a part with a file name, or marked as an attachment),
    decoded; the body text parts are not among them."""
    msg = email.message_from_bytes(raw)
    parts: list[Part] = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = header_text(part.get_filename())
        if not name and not _is_attachment(part):
            continue
        payload = part.get_payload(decode=True)
        parts.append(
            Part(name or "附件", part.get_content_type(), payload if isinstance(payload, bytes) else b"")
        )
    return parts
