"""SIP message parsing and serialization (RFC 3261 section 7, 20, 25).

Real phones and carrier gateways send compact header names (``v:``, ``i:``), lower-case or odd-case
names, folded continuation lines, bare LF line ends and several Via values in one header; this module
accepts all of those and hands the engine one canonical form. Anything that cannot be a SIP message
raises :class:`SipParseError`, a ``ValueError``, never some other exception: the engine relies on that
to answer 400 or drop the datagram without crashing. Serialization always writes canonical long names,
CRLF line ends and a correct Content-Length. :func:`parse_head` reads only the first headers of a
message the engine refuses to parse in full (oversized, malformed), at a bounded cost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_MESSAGE = 65_535
# Over UDP nothing legitimate comes near this (RFC 3261 18.1.1 sends requests > 1300 bytes over TCP);
# a bigger datagram is refused unparsed, so a flood of 60 KB datagrams costs next to nothing.
MAX_UDP_MESSAGE = 16_384
HEAD_LIMIT = 4096  # how much of a refused message we read to address the refusal
_CLEN_LINE = re.compile(rb"^(?:content-length|l)[ \t]*:.*$\n?", re.I | re.M)

# RFC 3261 7.3.3 compact forms (plus RFC 3515/3892/4028 ones seen in the wild).
COMPACT = {
    "i": "Call-ID",
    "m": "Contact",
    "e": "Content-Encoding",
    "l": "Content-Length",
    "c": "Content-Type",
    "f": "From",
    "s": "Subject",
    "k": "Supported",
    "t": "To",
    "v": "Via",
    "r": "Refer-To",
    "b": "Referred-By",
    "o": "Event",
    "u": "Allow-Events",
    "x": "Session-Expires",
}
_SPECIAL = {
    "call-id": "Call-ID",
    "cseq": "CSeq",
    "www-authenticate": "WWW-Authenticate",
    "mime-version": "MIME-Version",
    "rack": "RAck",
    "rseq": "RSeq",
    "sip-etag": "SIP-ETag",
    "sip-if-match": "SIP-If-Match",
}
# Headers whose comma-separated values are separate entries (RFC 3261 7.3.1).
_LIST_HEADERS = {"Via", "Route", "Record-Route", "Contact", "Path"}
_TOKEN = re.compile(r"^[A-Za-z0-9\-.!%*_+`'~]+$")
_REQUIRED = ("Via", "From", "To", "Call-ID", "CSeq")


class SipParseError(ValueError):
    """The bytes are not a (usable) SIP message."""


@lru_cache(maxsize=2048)
def canonical_name(name: str) -> str:
    """Map any spelling of a header name (compact, any case) to its canonical long form.

    Cached: it runs for every header of every message and showed up at 13 % of signaling CPU."""
    stripped = name.strip()
    low = stripped.lower()
    if len(low) == 1 and low in COMPACT:
        return COMPACT[low]
    if low in _SPECIAL:
        return _SPECIAL[low]
    return "-".join(part.capitalize() for part in low.split("-"))


def split_list(value: str) -> list[str]:
    """Split a header value on commas that are outside quotes and angle brackets."""
    if '"' not in value and "<" not in value:
        # The usual case (Via lists): a plain split, not a Python loop over every character.
        return [item for item in (part.strip() for part in value.split(",")) if item]
    out: list[str] = []
    buf: list[str] = []
    quoted = False
    angle = 0
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\" and quoted and i + 1 < len(value):
            buf.append(value[i : i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "<":
            angle += 1
        elif not quoted and ch == ">":
            angle = max(0, angle - 1)
        if ch == "," and not quoted and angle == 0:
            item = "".join(buf).strip()
            if item:
                out.append(item)
            buf = []
        else:
            buf.append(ch)
        i += 1
    item = "".join(buf).strip()
    if item:
        out.append(item)
    return out


@dataclass
class SipMessage:
    """Headers (ordered, canonical names, repeats allowed) and a body."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def get(self, name: str, default: str | None = None) -> str | None:
        key = canonical_name(name)
        for n, v in self.headers:
            if n == key:
                return v
        return default

    def get_all(self, name: str) -> list[str]:
        key = canonical_name(name)
        return [v for n, v in self.headers if n == key]

    def add(self, name: str, value: str, *, first: bool = False) -> None:
        entry = (canonical_name(name), value)
        if first:
            self.headers.insert(0, entry)
        else:
            self.headers.append(entry)

    def set(self, name: str, value: str) -> None:
        key = canonical_name(name)
        for i, (n, _) in enumerate(self.headers):
            if n == key:
                self.headers[i] = (key, value)
                self.headers = [h for j, h in enumerate(self.headers) if j <= i or h[0] != key]
                return
        self.headers.append((key, value))

    def remove(self, name: str) -> None:
        key = canonical_name(name)
        self.headers = [h for h in self.headers if h[0] != key]

    @property
    def call_id(self) -> str:
        return self.get("Call-ID") or ""

    @property
    def cseq(self) -> tuple[int, str]:
        return parse_cseq(self.get("CSeq") or "")

    def start_line(self) -> str:
        raise NotImplementedError

    def to_bytes(self) -> bytes:
        lines = [self.start_line()]
        lines.extend(f"{n}: {v}" for n, v in self.headers if n != "Content-Length")
        lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + self.body


