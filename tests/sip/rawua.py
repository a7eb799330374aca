"""A hand-driven SIP user agent with its own RTP socket, for media and in-dialog tests on real UDP.

SIPp cannot check that a response belongs to the transaction it answers (it matches by Call-ID) nor
switch SSRC or media port on cue; this agent can. It plays either side: a trunk caller (``invite``)
or a registered agent phone (``answer_incoming``), then sends in-dialog requests with a branch and
CSeq the test knows, and reads/sends RTP on a socket bound to its own loopback address.
"""

from __future__ import annotations

import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from hotline.sip.message import SipMessage, SipRequest, SipResponse, parse_message, parse_name_addr
from hotline.sip.sdp import parse_sdp

RTP_HDR = struct.Struct("!BBHII")


def rtp_packet(seq: int, ts: int, ssrc: int, payload: bytes, pt: int = 0) -> bytes:
    return RTP_HDR.pack(0x80, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


def udp_socket(ip: str) -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((ip, 0))
    return s


@dataclass
class Dialog:
    call_id: str
    local: str  # our From for requests we send, with its tag
    remote: str  # their address with its tag
    ruri: str
    cseq: int


class RawUa:
    def __init__(self, ip: str, engine_port: int) -> None:
        self.ip = ip
        self.sip = udp_socket(ip)
        self.port = int(self.sip.getsockname()[1])
        self.rtp = udp_socket(ip)
        self.engine = ("127.0.0.1", engine_port)
        self.backlog: list[SipMessage] = []

    def close(self) -> None:
        self.sip.close()
        self.rtp.close()

    @property
    def rtp_port(self) -> int:
        return int(self.rtp.getsockname()[1])

    def sdp(self, direction: str = "sendrecv", port: int | None = None, family: str = "IP4") -> str:
        host = "::1" if family == "IP6" else self.ip
        return (
            f"v=0\r\no=ua 1 {int(time.time() * 1000) % 100000} IN {family} {host}\r\ns=-\r\n"
            f"c=IN {family} {host}\r\nt=0 0\r\nm=audio {port or self.rtp_port} RTP/AVP 0 101\r\n"
            "a=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            f"a={direction}\r\n"
        )

    # ---- SIP -----------------------------------------------------------------------------------
    def send(self, data: bytes) -> None:
        self.sip.sendto(data, self.engine)

    def expect(self, pred: Callable[[SipMessage], bool], timeout: float = 10.0) -> SipMessage:
        """The next message matching ``pred`` (others are kept for later ``expect`` calls)."""
        for msg in self.backlog:
            if pred(msg):
                self.backlog.remove(msg)
                return msg
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no expected SIP message; backlog {self.backlog}")
            self.sip.settimeout(left)
            try:
                data = self.sip.recv(65535)
            except TimeoutError:
                continue
            msg = parse_message(data)
            if pred(msg):
                return msg
            self.backlog.append(msg)

    def final(self, method: str, timeout: float = 10.0) -> SipResponse:
        msg = self.expect(
            lambda m: isinstance(m, SipResponse) and m.status >= 200 and m.cseq[1] == method, timeout
        )
        assert isinstance(msg, SipResponse)
        return msg

    def request_in(self, method: str, timeout: float = 10.0) -> SipRequest:
        msg = self.expect(lambda m: isinstance(m, SipRequest) and m.method == method, timeout)
        assert isinstance(msg, SipRequest)
        return msg

    def build(self, method: str, dlg: Dialog, branch: str, body: str = "", extra: str = "") -> bytes:
        ctype = "Content-Type: application/sdp\r\n" if body else ""
        return (
            f"{method} {dlg.ruri} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {self.ip}:{self.port};branch={branch};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: {dlg.local}\r\nTo: {dlg.remote}\r\nCall-ID: {dlg.call_id}\r\n"
            f"CSeq: {dlg.cseq} {method}\r\n"
            f"Contact: <sip:ua@{self.ip}:{self.port}>\r\n{extra}{ctype}"
            f"Content-Length: {len(body.encode())}\r\n\r\n{body}"
        ).encode()

    def respond(self, req: SipRequest, status: int, reason: str, to_tag: str = "", body: str = "") -> None:
        lines = [f"SIP/2.0 {status} {reason}"]
        for name, value in req.headers:
            if name == "To" and to_tag and ";tag=" not in value:
                value = f"{value};tag={to_tag}"
            if name in ("Via", "From", "To", "Call-ID", "CSeq", "Record-Route"):
                lines.append(f"{name}: {value}")
        lines.append(f"Contact: <sip:ua@{self.ip}:{self.port}>")
        if body:
            lines.append("Content-Type: application/sdp")
        lines.append(f"Content-Length: {len(body.encode())}")
        self.send(("\r\n".join(lines) + "\r\n\r\n" + body).encode())

    def invite(self, ext: str, body: str) -> Dialog:
        """Start calling ``ext`` as a trunk; ``answered`` then waits for the final response."""
        tag = os.urandom(4).hex()
        dlg = Dialog(
            call_id=os.urandom(8).hex(),
            local=f"<sip:13800000000@{self.ip}>;tag={tag}",
            remote=f"<sip:{ext}@127.0.0.1>",
            ruri=f"sip:{ext}@127.0.0.1:{self.engine[1]}",
            cseq=1,
        )
        self.send(self.build("INVITE", dlg, new_branch(), body))
        return dlg

    def answered(self, dlg: Dialog, timeout: float = 20.0, ack_body: str = "") -> SipResponse:
        """The INVITE's final response, ACKed (with ``ack_body``, an answer to an offer in a 2xx);
        a 2xx completes the dialog (the engine's To tag)."""
        resp = self.final("INVITE", timeout)
        if resp.status < 300:
            dlg.remote = resp.get("To") or ""
        self.ack(dlg, ack_body)  # (for a non-2xx a real UA would reuse the INVITE's branch)
        return resp

    def ack(self, dlg: Dialog, body: str = "") -> None:
        self.send(self.build("ACK", dlg, new_branch(), body))

    def answer_incoming(self, timeout: float = 10.0, family: str = "IP4") -> tuple[Dialog, SipRequest]:
        """As a registered phone: answer the engine's INVITE with our SDP, wait for its ACK."""
        inv = self.request_in("INVITE", timeout)
        tag = os.urandom(4).hex()
        self.respond(inv, 180, "Ringing", tag)
        self.respond(inv, 200, "OK", tag, self.sdp(family=family))
        self.request_in("ACK", timeout)
        contact = parse_name_addr(inv.get("Contact") or "").uri
        dlg = Dialog(
            call_id=inv.call_id,
            local=f"{inv.get('To')};tag={tag}",
            remote=inv.get("From") or "",
            ruri=contact,
            cseq=1,
        )
        return dlg, inv

    def reinvite(self, dlg: Dialog, body: str, extra: str = "") -> str:
        """Send a re-INVITE with a fresh branch (returned); ``answered`` then reads the answer."""
        dlg.cseq += 1
        branch = new_branch()
        self.send(self.build("INVITE", dlg, branch, body, extra))
        return branch

    def answer_reinvite(self, timeout: float = 10.0) -> SipRequest:
        """Answer the engine's re-INVITE (a relayed hold) with the mirrored direction."""
        inv = self.request_in("INVITE", timeout)
        direction = parse_sdp(inv.body).direction
        mirrored = {"sendonly": "recvonly", "recvonly": "sendonly"}.get(direction, direction)
        self.respond(inv, 200, "OK", body=self.sdp(mirrored))
        self.request_in("ACK", timeout)
        return inv

    # ---- RTP -----------------------------------------------------------------------------------
    def send_rtp(
        self, port: int, seq: int, ssrc: int, payload: bytes, sock: socket.socket | None = None
    ) -> None:
        (sock or self.rtp).sendto(rtp_packet(seq, seq * 160, ssrc, payload), ("127.0.0.1", port))

    def payloads(self, sock: socket.socket | None = None, wait: float = 0.0) -> list[bytes]:
        """Every RTP payload waiting on the socket; with ``wait``, also what arrives until the stream
        has been quiet that long (a loaded engine may relay late and in bursts)."""
        s = sock or self.rtp
        out: list[bytes] = []
        s.settimeout(wait if wait > 0 else 0.001)
        while True:
            try:
                data = s.recv(2048)
            except (TimeoutError, BlockingIOError):
                return out
            out.append(data[12:])


def new_branch() -> str:
    return "z9hG4bK" + os.urandom(6).hex()


def engine_rtp_port(msg: SipMessage) -> int:
    """The engine's RTP port from the SDP in ``msg`` (its 200 OK or its INVITE)."""
    return parse_sdp(msg.body).port
