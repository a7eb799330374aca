"""The standby's answers on the SIP port: 200 to the edge's OPTIONS probes, 503 with Retry-After
to anything else (the edge tries the next node), nothing to ACKs, responses or garbage."""

from __future__ import annotations

from hotline.ha.standby import answer
from tests.sip_raw import request


def test_probe_is_answered_and_calls_are_sent_on() -> None:
    options = answer(request("OPTIONS", 5060, ("127.0.0.1", 4000), "probe"))
    assert options is not None
    text = options.decode()
    assert text.startswith("SIP/2.0 200 OK\r\n") and ";tag=standby" in text and "CSeq: 1 OPTIONS" in text
    invite = answer(request("INVITE", 5060, ("127.0.0.1", 4000), "12345"))
    assert invite is not None and invite.decode().startswith("SIP/2.0 503 ")
    assert "Retry-After: 1\r\n" in invite.decode()


def test_nothing_for_acks_responses_and_garbage() -> None:
    assert answer(request("ACK", 5060, ("127.0.0.1", 4000), "12345")) is None
    assert answer(b"SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n") is None
    assert answer(b"\xff\xfe not sip") is None
    assert answer(b"hello") is None
