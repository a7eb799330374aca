"""A caller who cancels 1-5 ms after the INVITE: the call ends cleanly whatever the timing, with a
final CDR (abandoned in the IVR) and nothing left among the call center's live calls.

The caller is a plain UDP socket on the trunk address (as tests/sip_raw.py), because the race needs
the CANCEL sent at a set delay after the INVITE whatever has been received by then, and a correct
caller must cope with either answer: 487 to its INVITE (cancelled in time) or a 200 that crossed
the CANCEL (ACK it, then BYE).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable

import pytest

from hotline.sip.message import SipResponse, parse_message, parse_name_addr
from tests.callcenter.rig import Rig
from tests.sip.harness import TRUNK_IP

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
MakeRig = Callable[..., Rig]
SDP = (
    "v=0\r\no=c 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
    "m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
)


def _msg(
    method: str,
    ruri: str,
    src: tuple[str, int],
    branch: str,
    ids: dict[str, str],
    cseq: int,
    to_tag: str = "",
    body: str = "",
) -> bytes:
    to = "<sip:12345@127.0.0.1>" + (f";tag={to_tag}" if to_tag else "")
    head = (
        f"{method} {ruri} SIP/2.0\r\nVia: SIP/2.0/UDP {src[0]}:{src[1]};branch={branch}\r\n"
        f"Max-Forwards: 70\r\nFrom: <sip:{ids['number']}@{src[0]}>;tag={ids['tag']}\r\nTo: {to}\r\n"
        f"Call-ID: {ids['call_id']}\r\nCSeq: {cseq} {method if method != 'CANCEL' else 'CANCEL'}\r\n"
        f"Contact: <sip:{ids['number']}@{src[0]}:{src[1]}>\r\n"
    )
    if body:
        head += "Content-Type: application/sdp\r\n"
    return f"{head}Content-Length: {len(body)}\r\n\r\n{body}".encode()


def early_cancel(sip_port: int, number: str, delay: float) -> str:
    """INVITE, CANCEL `delay` seconds later, then finish the dialog whichever way it went."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((TRUNK_IP, 0))
        sock.settimeout(10)
        src = sock.getsockname()
        engine = ("127.0.0.1", sip_port)
        ruri = f"sip:12345@127.0.0.1:{sip_port}"
        ids = {"number": number, "tag": os.urandom(3).hex(), "call_id": os.urandom(6).hex()}
        branch = f"z9hG4bK{os.urandom(5).hex()}"
        sdp = SDP.format(ip=TRUNK_IP, port=src[1] + 2)
        sock.sendto(_msg("INVITE", ruri, src, branch, ids, 1, body=sdp), engine)
        time.sleep(delay)
        sock.sendto(_msg("CANCEL", ruri, src, branch, ids, 1), engine)
        while True:
            msg = parse_message(sock.recvfrom(65535)[0])
            assert isinstance(msg, SipResponse), msg
            method, status = msg.cseq[1], msg.status
            if method != "INVITE" or status < 200:
                continue
            to_tag = parse_name_addr(msg.get("To") or "").tag or ""
            if status == 487:
                sock.sendto(_msg("ACK", ruri, src, branch, ids, 1, to_tag), engine)
                return "cancelled"
            assert status == 200, status  # the answer crossed the CANCEL: a normal hang-up then
            sock.sendto(_msg("ACK", ruri, src, f"z9hG4bK{os.urandom(5).hex()}", ids, 1, to_tag), engine)
            sock.sendto(_msg("BYE", ruri, src, f"z9hG4bK{os.urandom(5).hex()}", ids, 2, to_tag), engine)
            while True:
                msg = parse_message(sock.recvfrom(65535)[0])
                if isinstance(msg, SipResponse) and msg.cseq[1] == "BYE" and msg.status == 200:
                    return "hung_up"


def test_cancel_right_after_invite_ends_the_call_cleanly(make_rig: MakeRig) -> None:
    rig = make_rig()
    ways = [early_cancel(rig.et.port, f"138000001{i:02d}", i % 6 / 1000) for i in range(18)]
    rig.wait(
        lambda: len(rig.calls()) == len(ways) and all(c.state == "ended" for c in rig.calls()),
        what="every CDR closed",
    )
    assert {c.outcome for c in rig.calls()} == {"abandoned_ivr"}, ways
    rig.wait(lambda: not rig.center.live, what="no call left in the call center")
