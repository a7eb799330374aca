"""SDP parse/negotiate/build."""

from __future__ import annotations

import pytest

from hotline.sip.sdp import SdpError, address_warning, build_sdp, negotiate, parse_sdp

OFFER = b"""v=0
o=- 1 1 IN IP4 10.0.0.5
s=-
c=IN IP4 10.0.0.5
t=0 0
m=audio 4000 RTP/AVP 9 8 0 101
a=rtpmap:9 G722/8000
a=rtpmap:101 telephone-event/8000
a=sendonly
"""


def test_parse_and_negotiate() -> None:
    md = parse_sdp(OFFER)
    assert (md.host, md.port, md.direction) == ("10.0.0.5", 4000, "sendonly")
    assert md.dtmf_pt() == 101
    assert negotiate(md) == 8
    assert negotiate(md, (0,)) == 0


def test_build_round_trip() -> None:
    md = parse_sdp(build_sdp("127.0.0.1", 20000, [0, 8], direction="inactive"))
    assert md.payload_types == [0, 8, 101] and md.port == 20000 and md.direction == "inactive"


def test_no_audio() -> None:
    with pytest.raises(SdpError):
        parse_sdp(b"v=0\r\nm=video 1 RTP/AVP 96\r\n")
    md = parse_sdp(OFFER.replace(b"9 8 0 101", b"9 101"))
    assert negotiate(md) is None


def test_ipv6_connection_address_is_flagged() -> None:
    assert address_warning(parse_sdp(OFFER)) is None
    md = parse_sdp(OFFER.replace(b"c=IN IP4 10.0.0.5", b"c=IN IP6 2001:db8::5"))
    assert md.addr_type == "IP6"
    assert (address_warning(md) or "").startswith("301 ")