@dataclass
class SipRequest(SipMessage):
    method: str = "OPTIONS"
    uri: str = ""

    def start_line(self) -> str:
        return f"{self.method} {self.uri} SIP/2.0"


@dataclass
class SipResponse(SipMessage):
    status: int = 200
    reason: str = "OK"

    def start_line(self) -> str:
        return f"SIP/2.0 {self.status} {self.reason}"


def parse_cseq(value: str) -> tuple[int, str]:
    parts = value.split()
    if len(parts) != 2 or not parts[0].isdigit() or len(parts[0]) > 10:
        raise SipParseError(f"bad CSeq: {value!r}")
    return int(parts[0]), parts[1].upper()


def parse_message(data: bytes, *, strict: bool = True) -> SipMessage:
    """Parse one SIP message. ``strict=False`` skips the mandatory-header checks (used to build a 400)."""
    if len(data) > MAX_MESSAGE:
        raise SipParseError("message too large")
    sep = data.find(b"\r\n\r\n")
    if sep >= 0:
        head, body = data[:sep], data[sep + 4 :]
    else:
        sep = data.find(b"\n\n")
        if sep < 0:
            head, body = data, b""
        else:
            head, body = data[:sep], data[sep + 2 :]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError("header section is not UTF-8") from exc
    raw_lines = text.replace("\r\n", "\n").split("\n")
    while raw_lines and not raw_lines[0].strip():
        raw_lines.pop(0)  # RFC 3261 7.5: leading CRLFs (keep-alives) are ignored
    if not raw_lines:
        raise SipParseError("empty message")
    lines: list[str] = []
    for line in raw_lines[1:]:
        if line[:1] in (" ", "\t"):
            if not lines:
                raise SipParseError("continuation line before any header")
            lines[-1] += " " + line.strip()  # folded header value (RFC 3261 7.3.1)
        elif line:
            lines.append(line)
    msg = _start_line(raw_lines[0].strip())
    for line in lines:
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or not _TOKEN.match(name.strip()):
            raise SipParseError(f"bad header line: {line[:60]!r}")
        cname = canonical_name(name)
        value = value.strip()
        if cname in _LIST_HEADERS and "," in value:
            for item in split_list(value):
                msg.headers.append((cname, item))
        else:
            msg.headers.append((cname, value))
    length = msg.get("Content-Length")
    if length is not None:
        if not length.isdigit() or len(length) > 6:
            raise SipParseError(f"bad Content-Length: {length!r}")
        n = int(length)
        if n > len(body):
            raise SipParseError("body shorter than Content-Length")
        body = body[:n]
    msg.body = body
    if strict:
        for name in _REQUIRED:
            if msg.get(name) is None:
                raise SipParseError(f"missing {name}")
        _num, method = msg.cseq
        if isinstance(msg, SipRequest) and method != msg.method:
            raise SipParseError("CSeq method does not match request method")
        if not _TOKEN.match(method):
            raise SipParseError("bad CSeq method")
        parse_via(msg.get("Via") or "")
        for name in ("From", "To"):
            parse_name_addr(msg.get(name) or "")
    return msg


def parse_head(data: bytes, limit: int = HEAD_LIMIT) -> SipMessage:
    """The start line and the headers found in the first ``limit`` bytes, without body or checks.

    Enough to address a response (Via, From, To, Call-ID, CSeq come first in practice) to a message
    we refuse to parse in full - too large, or malformed - at a cost bounded by ``limit``."""
    head = data[:limit]
    end = head.find(b"\r\n\r\n")
    if end < 0:
        end = head.find(b"\n\n")  # bare-LF peers
    if end < 0:
        end = head.rfind(b"\n")  # cut at the last whole line
    head = _CLEN_LINE.sub(b"", head[: max(end, 0)] if end >= 0 else head)
    return parse_message(head.rstrip(b"\r\n") + b"\r\n\r\n", strict=False)


