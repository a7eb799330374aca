"""Calls: groups of legs the engine controls (B2BUA), with bridging, recording, mixing and transfer.

A :class:`Call` starts with the caller's leg and gains legs as the routing logic originates them.
``bridge(a, b)`` relays RTP between two legs (payload passed through when both use the same codec,
otherwise transcoded through PCM); ``start_conference`` switches the call to the :class:`Mixer` for
three-party talk and supervisor listen/whisper/barge; ``record`` writes the whole call to a stereo WAV
(caller left, everyone else right, with the prompts the caller hears once recording). Policies
decide what a hang-up does to the rest of the call: by
default a bridged peer is hung up with its partner (unless ``on_peer_hangup`` takes that over for
one leg, once) and the call ends with the caller. Routing
(ringing targets, default routing, blind transfer) sits above this, in ``routing``; what a call uses
of the engine is the :class:`CallHost` protocol.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from hotline.bus import Bus
from hotline.media import g711
from hotline.media.mixer import Mixer, Participant
from hotline.media.recorder import Recorder
from hotline.media.rtp import RtpPacket
from hotline.sip.leg import Leg
from hotline.sip.topics import (
    CallBridged,
    CallEnded,
    CallMixerChanged,
    CallRecordingFailed,
    CallRecordingStarted,
    CallUnbridged,
)

log = logging.getLogger(__name__)


class CallHost(Protocol):
    """What a call uses of the engine: the bus, the recordings folder, its call and mixing tables."""

    bus: Bus
    recordings_dir: Path
    calls: dict[str, Call]
    mixing_calls: set[Call]

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...


class Call:
    def __init__(self, engine: CallHost, call_id: str) -> None:
        self.engine = engine
        self.id = call_id
        self.legs: list[Leg] = []
        self.peers: dict[Leg, Leg] = {}
        self.recorder: Recorder | None = None
        self.mixer: Mixer | None = None
        self.started_at = time.time()
        self.ended = asyncio.Event()
        self.hangup_bridged_peer = True
        self.end_with_caller = True
        self.recordings: list[Path] = []
        # leg -> what to do instead of hanging it up when its bridged peer hangs up (once)
        self.peer_hangup_handlers: dict[Leg, Callable[[Leg], Coroutine[Any, Any, Any]]] = {}

    @property
    def caller(self) -> Leg | None:
        return self.legs[0] if self.legs else None

    def active_legs(self) -> list[Leg]:
        return [leg for leg in self.legs if leg.is_active]

    # ---- bridging --------------------------------------------------------------------------------
    def bridge(self, a: Leg, b: Leg) -> None:
        for leg in (a, b):
            if leg.call is not self:
                raise ValueError("can only bridge legs of the same call")
            self.unbridge(leg)
            leg.stop_playback()
            leg.held = False
        self.peers[a] = b
        self.peers[b] = a
        self.engine.bus.publish(CallBridged(call_id=self.id, legs=[a.id, b.id]))

    def unbridge(self, leg: Leg) -> None:
        peer = self.peers.pop(leg, None)
        if peer is not None:
            self.peers.pop(peer, None)
            self.engine.bus.publish(CallUnbridged(call_id=self.id, legs=[leg.id, peer.id]))

    def on_peer_hangup(self, leg: Leg, then: Callable[[Leg], Coroutine[Any, Any, Any]]) -> None:
        """Once, when the leg bridged to `leg` hangs up: run ``then(ended_leg)`` instead of hanging
        `leg` up with it (the call center keeps the caller for a survey, then hangs up itself)."""
        self.peer_hangup_handlers[leg] = then

    def peer(self, leg: Leg) -> Leg | None:
        return self.peers.get(leg)

    def on_audio(self, leg: Leg, pkt: RtpPacket) -> None:
        pcm = None
        if self.recorder is not None and not leg.held:
            pcm = g711.decode(pkt.payload, pkt.pt)
            self.recorder.feed(0 if leg is self.caller else 1, pcm)
        if self.mixer is not None and leg.id in self.mixer.people:
            self.mixer.feed(leg.id, pcm if pcm is not None else g711.decode(pkt.payload, pkt.pt))
            return
        peer = self.peers.get(leg)
        if peer is None or leg.held or peer.held or peer.playing or not peer.is_active:
            return
        if pkt.pt == peer.pt:
            peer.rtp.relay(pkt)
        else:
            peer.rtp.relay(pkt, g711.transcode(pkt.payload, pkt.pt, peer.pt), peer.pt)

    def on_event_packet(self, leg: Leg, pkt: RtpPacket) -> None:
        peer = self.peers.get(leg)
        if peer is not None and peer.dtmf_pt is not None and not peer.playing and self.mixer is None:
            peer.rtp.relay(pkt, pt=peer.dtmf_pt)

    def on_played(self, leg: Leg, frame: bytes, pt: int) -> None:
        """A prompt frame the engine sent to `leg`: while recording, what the caller hears from the
        hotline itself (an agent-number announcement, a satisfaction survey) goes on the right
        channel, mixed with the agent's voice, where the caller would hear the agent."""
        if self.recorder is not None and leg is self.caller and self.mixer is None:
            self.recorder.mix(1, g711.decode(frame, pt))

    # ---- recording -------------------------------------------------------------------------------
    def record(self, path: Path | None = None, metadata: dict[str, Any] | None = None) -> Path:
        if self.recorder is not None:
            return self.recorder.path
        if path is None:
            day = datetime.now(UTC).strftime("%Y/%m/%d")
            path = self.engine.recordings_dir / day / f"{self.id}.wav"
        caller = self.caller
        meta = {"call_id": self.id, "caller": caller.caller if caller else "", **(metadata or {})}
        self.recorder = Recorder(path, meta, on_failure=self._recording_failed)
        self.engine.bus.publish(CallRecordingStarted(call_id=self.id, path=str(path)))
        return path

    def _recording_failed(self, error: str) -> None:
        # The call goes on unrecorded (disk full): supervisors hear of it, the call loop is unharmed.
        self.engine.bus.publish(CallRecordingFailed(call_id=self.id, error=error))

    def stop_recording(self) -> Path | None:
        rec, self.recorder = self.recorder, None
        if rec is None:
            return None
        legs = [
            {"leg_id": leg.id, "caller": leg.caller, "dialed": leg.dialed, "user": leg.user}
            for leg in self.legs
        ]
        path = rec.close({"legs": legs})
        if path is not None:
            self.recordings.append(path)
        return path

    # ---- conference / supervision -----------------------------------------------------------------
    def start_conference(self) -> Mixer:
        """Switch from point-to-point relay to mixing; the current bridge's legs join as caller/agent."""
        if self.mixer is None:
            self.mixer = Mixer()
            caller = self.caller
            for leg in self.active_legs():
                role = "caller" if leg is caller else "agent"
                self.join(leg, role)
            self.peers.clear()
            self.engine.mixing_calls.add(self)
        return self.mixer

    def join(self, leg: Leg, role: str = "third", mode: str = "full") -> None:
        mixer = self.start_conference() if self.mixer is None else self.mixer
        if not leg.held:  # a held party keeps its music on hold; the mixer sends it nothing
            leg.stop_playback()
        mixer.add(Participant(leg.id, role, leg.send_audio, leg.pt, mode, held=leg.held))
        self.engine.bus.publish(CallMixerChanged(call_id=self.id, leg_id=leg.id, role=role, mode=mode))

    def set_mode(self, leg: Leg, mode: str) -> None:
        if self.mixer is None:
            raise ValueError("call has no conference")
        self.mixer.set_mode(leg.id, mode)
        self.engine.bus.publish(CallMixerChanged(call_id=self.id, leg_id=leg.id, mode=mode))

    # ---- ending --------------------------------------------------------------------------------
    def leg_ended(self, leg: Leg) -> None:
        peer = self.peers.get(leg)
        self.unbridge(leg)
        if self.mixer is not None:
            self.mixer.remove(leg.id)
        # An unanswered leg (early media) failing must not drop its partner: routing picks the cause.
        self.peer_hangup_handlers.pop(leg, None)
        if peer is not None and self.hangup_bridged_peer and peer.is_active and leg.answered_at:
            then = self.peer_hangup_handlers.pop(peer, None)
            self.engine.spawn(then(leg) if then is not None else peer.hangup("peer_hangup"))
        if leg is self.caller and self.end_with_caller:
            for other in self.active_legs():
                self.engine.spawn(other.hangup("caller_hangup"))
        if not self.active_legs():
            self._end()

    def _end(self) -> None:
        if self.ended.is_set():
            return
        self.ended.set()
        try:
            path = self.stop_recording()
        except Exception:  # the call must end (and its CDR close) whatever the recording did
            log.exception("recording of call %s could not be closed", self.id)
            path = None
        self.engine.mixing_calls.discard(self)
        self.engine.calls.pop(self.id, None)
        caller = self.caller
        self.engine.bus.publish(
            CallEnded(
                call_id=self.id,
                caller=caller.caller if caller else "",
                cause=caller.cause if caller else "",
                duration_seconds=round(time.time() - self.started_at, 3),
                legs=[{"leg_id": x.id, "cause": x.cause, "answered": bool(x.answered_at)} for x in self.legs],
                recording=str(path) if path else None,
            )
        )

    async def hangup(self, cause: str = "normal") -> None:
        for leg in self.active_legs():
            await leg.hangup(cause)
