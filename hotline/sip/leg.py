"""A call leg: one SIP dialog between the engine and one party, plus that party's RTP session.

Legs are what the call-center logic drives: ``answer``/``ring``/``hangup`` for inbound legs, the
engine's ``originate`` for outbound ones, ``play``/``collect_digits``/``hold`` for both. Every state
change is published on the bus (``leg.ringing_started``, ``leg.answered``, ``leg.held``,
``leg.resumed``, ``leg.ended``, ``leg.digit_received``: ``hotline.sip.topics``). Audio arriving
on a leg goes to whatever its call has wired it to (relay to the bridged peer, recorder, mixer);
this module only knows its own party.

This is the bottom of the engine's one-way stack (leg ← b2bua ← indialog/outbound ← routing ←
inbound ← engine): a leg sees its engine and its call only through the :class:`LegHost` and
:class:`LegCall` protocols below, never by importing the modules above it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from hotline.bus import Bus
from hotline.media import g711
from hotline.media.dtmf import DtmfDetector
from hotline.media.mixer import Mixer
from hotline.media.player import PromptCache, music_on_hold_pcm, play_payload
from hotline.media.rtp import PortAllocator, RtpPacket, RtpSession
from hotline.media.srtp import SAVP, Sdes
from hotline.sip.dialog import Dialog
from hotline.sip.message import SipRequest, SipResponse
from hotline.sip.sdp import (
    DEFAULT_DTMF_PT,
    PCMA,
    PCMU,
    MediaDescription,
    address_warning,
    build_sdp,
)
from hotline.sip.topics import (
    LegAnswered,
    LegDigitReceived,
    LegEnded,
    LegHeld,
    LegResumed,
    LegRingingStarted,
)
from hotline.sip.transaction import ClientTransaction, ServerTransaction, TransactionLayer
from hotline.sip.transport import Transports
from hotline.sip.webrtc import BridgedMedia

log = logging.getLogger(__name__)

# Why a leg ended -> the SIP final response used when we reject an unanswered inbound leg.
CAUSE_STATUS = {
    "busy": (486, "Busy Here"),
    "not_found": (404, "Not Found"),
    "rejected": (603, "Decline"),
    "no_answer": (480, "Temporarily Unavailable"),
    "unavailable": (480, "Temporarily Unavailable"),
    "codec": (488, "Not Acceptable Here"),
    "error": (500, "Server Internal Error"),
}


class LegHost(Protocol):
    """What a leg uses of the engine that owns it (`TelephonyEngine` satisfies it)."""

    bus: Bus
    media_host: str
    ALLOW: str
    tx: TransactionLayer
    transports: Transports
    ports: PortAllocator
    prompts: PromptCache

    def contact(self, proto: str = "UDP") -> str: ...
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
    def prompt_path(self, prompt: str | Path, must_exist: bool = True) -> Path: ...
    def leg_ended(self, leg: Leg) -> None: ...


class LegCall(Protocol):
    """What a leg (and whoever holds only a leg) uses of the call it belongs to (`b2bua.Call`)."""

    id: str
    legs: list[Leg]
    mixer: Mixer | None

    def peer(self, leg: Leg) -> Leg | None: ...
    def bridge(self, a: Leg, b: Leg) -> None: ...
    def unbridge(self, leg: Leg) -> None: ...
    def on_audio(self, leg: Leg, pkt: RtpPacket) -> None: ...
    def on_event_packet(self, leg: Leg, pkt: RtpPacket) -> None: ...
    def on_played(self, leg: Leg, frame: bytes, pt: int) -> None: ...
    def leg_ended(self, leg: Leg) -> None: ...


class Leg:
    def __init__(self, engine: LegHost, call: LegCall, direction: str, rtp: RtpSession) -> None:
        self.engine = engine
        self.call = call
        self.id = f"{call.id}-{len(call.legs) + 1}"
        self.direction = direction
        self.state = "new" if direction == "inbound" else "calling"
        self.rtp = rtp
        self.pt = PCMU
        self.dtmf_pt: int | None = DEFAULT_DTMF_PT
        self.remote_media: MediaDescription | None = None
        self.dialog: Dialog | None = None
        self.invite: SipRequest | None = None
        self.server_tx: ServerTransaction | None = None
        self.client_tx: ClientTransaction | None = None
        self.local_tag = ""
        self.caller = ""
        self.dialed = ""
        self.user = ""  # authenticated extension, "" for trunk calls
        self.trunk = False
        self.held = False
        self.remote_hold = False
        self.reinvite_out = False  # our re-INVITE to this party awaits its answer (glare: 491)
        self.reinvite_in = False  # this party's re-INVITE is being answered
        self.cause = ""
        self.created_at = time.time()
        self.answered_at = 0.0
        self.ringing = asyncio.Event()
        self.answered = asyncio.Event()
        self.ended = asyncio.Event()
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        self.dtmf = DtmfDetector()
        self.audio_taps: list[Callable[[Leg, RtpPacket], None]] = []
        self.playing = False
        self._play_task: asyncio.Task[None] | None = None
        self._cancel_pending = False
        self._auth_tried = False
        self.early_media = False  # outbound: the far end sent SDP in a provisional (183)
        self._last_ack: bytes | None = None
        self._sdp_version = 1
        self._sdp_session = int(time.time())
        # a browser party: its SDP goes through the WebRTC bridge both ways (hotline.sip.webrtc)
        self.media_bridge: BridgedMedia | None = None
        # SDES keys when this party's media is SRTP (it asked for RTP/SAVP, or we offered it over TLS)
        self.srtp: Sdes | None = None
        rtp.on_packet = self._on_rtp
        call.legs.append(self)

    # ---- description -------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        return {
            "call_id": self.call.id,
            "leg_id": self.id,
            "direction": self.direction,
            "state": self.state,
            "caller": self.caller,
            "dialed": self.dialed,
            "user": self.user,
            "trunk": self.trunk,
        }

    @property
    def is_active(self) -> bool:
        return self.state != "ended"

    def local_sdp(self, direction: str = "sendrecv") -> bytes:
        self._sdp_version += 1
        codecs = [self.pt] if self.remote_media is not None else [PCMU, PCMA]
        return build_sdp(
            self.engine.media_host,
            self.rtp.port,
            codecs,
            dtmf_pt=self.dtmf_pt,
            direction=direction,
            session_id=self._sdp_session,
            version=self._sdp_version,
            crypto=self.srtp.offer().attribute() if self.srtp is not None else "",
        )

    def apply_remote_media(self, md: MediaDescription, pt: int | None) -> None:
        self.remote_media = md
        if pt is not None:
            self.pt = pt
        self.dtmf_pt = md.dtmf_pt()
        if md.proto == SAVP:  # the caller checked it is acceptable (hotline.sip.sdes.refusal)
            self.srtp = self.srtp or Sdes()
            if self.srtp.take(md.crypto):
                self.rtp.srtp = self.srtp.context
        if md.port and md.host not in ("0.0.0.0", "") and address_warning(md) is None:
            addr = (md.host, md.port)
            if addr != self.rtp.expected:
                # New or moved media (a re-INVITE to another port): re-target, re-latch from there.
                self.rtp.expect(addr, nat_ip=self._signalling_ip())

    def signalling_proto(self) -> str:
        """The SIP transport this party is reached over ("UDP", "TCP", "TLS", "WS", ...)."""
        if self.dialog is not None:
            return self.dialog.dest.proto
        if self.server_tx is not None:
            return self.server_tx.source.proto
        return self.client_tx.dest.proto if self.client_tx is not None else "UDP"

    def _signalling_ip(self) -> str:
        """Where this party's SIP comes from: behind NAT its RTP comes from there too."""
        if self.dialog is not None:
            return self.dialog.dest.addr[0]
        if self.server_tx is not None:
            return self.server_tx.source.addr[0]
        return self.client_tx.dest.addr[0] if self.client_tx is not None else ""

    # ---- inbound signaling --------------------------------------------------------------------
    async def ring(self) -> None:
        if self.direction != "inbound" or self.state != "new" or self.server_tx is None:
            return
        self.server_tx.respond(self._response(180, "Ringing"))
        self.state = "ringing"
        self.ringing.set()
        self.engine.bus.publish(LegRingingStarted(**self.info()))

    async def progress(self) -> None:
        """183 Session Progress with our SDP: the caller hears early media (the far end's ringback,
        a carrier announcement) relayed before anyone answers."""
        if self.direction != "inbound" or self.state not in ("new", "ringing") or self.server_tx is None:
            return
        resp = self._response(183, "Session Progress")
        resp.add("Content-Type", "application/sdp")
        resp.body = self.local_sdp()
        self.server_tx.respond(resp)
        if self.state == "new":
            self.state = "ringing"
            self.ringing.set()
            self.engine.bus.publish(LegRingingStarted(**self.info(), early_media=True))

    async def answer(self) -> None:
        if self.direction != "inbound" or self.state not in ("new", "ringing") or self.server_tx is None:
            return
        resp = self._response(200, "OK")
        resp.add("Content-Type", "application/sdp")
        resp.body = self.local_sdp()
        self.server_tx.on_ack_timeout = self._no_ack
        self.server_tx.respond(resp)
        self._set_answered()

    def _no_ack(self) -> None:
        self.engine.spawn(self.hangup("no_ack"))

    def _response(self, status: int, reason: str) -> SipResponse:
        """A response to this inbound leg's initial INVITE."""
        assert self.server_tx is not None
        return self.response_in(self.server_tx, status, reason)

    def response_in(self, tx: ServerTransaction, status: int, reason: str) -> SipResponse:
        """A response within ``tx`` (its own Via, CSeq and To), carrying this leg's tag and Contact.

        In-dialog requests (re-INVITE, UPDATE) must be answered in their own transaction, never with
        the initial INVITE's headers: a peer matches responses by Via branch and CSeq."""
        resp = tx.response(status, reason, to_tag=self.local_tag)
        resp.add("Contact", self.engine.contact(tx.source.proto))
        resp.add("Allow", self.engine.ALLOW)
        return resp

    def _set_answered(self) -> None:
        self.rtp.open_latch_window()  # the party starts sending now, however long it rang
        self.state = "answered"
        self.answered_at = time.time()
        self.answered.set()
        self.engine.bus.publish(LegAnswered(**self.info()))

    async def wait_answered(self, timeout: float | None = None) -> bool:
        """True once answered, False if the leg ended (or the timeout passed) first."""
        waiters = [asyncio.ensure_future(self.answered.wait()), asyncio.ensure_future(self.ended.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waiters:
                w.cancel()
        return self.answered.is_set() and not self.ended.is_set()

    def _send_cancel(self) -> None:
        self._cancel_pending = False
        if self.client_tx is not None:
            self.send_cancel(self.client_tx)

    def send_cancel(self, tx: ClientTransaction) -> None:
        """CANCEL the INVITE of ``tx`` (ours, still unanswered); a no-op once it has a final answer."""
        if tx.state not in ("calling", "proceeding"):
            return
        inv = tx.request
        cancel = SipRequest(method="CANCEL", uri=inv.uri)
        for name in ("Via", "Route"):
            for value in inv.get_all(name)[:1] if name == "Via" else inv.get_all(name):
                cancel.add(name, value)
        for name in ("From", "To", "Call-ID"):
            cancel.add(name, inv.get(name) or "")
        cancel.add("CSeq", f"{inv.cseq[0]} CANCEL")
        cancel.add("Max-Forwards", "70")
        self.engine.tx.new_client(cancel, tx.dest, lambda r: None)

    # ---- media -----------------------------------------------------------------------------------
    def _on_rtp(self, pkt: RtpPacket) -> None:
        if self.dtmf_pt is not None and pkt.pt == self.dtmf_pt:
            for digit in self.dtmf.feed(pkt.ssrc, pkt.ts, pkt.payload):
                self.on_digit(digit, "rfc4733")
            self.call.on_event_packet(self, pkt)
            return
        for tap in self.audio_taps:
            tap(self, pkt)
        self.call.on_audio(self, pkt)

    def on_digit(self, digit: str, method: str) -> None:
        self.digits.put_nowait(digit)
        self.engine.bus.publish(LegDigitReceived(**self.info(), digit=digit, method=method))

    def flush_digits(self) -> None:
        """Forget the digits typed so far (a new question is asked: earlier keys must not answer it)."""
        while not self.digits.empty():
            self.digits.get_nowait()

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        terminators: str = "#",
        first_timeout: float | None = None,
    ) -> str:
        """Digits typed by this party (type-ahead during prompts is kept); stops on a terminator."""
        got = ""
        wait = first_timeout if first_timeout is not None else timeout
        while len(got) < max_digits and self.is_active:
            try:
                digit = await asyncio.wait_for(self.digits.get(), wait)
            except TimeoutError:
                break
            if digit in terminators:
                break
            got += digit
            wait = timeout
        return got

    async def play(self, prompt: str | Path, *, wait: bool = True, loop: bool = False) -> None:
        """Play a prompt (a prompts-folder name or a WAV path) to this party."""
        path = self.engine.prompt_path(prompt)
        payload = self.engine.prompts.encoded(path, self.pt)
        await self._play(payload, wait=wait, loop=loop)

    async def play_moh(self) -> None:
        path = self.engine.prompt_path("moh", must_exist=False)
        if path.exists():
            payload = self.engine.prompts.encoded(path, self.pt)
        else:
            payload = self.engine.prompts.encoded_pcm("builtin-moh", music_on_hold_pcm(), self.pt)
        await self._play(payload, wait=False, loop=True)

    async def _play(self, payload: bytes, *, wait: bool, loop: bool) -> None:
        self.stop_playback()
        self.playing = True
        # A prompt (not music on hold) is part of what this party heard: its call may record it.
        sent = None if loop else self._played
        task = asyncio.ensure_future(play_payload(self.rtp, payload, self.pt, loop_forever=loop, sent=sent))
        self._play_task = task
        task.add_done_callback(self._playback_done)
        if wait:
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                if task.cancelled():
                    return  # stopped by stop_playback: not our caller's cancellation
                raise

    def _played(self, frame: bytes) -> None:
        self.call.on_played(self, frame, self.pt)

    def _playback_done(self, task: asyncio.Task[None]) -> None:
        if self._play_task is task:
            self._play_task = None
            self.playing = False

    def stop_playback(self) -> None:
        if self._play_task is not None:
            self._play_task.cancel()
            self._play_task = None
        self.playing = False

    def send_audio(self, payload: bytes, pt: int) -> None:
        self.rtp.send(g711.transcode(payload, pt, self.pt), self.pt)

    async def hold(self) -> None:
        """Put this party on hold: it hears music, its audio goes nowhere."""
        if self.held or not self.is_active:
            return
        self.held = True
        if self.call.mixer is not None:
            self.call.mixer.set_held(self.id, True)  # out of the conference while on hold
        await self.play_moh()
        self.engine.bus.publish(LegHeld(**self.info(), by="engine"))

    async def unhold(self) -> None:
        if not self.held:
            return
        self.held = False
        self.stop_playback()
        if self.call.mixer is not None:
            self.call.mixer.set_held(self.id, False)
        self.engine.bus.publish(LegResumed(**self.info(), by="engine"))

    # ---- ending ----------------------------------------------------------------------------------
    async def hangup(self, cause: str = "normal") -> None:
        if self.state == "ended":
            return
        if self.state in ("new", "ringing") and self.direction == "inbound" and self.server_tx is not None:
            status, reason = CAUSE_STATUS.get(cause, (480, "Temporarily Unavailable"))
            self.server_tx.respond(self._response(status, reason))
        elif self.state in ("calling", "ringing") and self.direction == "outbound":
            if self.client_tx is not None and self.client_tx.state == "proceeding":
                self._send_cancel()
            else:
                self._cancel_pending = True  # CANCEL only after a provisional (RFC 3261 9.1)
        elif self.state == "answered" and self.dialog is not None:
            dialog = self.dialog
            self.engine.tx.new_client(dialog.request("BYE"), dialog.dest, lambda r: None)
        self._finish(cause)

    def _finish(self, cause: str, status: int | None = None) -> None:
        if self.state == "ended":
            return
        was = self.state
        self.state = "ended"
        self.cause = cause
        self.stop_playback()
        self.ended.set()
        extra: dict[str, Any] = {"cause": cause, "previous_state": was}
        if status is not None:
            extra["status"] = status
        if self.answered_at:
            extra["talk_seconds"] = round(time.time() - self.answered_at, 3)
            extra["rtp"] = {
                "rx_packets": self.rtp.rx_packets,
                "tx_packets": self.rtp.tx_packets,
                "lost": self.rtp.lost,
                "foreign_dropped": self.rtp.rx_foreign,
                "ssrc_changes": self.rtp.ssrc_changes,
                "jitter_ms": round(self.rtp.jitter / 8, 2),
            }
            if self.rtp.srtp is not None:  # encrypted media, and packets that failed its checks
                extra["rtp"]["srtp_failed"] = self.rtp.srtp.failed
        self.engine.bus.publish(LegEnded(**self.info(), **extra))
        self.release()
        self.engine.leg_ended(self)
        self.call.leg_ended(self)

    def release(self) -> None:
        self.rtp.close()
        self.engine.ports.release(self.rtp.port)
