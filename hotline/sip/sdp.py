"""SDP offer/answer (RFC 3264, RFC 4566) for one audio stream: PCMU 0, PCMA 8, telephone-event,
as RTP/AVP or, with SDES keys (``a=crypto``, read here and used by ``hotline.media.srtp``), RTP/SAVP.

The engine only speaks G.711 with RFC 4733 events, so this is deliberately small: parse the first
audio m-line of a peer's SDP (connection address, port, payload types, rtpmap, direction), pick the
first codec of the offer we support, and build our own offer or answer. A peer that offers no usable
codec gets ``None`` from :func:`negotiate` and the engine answers 488; so does an offer whose media is
on IPv6 (our media sockets are IPv4), with the RFC 3261 Warning from :func:`address_warning`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

PCMU = 0
PCMA = 8
CODEC_NAMES = {PCMU: "PCMU", PCMA: "PCMA"}
DEFAULT_DTMF_PT = 101
DIRECTIONS = ("sendrecv", "sendonly", "recvonly", "inactive")


class SdpError(ValueError):
    """The body is not usable SDP."""


@dataclass
class MediaDescription:
    host: str
    port: int
    payload_types: list[int]
    rtpmap: dict[int, str] = field(default_factory=dict)
    direction: str = "sendrecv"
    ptime: int = 20
    addr_type: str = "IP4"  # of the connection address (c=IN IP4 / IP6)
    proto: str = "RTP/AVP"  # the m-line's transport: RTP/SAVP asks for SRTP
    crypto: list[str] = field(default_factory=list)  # a=crypto values (SDES keys, RFC 4568)

    def dtmf_pt(self) -> int | None:
        for pt, name in self.rtpmap.items():
            if name.lower().startswith("telephone-event/"):
                return pt
        return None

    def codec_name(self, pt: int) -> str:
        if pt in self.rtpmap:
            return self.rtpmap[pt].split("/")[0].upper()
        return CODEC_NAMES.get(pt, "")


def parse_sdp(body: bytes | str) -> MediaDescription:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    session_host = ""
    session_type = "IP4"
    media: MediaDescription | None = None
    session_dir = "sendrecv"
    for raw in text.splitlines():
        line = raw.strip()
        if len(line) < 2 or line[1] != "=":
            continue
        kind, value = line[0], line[2:].strip()
        if kind == "c":
            parts = value.split()
            if len(parts) < 3:
                raise SdpError("bad c= line")
            host = parts[2].split("/")[0]
            addr_type = parts[1].upper()
            if media is None:
                session_host, session_type = host, addr_type
            else:
                media.host, media.addr_type = host, addr_type
        elif kind == "m":
            if media is not None:
                break  # only the first audio stream is used
            parts = value.split()
            if len(parts) < 4 or parts[0] != "audio":
                continue
            try:
                port = int(parts[1].split("/")[0])
                pts = [int(p) for p in parts[3:]]
            except ValueError as exc:
                raise SdpError("bad m= line") from exc
            if not 0 <= port < 65536:
                raise SdpError("bad port")
            media = MediaDescription(
                session_host, port, pts, direction=session_dir, addr_type=session_type, proto=parts[2]
            )
        elif kind == "a":
            attr, _, arg = value.partition(":")
            if attr in DIRECTIONS:
                if media is None:
                    session_dir = attr
                else:
                    media.direction = attr
            elif attr == "rtpmap" and media is not None:
                pt_text, _, enc = arg.partition(" ")
                if pt_text.isdigit():
                    media.rtpmap[int(pt_text)] = enc.strip()
            elif attr == "crypto" and media is not None:
                media.crypto.append(arg.strip())
            elif attr == "ptime" and media is not None and arg.strip().isdigit():
                media.ptime = int(arg.strip()) or 20
    if media is None:
        raise SdpError("no audio stream")
    if not media.host:
        raise SdpError("no connection address")
    return media


def negotiate(offer: MediaDescription, allowed: tuple[int, ...] = (PCMU, PCMA)) -> int | None:
    """The first payload type of the offer that we can encode (static or by rtpmap name)."""
    for pt in offer.payload_types:
        name = offer.codec_name(pt)
        for ours in allowed:
            if name == CODEC_NAMES[ours] and (pt == ours or pt >= 96 or pt in offer.rtpmap):
                return pt
    return None


def address_warning(md: MediaDescription) -> str | None:
    """The Warning header value (RFC 3261 20.43) when we cannot reach the offer's media address."""
    if md.addr_type != "IP4" or ":" in md.host:
        return '301 hotline "Incompatible network address formats: IPv4 media only"'
    return None


def reverse_direction(direction: str) -> str:
    return {"sendonly": "recvonly", "recvonly": "sendonly"}.get(direction, direction)


def build_sdp(
    host: str,
    port: int,
    codecs: list[int],
    *,
    dtmf_pt: int | None = DEFAULT_DTMF_PT,
    direction: str = "sendrecv",
    session_id: int | None = None,
    version: int = 1,
    codec_names: dict[int, str] | None = None,
    crypto: str = "",
) -> bytes:
    """Our SDP; with ``crypto`` (an ``a=crypto`` value) the stream is RTP/SAVP (SRTP, RFC 4568)."""
    sid = session_id if session_id is not None else int(time.time())
    pts = list(codecs) + ([dtmf_pt] if dtmf_pt is not None else [])
    names = codec_names or {}
    lines = [
        "v=0",
        f"o=hotline {sid} {version} IN IP4 {host}",
        "s=hotline",
        f"c=IN IP4 {host}",
        "t=0 0",
        f"m=audio {port} {'RTP/SAVP' if crypto else 'RTP/AVP'} {' '.join(str(p) for p in pts)}",
    ]
    for pt in codecs:
        lines.append(f"a=rtpmap:{pt} {names.get(pt, CODEC_NAMES.get(pt, 'PCMU'))}/8000")
    if dtmf_pt is not None:
        lines.append(f"a=rtpmap:{dtmf_pt} telephone-event/8000")
        lines.append(f"a=fmtp:{dtmf_pt} 0-16")
    if crypto:
        lines.append(f"a=crypto:{crypto}")
    lines.append("a=ptime:20")
    lines.append(f"a={direction}")
    return ("\r\n".join(lines) + "\r\n").encode()
