"""Which SDP a leg may accept when SRTP (SDES, RFC 4568) is in play.

SDES puts the media keys in the SDP, so an RTP/SAVP offer or answer is accepted only when it came
over SIP/TLS (over UDP or TCP anyone on the path could read the keys: refused with 488 and the RFC
3261 Warning 302) and carries a crypto suite we have (``hotline.media.srtp``); a call whose media is
encrypted stays so (a re-INVITE or answer back to plain RTP/AVP is refused). The leg keeps the keys
(``Leg.srtp``); this module only judges.
"""

from __future__ import annotations

from hotline.media.srtp import DEFAULT_SUITE, SAVP, pick
from hotline.sip.sdp import MediaDescription

_WARN = '302 hotline "Incompatible transport protocol: {}"'


def refusal(md: MediaDescription, signalling: str, encrypted: bool) -> str | None:
    """The Warning header value when ``md`` cannot be accepted on a leg signalled over
    ``signalling`` ("UDP", "TCP", "TLS", ...) whose media is (``encrypted``) or is not SRTP."""
    if md.proto == SAVP:
        if signalling != "TLS":
            return _WARN.format("SRTP keys (SDES) are accepted over SIP/TLS only")
        if pick(md.crypto) is None:
            return _WARN.format(f"no supported crypto suite (we have {DEFAULT_SUITE})")
        return None
    if encrypted and md.proto == "RTP/AVP":
        return _WARN.format("this call's media is encrypted (RTP/SAVP)")
    return None
