"""RFC 3261 section 17 transactions (with the RFC 6026 "Accepted" state) and their timers.

The transaction layer is what makes SIP over UDP reliable: client transactions retransmit requests
(timers A/E, doubling from T1 up to T2) until a response or the 64*T1 timeout (B/F, reported to the
caller as a synthesized 408); server transactions absorb retransmitted requests by resending the last
response, retransmit non-2xx INVITE finals until the ACK (G/H), linger to absorb late copies (I/J/K/D)
and, for 2xx to INVITE, retransmit the 200 until the ACK arrives in its own transaction (RFC 3261
13.3.1.4). Over TCP no retransmission timers run and linger times are zero. Timers are plain
``loop.call_later`` handles so thousands of transactions cost no tasks.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from dataclasses import dataclass

from hotline.sip.message import SipRequest, SipResponse, make_response, parse_via
from hotline.sip.transport import Source


@dataclass
class Timers:
    t1: float = 0.5
    t2: float = 4.0
    t4: float = 5.0


def new_branch() -> str:
    return "z9hG4bK" + os.urandom(8).hex()


def _server_key(req: SipRequest) -> tuple[str, str, str]:
    via = parse_via(req.get("Via") or "")
    method = "INVITE" if req.method == "ACK" else req.method
    branch = via.branch
    if not branch.startswith("z9hG4bK"):
        # RFC 2543 peers: fall back to the dialog-ish identity of the request.
        branch = f"{req.call_id}|{req.cseq[0]}|{req.get('From')}"
    return branch, f"{via.host}:{via.port or 5060}", method


class ServerTransaction:
    def __init__(self, layer: TransactionLayer, req: SipRequest, source: Source) -> None:
        self.layer = layer
        self.request = req
        self.source = source
        self.key = _server_key(req)
        self.is_invite = req.method == "INVITE"
        self.state = "trying"
        self.last: bytes | None = None
        self.final: SipResponse | None = None
        self.on_ack_timeout: Callable[[], None] | None = None
        self._retx: asyncio.TimerHandle | None = None
        self._end: asyncio.TimerHandle | None = None
        self._interval = layer.timers.t1

    @property
    def reliable(self) -> bool:
        return self.source.proto != "UDP"

    def response(self, status: int, reason: str, to_tag: str = "") -> SipResponse:
        return make_response(self.request, status, reason, to_tag=to_tag)

    def respond(self, resp: SipResponse) -> None:
        if self.state in ("completed", "confirmed", "terminated", "accepted"):
            return  # a final response was already sent
        self.last = resp.to_bytes()
        self.layer.send(self.last, self.source)
        if resp.status < 200:
            self.state = "proceeding"
            return
        self.final = resp
        loop = self.layer.loop
        t = self.layer.timers
        if not self.is_invite:
            self.state = "completed"
            self._end = loop.call_later(0 if self.reliable else 64 * t.t1, self.terminate)  # Timer J
            return
        if resp.status < 300:
            self.state = "accepted"
            self.layer.accepted[(self.request.call_id, self.request.cseq[0])] = self
        else:
            self.state = "completed"
        if not self.reliable:
            self._retx = loop.call_later(self._interval, self._retransmit)  # Timer G / 2xx retransmit
        self._end = loop.call_later(64 * t.t1, self._ack_timeout)  # Timer H / L

    def _retransmit(self) -> None:
        if self.last is None or self.state not in ("completed", "accepted"):
            return
        self.layer.send(self.last, self.source)
        self._interval = min(self._interval * 2, self.layer.timers.t2)
        self._retx = self.layer.loop.call_later(self._interval, self._retransmit)

    def _ack_timeout(self) -> None:
        waiting = self.state in ("completed", "accepted")
        self.terminate()
        if waiting and self.on_ack_timeout is not None:
            self.on_ack_timeout()

    def on_retransmit(self, req: SipRequest) -> None:
        if req.method == "ACK":
            self.on_ack()
        elif self.last is not None and self.state != "accepted":
            self.layer.send(self.last, self.source)

    def on_ack(self) -> None:
        if self._retx is not None:
            self._retx.cancel()
            self._retx = None
        if self.state == "completed":
            self.state = "confirmed"
            if self._end is not None:
                self._end.cancel()
            self._end = self.layer.loop.call_later(
                0 if self.reliable else self.layer.timers.t4, self.terminate
            )
        elif self.state == "accepted":
            # Keep absorbing INVITE retransmissions until Timer L, but stop resending the 2xx.
            self.state = "acked"

    def terminate(self) -> None:
        self.state = "terminated"
        for handle in (self._retx, self._end):
            if handle is not None:
                handle.cancel()
        self.layer.server.pop(self.key, None)
        akey = (self.request.call_id, self.request.cseq[0])
        if self.layer.accepted.get(akey) is self:
            del self.layer.accepted[akey]


OnResponse = Callable[[SipResponse], None]


class ClientTransaction:
    def __init__(
        self, layer: TransactionLayer, req: SipRequest, dest: Source, on_response: OnResponse
    ) -> None:
        self.layer = layer
        self.request = req
        self.dest = dest
        self.on_response = on_response
        self.branch = parse_via(req.get("Via") or "").branch
        self.key = (self.branch, req.method)
        self.is_invite = req.method == "INVITE"
        self.state = "calling" if self.is_invite else "trying"
        self.data = req.to_bytes()
        self.ack: bytes | None = None
        self._interval = layer.timers.t1
        self._retx: asyncio.TimerHandle | None = None
        self._end: asyncio.TimerHandle | None = None

    @property
    def reliable(self) -> bool:
        return self.dest.proto != "UDP"

    def start(self) -> None:
        self.layer.send(self.data, self.dest)
        loop, t = self.layer.loop, self.layer.timers
        if not self.reliable:
            self._retx = loop.call_later(self._interval, self._retransmit)  # Timer A / E
        self._end = loop.call_later(64 * t.t1, self._timeout)  # Timer B / F

    def _retransmit(self) -> None:
        if self.state not in ("calling", "trying", "proceeding"):
            return
        if self.is_invite and self.state == "proceeding":
            return
        self.layer.send(self.data, self.dest)
        if self.is_invite:
            self._interval *= 2
        else:
            self._interval = min(self._interval * 2, self.layer.timers.t2)
        self._retx = self.layer.loop.call_later(self._interval, self._retransmit)

    def _timeout(self) -> None:
        if self.state in ("calling", "trying", "proceeding"):
            self.terminate()
            self.on_response(make_response(self.request, 408, "Request Timeout"))
        else:
            self.terminate()

    def receive(self, resp: SipResponse) -> None:
        t = self.layer.timers
        loop = self.layer.loop
        if resp.status < 200:
            if self.state in ("calling", "trying", "proceeding"):
                self.state = "proceeding"
                if not self.is_invite and self._retx is not None and not self.reliable:
                    self._retx.cancel()
                    self._interval = t.t2
                    self._retx = loop.call_later(self._interval, self._retransmit)
                self.on_response(resp)
            return
        if self.is_invite and resp.status < 300:
            first = self.state != "accepted"
            if first:
                self._cancel_timers()
                self.state = "accepted"
                self._end = loop.call_later(64 * t.t1, self.terminate)  # Timer M
            self.on_response(resp)  # 2xx retransmissions go up too: the dialog re-sends its ACK
            return
        if self.state in ("completed", "terminated", "accepted"):
            if self.ack is not None:
                self.layer.send(self.ack, self.dest)  # retransmitted final: absorb, re-ACK
            return
        self._cancel_timers()
        self.state = "completed"
        if self.is_invite:
            self.ack = self._build_ack(resp).to_bytes()
            self.layer.send(self.ack, self.dest)
            linger = 0 if self.reliable else 32.0  # Timer D
        else:
            linger = 0 if self.reliable else t.t4  # Timer K
        self._end = loop.call_later(linger, self.terminate)
        self.on_response(resp)

    def _build_ack(self, resp: SipResponse) -> SipRequest:
        req = self.request
        ack = SipRequest(method="ACK", uri=req.uri)
        ack.add("Via", req.get("Via") or "")
        for name in ("Route",):
            for value in req.get_all(name):
                ack.add(name, value)
        ack.add("From", req.get("From") or "")
        ack.add("To", resp.get("To") or "")
        ack.add("Call-ID", req.call_id)
        ack.add("CSeq", f"{req.cseq[0]} ACK")
        ack.add("Max-Forwards", "70")
        return ack

    def _cancel_timers(self) -> None:
        for handle in (self._retx, self._end):
            if handle is not None:
                handle.cancel()
        self._retx = self._end = None

    def terminate(self) -> None:
        self._cancel_timers()
        self.state = "terminated"
        if self.layer.client.get(self.key) is self:
            del self.layer.client[self.key]


class TransactionLayer:
    def __init__(self, send: Callable[[bytes, Source], None], timers: Timers | None = None) -> None:
        self.send = send
        self.timers = timers or Timers()
        self.server: dict[tuple[str, str, str], ServerTransaction] = {}
        self.client: dict[tuple[str, str], ClientTransaction] = {}
        self.accepted: dict[tuple[str, int], ServerTransaction] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def match_request(self, req: SipRequest) -> ServerTransaction | None:
        """An existing server transaction this request belongs to (a retransmission or non-2xx ACK)."""
        tx = self.server.get(_server_key(req))
        if tx is not None:
            tx.on_retransmit(req)
            return tx
        if req.method == "ACK":
            acc = self.accepted.get((req.call_id, req.cseq[0]))
            if acc is not None:
                acc.on_ack()
        return None

    def find_invite(self, cancel: SipRequest) -> ServerTransaction | None:
        branch, sent_by, _ = _server_key(cancel)
        return self.server.get((branch, sent_by, "INVITE"))

    def new_server(self, req: SipRequest, source: Source) -> ServerTransaction:
        tx = ServerTransaction(self, req, source)
        if req.method != "ACK":
            self.server[tx.key] = tx
        return tx

    def new_client(self, req: SipRequest, dest: Source, on_response: OnResponse) -> ClientTransaction:
        tx = ClientTransaction(self, req, dest, on_response)
        self.client[tx.key] = tx
        tx.start()
        return tx

    def on_response(self, resp: SipResponse) -> bool:
        via = resp.get("Via")
        if via is None:
            return False
        key = (parse_via(via).branch, resp.cseq[1])
        tx = self.client.get(key)
        if tx is None:
            return False
        tx.receive(resp)
        return True

    def clear(self) -> None:
        for stx in list(self.server.values()):
            stx.terminate()
        for ctx in list(self.client.values()):
            ctx.terminate()
