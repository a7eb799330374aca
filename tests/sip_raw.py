"""Hand-written SIP over a plain UDP socket, for tests that need a phone or a carrier in a few lines."""

from __future__ import annotations

import os
import socket

from hotline.sip.auth import client_authorization
from hotline.sip.message import SipRequest, SipResponse, parse_message


def request(
    method: str,
    sip_port: int,
    src: tuple[str, int],
    user: str,
    extra: str = "",
    body: str = "",
    *,
    from_user: str = "",
) -> bytes:
    """An out-of-dialog request to ``user`` at the engine on 127.0.0.1:``sip_port``, sent from ``src``
    (From ``from_user``, by default ``user`` too)."""
    ruri = f"sip:{user}@127.0.0.1:{sip_port}"
    head = (
        f"{method} {ruri} SIP/2.0\r\n"
        f"Via: SIP/2.0/UDP {src[0]}:{src[1]};branch=z9hG4bK{os.urandom(5).hex()};rport\r\n"
        "Max-Forwards: 70\r\n"
        f"From: <sip:{from_user or user}@{src[0]}>;tag={os.urandom(3).hex()}\r\n"
        f"To: <sip:{user}@127.0.0.1>\r\n"
        f"Call-ID: {os.urandom(6).hex()}\r\n"
        f"CSeq: 1 {method}\r\n"
        f"Contact: <sip:{user}@{src[0]}:{src[1]}>\r\n"
        f"{extra}"
        f"Content-Length: {len(body.encode())}\r\n\r\n"
    )
    return head.encode() + body.encode()


def final(sock: socket.socket) -> SipResponse:
    """The next final (or 180) response on ``sock``, skipping 100 Trying."""
    while True:
        msg = parse_message(sock.recvfrom(65535)[0])
        assert isinstance(msg, SipResponse)
        if msg.status >= 200 or msg.status == 180:
            return msg


def ack(invite: bytes, resp: SipResponse) -> bytes:
    """The ACK of a non-2xx final response to ``invite`` (same branch, RFC 3261 17.1.1.3): without it
    the engine retransmits that response, which a later read would take for another answer."""
    msg = parse_message(invite)
    assert isinstance(msg, SipRequest)
    return (
        f"ACK {msg.uri} SIP/2.0\r\nVia: {msg.get('Via')}\r\nMax-Forwards: 70\r\n"
        f"From: {msg.get('From')}\r\nTo: {resp.get('To')}\r\nCall-ID: {msg.call_id}\r\n"
        f"CSeq: {msg.cseq[0]} ACK\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def register(sock: socket.socket, sip_port: int, extension: str, password: str, expires: int = 300) -> int:
    """REGISTER ``extension`` from ``sock``'s address, answering the digest challenge; the final status."""
    src = sock.getsockname()
    sock.sendto(
        request("REGISTER", sip_port, src, extension, f"Expires: {expires}\r\n"), ("127.0.0.1", sip_port)
    )
    challenge = final(sock)
    if challenge.status != 401:
        return challenge.status
    uri = f"sip:{extension}@127.0.0.1:{sip_port}"
    answer = client_authorization(
        challenge.get("WWW-Authenticate") or "", "REGISTER", uri, extension, password
    )
    extra = f"Expires: {expires}\r\nAuthorization: {answer}\r\n"
    sock.sendto(request("REGISTER", sip_port, src, extension, extra), ("127.0.0.1", sip_port))
    return final(sock).status
