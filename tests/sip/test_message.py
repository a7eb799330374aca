"""Parser/serializer against real-world quirks and bad input."""

from __future__ import annotations

import pytest

from hotline.sip.message import (
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_message,
    parse_name_addr,
    parse_uri,
    parse_via,
)

QUIRKY = (
    b"INVITE sip:1001@example.com SIP/2.0\n"
    b"v: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bK2\n"
    b"VIA: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3;rport\n"
    b'f: "Zhang, San" <sip:zs@example.com>;tag=abc\n'
    b"t: <sip:1001@example.com>\n"
    b"i: call-1@10.0.0.1\n"
    b"cseq: 1 INVITE\n"
    b"subject: a folded\n"
    b"   subject line\n"
    b"c: application/sdp\n"
    b"l: 4\n"
    b"\n"
    b"v=0\nextra"
)


def test_quirky_request() -> None:
    msg = parse_message(QUIRKY)
    assert isinstance(msg, SipRequest)
    assert msg.method == "INVITE"
    assert len(msg.get_all("via")) == 3
    assert parse_via(msg.get_all("Via")[1]).transport == "TCP"
    assert parse_via(msg.get_all("Via")[2]).params == {"branch": "z9hG4bK3", "rport": ""}
    assert msg.get("Subject") == "a folded subject line"
    assert msg.call_id == "call-1@10.0.0.1"
    assert msg.cseq == (1, "INVITE")
    assert msg.body == b"v=0\n"
    frm = parse_name_addr(msg.get("From") or "")
    assert frm.display == "Zhang, San" and frm.tag == "abc"


def test_round_trip() -> None:
    msg = parse_message(QUIRKY)
    again = parse_message(msg.to_bytes())
    assert again.headers == msg.headers and again.body == msg.body
    assert b"Content-Length: 4\r\n" in msg.to_bytes()


def test_response_and_make_response() -> None:
    req = parse_message(QUIRKY)
    assert isinstance(req, SipRequest)
    resp = make_response(req, 180, "Ringing", to_tag="xyz")
    parsed = parse_message(resp.to_bytes())
    assert isinstance(parsed, SipResponse) and parsed.status == 180
    assert parse_name_addr(parsed.get("To") or "").tag == "xyz"
    assert len(parsed.get_all("Via")) == 3


def test_uri() -> None:
    uri = parse_uri("sip:1001:pw@[::1]:5070;transport=tcp;lr")
    assert (uri.user, uri.host, uri.port) == ("1001", "::1", 5070)
    assert uri.params == {"transport": "tcp", "lr": ""}
    assert str(parse_uri("sip:alice@host")) == "sip:alice@host"


HDR = (
    b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nFrom: <sip:a@b>\r\nTo: <sip:a@b>\r\n"
    b"Call-ID: 1\r\nCSeq: 1 OPTIONS\r\n\r\n"
)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\r\n\r\n",
        b"garbage",
        b"INVITE sip:a@b\r\n\r\n",
        b"SIP/2.0 99 Nope\r\n\r\n",
        b"SIP/2.0 abc OK\r\n\r\n",
        b"INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n",
        HDR.replace(b"SIP/2.0/UDP h", b"x"),
        HDR.replace(b"1 OPTIONS", b"x OPTIONS"),
        HDR.replace(b"1 OPTIONS", b"1 INVITE"),
        HDR[:-2] + b"Content-Length: 99\r\n\r\nshort",
        b"OPTIONS sip:a@b SIP/2.0\r\n bad fold\r\n\r\n",
        b"OPTIONS sip:a@b SIP/2.0\r\nno colon here\r\n\r\n",
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:99999\r\n\r\n",
        b"\xff\xfe\xfd SIP/2.0\r\n\r\n",
        b"X" * 70000,
    ],
)
def test_bad_input_raises_typed_error(data: bytes) -> None:
    with pytest.raises(SipParseError):
        parse_message(data)
