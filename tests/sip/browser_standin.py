"""What a browser's WebRTC stack answers, for the stand-in (a second rtpengine in front of a plain
socket) used by tests/sip/test_webrtc_bridge.py and bench/softphone_legs.py.

Chrome answers an offer with the first codec of it that it supports: Opus when the bridge offers
it first. The stand-in is an rtpengine, which would pass G.711 through instead; handed the offer
with Opus and telephone-event/48000 only, and :data:`STANDIN_OPUS`, it must answer Opus and
transcode to its plain socket's PCMU, as a browser decodes Opus to its speaker.
"""

from __future__ import annotations

import re
from typing import Any

STANDIN_OPUS: dict[str, Any] = {"codec": {"transcode": ["PCMU", "telephone-event"]}}


def codecs(sdp: bytes | str) -> list[str]:
    """The m-line's formats by name, in order ("opus/48000/2", "PCMU/8000", ...)."""
    text = sdp.decode() if isinstance(sdp, bytes) else sdp
    names = dict(re.findall(r"a=rtpmap:(\d+) (\S+)", text))
    line = next(x for x in text.splitlines() if x.startswith("m=audio"))
    return [names.get(pt, pt) for pt in line.split()[3:]]


def dtmf_pt(sdp: bytes) -> int:
    """The payload type of telephone-event/8000 (what a plain side sends digits with)."""
    return int(re.findall(r"a=rtpmap:(\d+) telephone-event/8000", sdp.decode())[0])


def picks_opus(sdp: bytes) -> bytes:
    """The offer as Chrome uses it when Opus is first: Opus and telephone-event/48000 only."""
    text = sdp.decode()
    keep = {
        pt
        for pt, name in re.findall(r"a=rtpmap:(\d+) (\S+)", text)
        if name.startswith(("opus/", "telephone-event/48000"))
    }
    lines = []
    for line in text.splitlines():
        if line.startswith("m=audio"):
            fields = line.split()
            line = " ".join(fields[:3] + [pt for pt in fields[3:] if pt in keep])
        attr = re.match(r"a=(?:rtpmap|fmtp|rtcp-fb):(\d+)", line)
        if attr is None or attr.group(1) in keep:
            lines.append(line)
    return ("\r\n".join(lines) + "\r\n").encode()
