"""The telephony engine: SIP over UDP+TCP, registrar, inbound/outbound calls, and the call-control API.

``TelephonyEngine(settings, bus, credentials)`` listens on ``settings.sip.host:port``. Every datagram
or TCP frame is rate-limited per source IP, parsed (a UDP datagram over 16 KB gets a 513 read from
its first headers only; a bad message gets a 400 if it can be answered at all, otherwise it is
dropped and logged), matched against transactions (retransmissions absorbed) and
dispatched: REGISTER to the registrar, OPTIONS answered, new INVITEs from trunk peers accepted without
auth and from anyone else only with valid digest credentials, in-dialog requests to their leg, unknown
methods 501. An accepted INVITE becomes a :class:`Call` with one inbound :class:`Leg` handed to
``on_inbound`` (set by the call-center) or, when unset, to :func:`default_route`. ``originate`` rings
a registered extension, a SIP URI or an external number through the outbound trunk. Housekeeping ends
legs whose RTP went silent for ``rtp_timeout_seconds`` (cause ``rtp_timeout``), sends RTCP reports and
qualifies registered phones with OPTIONS.

The engine is the top of a one-way stack and the only module that knows all of it: leg primitives
(``leg``) ← calls and bridging (``b2bua``) ← dialog handling (``indialog``) and originating
(``outbound``, ``qualify``) ← calls routing (``routing``) ← taking calls (``inbound``) ← this
dispatch. Each layer states what it uses of the engine as a Protocol that this class satisfies.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from hotline.bus import Bus
from hotline.config import Settings, SipSettings
from hotline.media.player import PromptCache
from hotline.media.prompts import PromptError, prompt_file
from hotline.media.rtp import PortAllocator, RtpSession
from hotline.sip import inbound, metrics, outbound, qualify
from hotline.sip.auth import CredentialStore, DigestAuth
from hotline.sip.b2bua import Call
from hotline.sip.certs import tls_files
from hotline.sip.dialog import new_tag
from hotline.sip.indialog import handle_in_dialog
from hotline.sip.leg import Leg, LegCall
from hotline.sip.message import (
    MAX_UDP_MESSAGE,
    SipMessage,
    SipParseError,
    SipRequest,
    SipResponse,
    make_response,
    parse_head,
    parse_message,
    parse_name_addr,
    parse_uri,
)
from hotline.sip.periodic import housekeeping, mix_loop
from hotline.sip.ratelimit import RateLimiter, lockout_guard, origin_ip
from hotline.sip.registrar import Binding, Registrar
from hotline.sip.routing import blind_transfer
from hotline.sip.sdp import SdpError
from hotline.sip.tls import TlsTransport, client_context, server_context
from hotline.sip.topics import SipRegistered
from hotline.sip.transaction import ServerTransaction, Timers, TransactionLayer
from hotline.sip.transport import WEBSOCKET, Source, TcpLimits, Transports
from hotline.sip.trunks import Trunk, TrunkBoard
from hotline.sip.webrtc import RtpengineDaemon, WebRtcBridge
from hotline.sip.websocket import WsTransport, console_origins_of, server_tls

log = logging.getLogger(__name__)

KNOWN_METHODS = {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "INFO", "REFER", "NOTIFY"}
KNOWN_METHODS |= {"SUBSCRIBE", "MESSAGE", "UPDATE", "PRACK", "PUBLISH"}
_ADDRESSING = ("Via", "From", "To", "Call-ID", "CSeq")  # what a response must copy


class TelephonyEngine:
    ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, INFO, REFER, NOTIFY"

    def __init__(
        self,
        settings: Settings | SipSettings,
        bus: Bus,
        credentials: CredentialStore,
        *,
        recordings_dir: Path | None = None,
        prompts_dir: Path | None = None,
        timers: Timers | None = None,
    ) -> None:
        console_origins: list[str] = []
        data_dir = Path("var")
        if isinstance(settings, Settings):
            self.sip = settings.sip
            data_dir = settings.data_dir
            recordings_dir = recordings_dir or settings.recordings_dir
            prompts_dir = prompts_dir or settings.prompts_dir
            console_origins = console_origins_of(settings)
        else:
            self.sip = settings
        self.bus = bus
        self.credentials = credentials
        self.recordings_dir = recordings_dir or Path("var/recordings")
        self.prompts_dir = prompts_dir or Path("var/prompts")
        self.host, self.port = self.sip.host, self.sip.port
        self.media_host = self.sip.host
        self.on_inbound: Callable[[Leg], Awaitable[None]] | None = None
        self.on_refer: Callable[[Leg, str], Awaitable[bool]] | None = None
        self.ring_timeout = 60.0
        # Trunks: source IPs whose INVITEs need no digest, where external numbers go ("host:port"),
        # and the (username, password) the carrier expects when it challenges our outbound INVITEs.
        # Settings give the defaults; `configure_trunks` replaces them at run time (trunk admin).
        # Outbound trunks are tried in order (`trunks.order()`): a carrier failure (503, 408, 5xx)
        # or no answer within `trunk_failover_seconds` moves the call to the next one.
        self.trunk_peers: set[str] = set(self.sip.trunk_peers)
        self.trunks = TrunkBoard(bus, self.sip.trunk_down_after)
        if self.sip.outbound_trunk:
            self.trunks.configure([Trunk("settings", self.sip.outbound_trunk)])
        self.trunk_failover_seconds = self.sip.trunk_failover_seconds
        # OPTIONS "qualify" of every registered contact; a phone that stops answering is dropped so
        # the call-center never routes calls to an agent whose phone is gone. 0 disables it.
        self.qualify_interval = 30.0
        self.auth = DigestAuth(self.sip.realm, ttl=self.sip.nonce_ttl_seconds)
        self.registrar = Registrar(self.auth, credentials, guard=lockout_guard(self.sip, bus))
        self.transports = Transports(
            self._on_data,
            TcpLimits(
                self.sip.tcp_idle_seconds,
                self.sip.tcp_message_seconds,
                self.sip.tcp_max_connections,
                self.sip.tcp_max_per_ip,
            ),
        )
        self.tls: TlsTransport | None = None
        if self.sip.tls_enabled:
            cert, key = tls_files(self.sip.tls_certfile, self.sip.tls_keyfile, data_dir)
            # a missing or unreadable certificate stops the start here, loudly
            self.tls = TlsTransport(
                self._on_data,
                server_context(str(cert), str(key), self.sip.tls_client_cafile),
                self.transports.tcp_limits,
                client_context(self.sip.tls_client_cafile),
            )
            self.transports.streams["TLS"] = self.tls
        self.ws: WsTransport | None = None
        if self.sip.ws_enabled:
            self.ws = WsTransport(
                self._on_data,
                self.sip.ws_origins or console_origins,
                max_per_ip=self.sip.tcp_max_per_ip,
                ssl_context=self._ws_tls(data_dir),
                on_closed=self.registrar.forget_connection,
            )
        self.srtp_offer = self.sip.srtp_offer
        self.bridge: WebRtcBridge | None = None
        if self.sip.webrtc_bridge:
            self.bridge = WebRtcBridge(self.sip.webrtc_bridge, opus=self.sip.webrtc_opus)
        self.tx = TransactionLayer(self.transports.send, timers)
        self.ports = PortAllocator(self.sip.rtp_port_min, self.sip.rtp_port_max)
        self.prompts = PromptCache()
        self.limiter = RateLimiter(self.sip.rate_limit_per_second)
        self.calls: dict[str, Call] = {}
        self.dialogs: dict[tuple[str, str], Leg] = {}
        self.invites: dict[tuple[str, str, str], Leg] = {}
        self.mixing_calls: set[Call] = set()
        self.stats = {"messages": 0, "parse_errors": 0, "rate_limited": 0, "handler_errors": 0}
        self.stats["rtp_foreign_dropped"] = 0  # RTP from a source other than the call's peer
        self.stats["too_large"] = 0  # UDP datagrams refused unparsed (513)
        self.max_udp_message = MAX_UDP_MESSAGE
        metrics.track(self)  # engine.stats in /metrics
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self.running = False
        self.loop: asyncio.AbstractEventLoop | None = None

    def _ws_tls(self, data_dir: Path) -> ssl.SSLContext | None:
        """WSS: its own certificate, else (``ws_tls``) the SIP/TLS listener's; None for plain WS."""
        if self.sip.ws_certfile or not self.sip.ws_tls:
            return server_tls(self.sip.ws_certfile, self.sip.ws_keyfile)
        cert, key = tls_files(self.sip.tls_certfile, self.sip.tls_keyfile, data_dir)
        return server_tls(str(cert), str(key))

    # ---- lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        await self.transports.start(self.host, self.port)
        if self.port == 0:
            sock = (
                self.transports.udp.transport.get_extra_info("sockname")
                if self.transports.udp.transport
                else None
            )
            self.port = int(sock[1]) if sock else 0
        if self.bridge is not None:
            daemon = None
            if self.sip.webrtc_bridge_start:
                daemon = RtpengineDaemon(
                    self.media_host,
                    self.sip.webrtc_bridge,
                    self.sip.webrtc_port_min,
                    self.sip.webrtc_port_max,
                    log_dir=self.recordings_dir.parent if self.recordings_dir.parent.is_dir() else None,
                )
            await self.bridge.start(daemon)
        if self.tls is not None:
            await self.tls.start(self.host, self.sip.tls_port)
        if self.ws is not None:
            await self.ws.start(self.sip.ws_host or self.host, self.sip.ws_port)
        self.running = True
        self._loops = [asyncio.ensure_future(housekeeping(self)), asyncio.ensure_future(mix_loop(self))]
        log.info("telephony engine listening on %s:%s (UDP+TCP)", self.host, self.port)
        if self.tls is not None:
            log.info("SIP over TLS listening on %s:%s", self.host, self.tls.port)

    async def refer(self, leg: Leg, target: str) -> bool:
        """Carry out a REFER from ``leg``: the call-center's ``on_refer``, else a blind transfer."""
        if self.on_refer is not None:
            return await self.on_refer(leg, target)
        return await blind_transfer(self, leg, target)

    async def stop(self) -> None:
        self.running = False
        for call in list(self.calls.values()):
            await call.hangup("shutdown")
        await asyncio.sleep(0.05)  # let the BYEs leave
        for task in self._loops:
            task.cancel()
        for t in list(self._tasks):
            t.cancel()
        self.tx.clear()
        if self.ws is not None:
            await self.ws.stop()
        if self.bridge is not None:
            await self.bridge.stop()
        await self.transports.stop()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.stats["handler_errors"] += 1
            log.error("telephony task failed", exc_info=task.exception())

    # ---- helpers used by legs ------------------------------------------------------------------------
    @property
    def via_host(self) -> str:
        return f"{self.host}:{self.port}"

    def sent_by(self, proto: str) -> str:
        """Our Via sent-by for a request over ``proto``: the TLS listener has a port of its own."""
        if proto == "TLS" and self.tls is not None:
            return f"{self.host}:{self.tls.port}"
        return self.via_host

    def contact(self, proto: str = "UDP") -> str:
        if proto in WEBSOCKET and self.ws is not None:
            return f"<sip:hotline@{self.host}:{self.ws.port};transport={proto.lower()}>"
        if proto == "TLS" and self.tls is not None:
            return f"<sip:hotline@{self.host}:{self.tls.port};transport=tls>"
        suffix = ";transport=tcp" if proto == "TCP" else ""
        return f"<sip:hotline@{self.host}:{self.port}{suffix}>"

    def prompt_path(self, prompt: str | Path, must_exist: bool = True) -> Path:
        """A Path (from our own code) as given; a str is a prompt *name* (from a flow, which a
        supervisor edits), only ever looked up inside the prompts folder: never a path to, say,
        a call recording."""
        if isinstance(prompt, Path):
            path = prompt
        else:
            try:
                # A recorded prompt in the prompts folder overrides a generated (TTS) one.
                path = prompt_file(self.prompts_dir, prompt)
                generated = prompt_file(self.prompts_dir / "generated", prompt)
            except PromptError as exc:
                raise FileNotFoundError(f"no prompt {prompt!r}: {exc}") from exc
            if not path.exists() and generated.exists():
                path = generated
        if must_exist and not path.exists():
            raise FileNotFoundError(path)
        return path

    async def open_rtp(self) -> RtpSession:
        # Another process may hold ports inside our range: skip them (the allocator moves on
        # round-robin, so a busy port is only retried after the whole range has been tried).
        for _ in range(min(500, len(self.ports.free))):
            port = self.ports.take()
            session = RtpSession(self.media_host, port)
            session.counters = self.stats
            try:
                await session.open()
                return session
            except OSError:
                session.close()
                self.ports.release(port)
        raise OSError("could not bind an RTP port")

    def leg_ended(self, leg: Leg) -> None:
        self.dialogs.pop((leg.call.id if leg.dialog is None else leg.dialog.call_id, leg.local_tag), None)
        if leg.media_bridge is not None:
            self.spawn(leg.media_bridge.release())
        if leg.server_tx is not None:
            self.invites.pop(leg.server_tx.key, None)

    # ---- receiving -----------------------------------------------------------------------------------
    def _on_data(self, data: bytes, source: Source) -> None:
        self.stats["messages"] += 1
        # Configured trunk peers are trusted and carry every caller's traffic: never throttle them.
        if source.addr[0] not in self.trunk_peers and not self.limiter.allow(source.addr[0]):
            self.stats["rate_limited"] += 1
            return
        if source.proto == "UDP" and len(data) > self.max_udp_message:
            self._too_large(data, source)
            return
        try:
            msg = parse_message(data)
        except SipParseError as exc:
            self.stats["parse_errors"] += 1
            self._bad_request(data, source, str(exc))
            return
        try:
            if isinstance(msg, SipResponse):
                self._on_response(msg)
            elif isinstance(msg, SipRequest):
                self._on_request(msg, source)
        except (SipParseError, SdpError, ValueError) as exc:
            self.stats["parse_errors"] += 1
            self._bad_request(data, source, str(exc))
        except Exception:
            self.stats["handler_errors"] += 1
            log.exception("SIP handler failed for message from %s:%s", *source.addr)

    def _too_large(self, data: bytes, source: Source) -> None:
        """513 to an oversized UDP datagram, read only as far as its first headers (a flood of them
        must not take the loop from the media: a full parse of 60 KB costs up to ~16 ms)."""
        self.stats["too_large"] += 1
        try:
            msg = parse_head(data)
        except SipParseError:
            return
        if isinstance(msg, SipRequest) and msg.method != "ACK" and all(msg.get(h) for h in _ADDRESSING):
            self.transports.send(make_response(msg, 513, "Message Too Large").to_bytes(), source)

    def _bad_request(self, data: bytes, source: Source, why: str) -> None:
        log.info("malformed SIP from %s:%s: %s", source.addr[0], source.addr[1], why)
        try:
            msg: SipMessage = parse_head(data)  # bounded: the reply needs only the first headers
        except SipParseError:
            return  # not even a start line: drop
        if isinstance(msg, SipRequest) and msg.method != "ACK" and msg.get("Via"):
            resp = make_response(msg, 400, "Bad Request")
            resp.add("Warning", f'399 hotline "{why[:80]}"')
            self.transports.send(resp.to_bytes(), source)

    def _on_response(self, resp: SipResponse) -> None:
        if not self.tx.on_response(resp):
            log.debug("stray response %s for %s", resp.status, resp.call_id)

    def _on_request(self, req: SipRequest, source: Source) -> None:
        if req.method == "ACK":
            self.tx.match_request(req)
            if req.body:
                inbound.late_answer(self, req)
            return
        if self.tx.match_request(req) is not None:
            return  # retransmission absorbed
        tx = self.tx.new_server(req, source)
        if req.method == "CANCEL":
            inbound.cancel(self, tx)
            return
        to_tag = parse_name_addr(req.get("To") or "").tag
        if to_tag:
            leg = self.dialogs.get((req.call_id, to_tag))
            if leg is not None:
                self.spawn(handle_in_dialog(self, leg, req, tx))
            elif req.method == "OPTIONS":
                tx.respond(self.options_response(tx))
            else:
                tx.respond(tx.response(481, "Call/Transaction Does Not Exist"))
            return
        if req.method == "INVITE" and source.proto in WEBSOCKET:
            # A browser phone only answers: its own calls are placed from the console (whose dial
            # rings it first), so its WebRTC offer never reaches a leg that expects plain RTP.
            tx.respond(tx.response(488, "Not Acceptable Here"))
        elif req.method == "INVITE":
            tx.respond(tx.response(100, "Trying"))
            self.spawn(inbound.accept_invite(self, req, tx))
        elif req.method == "REGISTER":
            self.spawn(self._register(req, tx))
        elif req.method == "OPTIONS":
            tx.respond(self.options_response(tx))
        elif req.method in KNOWN_METHODS:
            resp = tx.response(405, "Method Not Allowed")
            resp.add("Allow", self.ALLOW)
            tx.respond(resp)
        else:
            tx.respond(tx.response(501, "Not Implemented"))

    def options_response(self, tx: ServerTransaction) -> SipResponse:
        resp = tx.response(200, "OK", to_tag=new_tag())
        resp.add("Allow", self.ALLOW)
        resp.add("Accept", "application/sdp, application/dtmf-relay")
        return resp

    async def _register(self, req: SipRequest, tx: ServerTransaction) -> None:
        origin = origin_ip(req, tx.source.addr[0], self.trunk_peers)
        resp = await self.registrar.handle(req, tx.source, origin)
        tx.respond(resp)
        if resp.status == 200:
            aor = parse_uri(parse_name_addr(req.get("To") or "").uri).user
            if tx.source.proto in WEBSOCKET:
                self._follow_reconnected(aor)
            contacts = [b.contact for b in self.registrar.lookup(aor)]
            self.bus.publish(SipRegistered(extension=aor, contacts=contacts))

    def _follow_reconnected(self, aor: str) -> None:
        """A browser whose WebSocket dropped mid-call reconnects and registers the same contact: its
        calls' media never stopped (ICE and DTLS do not ride on the socket), so their dialogs now
        send over the new socket (a BYE must reach it)."""
        for b in self.registrar.lookup(aor):
            if b.source.proto not in WEBSOCKET:
                continue
            for leg in self.dialogs.values():
                d = leg.dialog
                if d is not None and d.dest.proto in WEBSOCKET and d.remote_target == b.contact:
                    d.dest = b.source

    # ---- originating (implemented in hotline.sip.outbound) ----------------------------------------
    def resolve(self, target: str) -> tuple[Source, str, str]:
        """(where to send, Request-URI, To URI) for an extension, a SIP URI or an external number."""
        return outbound.resolve(self, target)

    def contacts(self, extension: str) -> list[Binding]:
        """The live registered contacts of ``extension`` (desk phone, softphone), newest first."""
        return self.registrar.lookup(extension)

    def route_to_binding(self, target: str, b: Binding) -> tuple[Source, str, str]:
        return outbound.route_to_binding(self.host, target, b)

    async def originate(
        self,
        target: str,
        *,
        call: LegCall | None = None,
        caller_id: str = "hotline",
        display: str = "",
        binding: Binding | None = None,
        headers: Sequence[tuple[str, str]] = (),
    ) -> Leg:
        """Start ringing ``target``; returns the outbound leg at once (await ``leg.wait_answered()``).

        ``target`` is an extension (its most recent contact, or ``binding`` to pick one when forking),
        a ``sip:`` URI, or an external number sent through the outbound trunk. ``headers`` are added
        to the INVITE (e.g. auto-answer headers for a console answer).
        """
        return await outbound.originate(
            self, target, call=call, caller_id=caller_id, display=display, binding=binding, headers=headers
        )

    def qualify(self) -> None:
        qualify.qualify(self)

    def configure_trunks(self, peers: set[str], outbound: Sequence[Trunk]) -> None:
        """Replace the trunk configuration; calls in progress keep their legs, new ones use this."""
        self.trunk_peers = set(peers)
        self.trunks.configure(list(outbound))

    @property
    def outbound_trunk(self) -> str:
        """Where external numbers go first ("host:port"; "" when there is no outbound trunk)."""
        first = self.trunks.first
        return first.target if first is not None else ""

    @property
    def trunk_credentials(self) -> tuple[str, str] | None:
        first = self.trunks.first
        return first.credentials if first is not None else None

    @trunk_credentials.setter
    def trunk_credentials(self, credentials: tuple[str, str] | None) -> None:
        """The first trunk's digest pair (the settings' trunk, for the engine run alone)."""
        first = self.trunks.first
        if first is not None:
            rest = list(self.trunks.trunks[1:])
            self.trunks.configure([Trunk(first.name, first.target, credentials), *rest])

    async def check_trunk(self, target: str, timeout: float = 4.0) -> dict[str, float | int]:
        """OPTIONS to a trunk ("host:port"): its status code (408 when silent) and round trip."""
        return await qualify.check_trunk(self, target, timeout)