def _start_line(line: str) -> SipMessage:
    if line.startswith("SIP/"):
        parts = line.split(" ", 2)
        if len(parts) < 2 or parts[0].upper() != "SIP/2.0" or not parts[1].isdigit() or len(parts[1]) != 3:
            raise SipParseError(f"bad status line: {line[:60]!r}")
        status = int(parts[1])
        if not 100 <= status <= 699:
            raise SipParseError("status code out of range")
        return SipResponse(status=status, reason=parts[2] if len(parts) > 2 else "")
    parts = line.split()
    if len(parts) != 3 or parts[2].upper() != "SIP/2.0":
        raise SipParseError(f"bad request line: {line[:60]!r}")
    method, uri = parts[0], parts[1]
    if not _TOKEN.match(method) or ":" not in uri:
        raise SipParseError(f"bad request line: {line[:60]!r}")
    return SipRequest(method=method.upper(), uri=uri)


def _params(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        key, _, val = part.partition("=")
        out[key.strip().lower()] = val.strip().strip('"')
    return out


@dataclass
class SipUri:
    """``sip:user@host:port;params`` (enough of RFC 3261 19.1 for routing)."""

    scheme: str = "sip"
    user: str = ""
    host: str = ""
    port: int | None = None
    params: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        userinfo = f"{self.user}@" if self.user else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        port = f":{self.port}" if self.port else ""
        params = "".join(f";{k}={v}" if v else f";{k}" for k, v in self.params.items())
        return f"{self.scheme}:{userinfo}{host}{port}{params}"


def parse_uri(text: str) -> SipUri:
    text = text.strip()
    scheme, colon, rest = text.partition(":")
    if not colon or scheme.lower() not in ("sip", "sips", "tel"):
        raise SipParseError(f"unsupported URI: {text[:60]!r}")
    rest = rest.split("?", 1)[0]
    main, _, params = rest.partition(";")
    user, at, hostport = main.rpartition("@")
    if not at:
        user, hostport = "", main
    user = user.split(":", 1)[0]
    port: int | None = None
    if hostport.startswith("["):
        host, _, tail = hostport[1:].partition("]")
        if tail.startswith(":"):
            port = _port(tail[1:])
    else:
        host, _, p = hostport.partition(":")
        port = _port(p) if p else None
    if scheme.lower() == "tel":
        user, host = host, ""
    elif not host:
        raise SipParseError("URI without host")
    return SipUri(scheme.lower(), user, host, port, _params(params))


def _port(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise SipParseError(f"bad port: {text!r}")
    return int(text)


@dataclass
class NameAddr:
    """A From/To/Contact/Route value: optional display name, URI, header parameters."""

    uri: str
    display: str = ""
    params: dict[str, str] = field(default_factory=dict)

    @property
    def tag(self) -> str:
        return self.params.get("tag", "")

    def __str__(self) -> str:
        disp = f'"{self.display}" ' if self.display else ""
        params = "".join(f";{k}={v}" if v else f";{k}" for k, v in self.params.items())
        return f"{disp}<{self.uri}>{params}"


def parse_name_addr(text: str) -> NameAddr:
    text = text.strip()
    if not text:
        raise SipParseError("empty address")
    if "<" in text:
        lt = text.index("<")
        gt = text.find(">", lt)
        if gt < 0:
            raise SipParseError("unclosed <")
        display = text[:lt].strip().strip('"')
        return NameAddr(text[lt + 1 : gt].strip(), display, _params(text[gt + 1 :]))
    # addr-spec form: parameters after the URI belong to the header (RFC 3261 20.10)
    uri, _, params = text.partition(";")
    return NameAddr(uri.strip(), "", _params(params))


@dataclass
class Via:
    transport: str
    host: str
    port: int | None
    params: dict[str, str]

    @property
    def branch(self) -> str:
        return self.params.get("branch", "")


def parse_via(text: str) -> Via:
    proto, _, rest = text.strip().partition(" ")
    bits = [b.strip() for b in proto.split("/")]
    if len(bits) != 3 or bits[0].upper() != "SIP":
        raise SipParseError(f"bad Via: {text[:60]!r}")
    sent_by, _, params = rest.strip().partition(";")
    sent_by = sent_by.strip()
    if not sent_by:
        raise SipParseError("Via without sent-by")
    if sent_by.startswith("["):
        host, _, tail = sent_by[1:].partition("]")
        port = _port(tail[1:]) if tail.startswith(":") else None
    else:
        host, _, p = sent_by.partition(":")
        port = _port(p.strip()) if p.strip() else None
    return Via(bits[2].upper(), host.strip(), port, _params(params))


def make_response(req: SipRequest, status: int, reason: str, *, to_tag: str = "") -> SipResponse:
    """A response copying Via/From/To/Call-ID/CSeq from the request (RFC 3261 8.2.6)."""
    resp = SipResponse(status=status, reason=reason)
    for name, value in req.headers:
        if name in ("Via", "From", "Call-ID", "CSeq", "Record-Route"):
            resp.headers.append((name, value))
        elif name == "To":
            if to_tag and ";tag=" not in value.replace(" ", "") and status != 100:
                value = f"{value};tag={to_tag}"
            resp.headers.append((name, value))
    return resp
