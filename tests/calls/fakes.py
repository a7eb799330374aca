"""An in-memory telephony engine double for unit tests of the call center's logic (no sockets).

It implements the small surface of `hotline.calls.telephony` and publishes the same bus events as
the real engine ("leg.answered", "leg.held", "leg.resumed", "leg.ended", "call.recording_started",
"call.mixer_changed", "call.ended") with the fields the call center reads. Phones are scripted: an extension
maps to "answer" (after a delay), "ignore" or "reject"; callers' DTMF digits are queued up front.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from hotline.bus import InProcessBus
from hotline.sip.topics import (
    CallEnded,
    CallMixerChanged,
    CallRecordingStarted,
    LegAnswered,
    LegEnded,
    LegHeld,
    LegResumed,
)

_ids = itertools.count(1)


class FakeCall:
    def __init__(self, engine: FakeEngine) -> None:
        self.engine = engine
        self.id = f"call{next(_ids)}"
        self.legs: list[FakeLeg] = []
        self.bridges: list[tuple[str, str]] = []
        self.joined: list[tuple[str, str, str]] = []
        self.recorded: Path | None = None
        self.hangup_bridged_peer = True
        self.end_with_caller = True
        self.peers: dict[str, FakeLeg] = {}
        self.peer_hangup_handlers: dict[str, Callable[[Any], Awaitable[None]]] = {}
        self.ended = False

    def bridge(self, a: FakeLeg, b: FakeLeg) -> None:
        self.peers[a.id], self.peers[b.id] = b, a
        self.bridges.append((a.id, b.id))

    def unbridge(self, leg: FakeLeg) -> None:
        peer = self.peers.pop(leg.id, None)
        if peer is not None:
            self.peers.pop(peer.id, None)

    def on_peer_hangup(self, leg: FakeLeg, then: Callable[[Any], Awaitable[None]]) -> None:
        self.peer_hangup_handlers[leg.id] = then

    def record(self, path: Path | None = None, metadata: dict[str, Any] | None = None) -> Path:
        if self.recorded is None:
            self.recorded = path or self.engine.recordings_dir / f"{self.id}.wav"
            self.engine.bus.publish(CallRecordingStarted(call_id=self.id, path=str(self.recorded)))
        return self.recorded

    def join(self, leg: FakeLeg, role: str = "third", mode: str = "full") -> None:
        # As the engine: a conference replaces point-to-point bridges (nobody is a bridged peer now).
        self.peers.clear()
        self.joined.append((leg.id, role, mode))
        self.engine.bus.publish(CallMixerChanged(call_id=self.id, leg_id=leg.id, role=role, mode=mode))

    def set_mode(self, leg: FakeLeg, mode: str) -> None:
        self.joined.append((leg.id, "mode", mode))
        self.engine.bus.publish(CallMixerChanged(call_id=self.id, leg_id=leg.id, mode=mode))

    async def hangup(self, cause: str = "normal") -> None:
        for leg in list(self.legs):
            await leg.hangup(cause)

    def leg_ended(self, leg: FakeLeg) -> None:
        peer = self.peers.get(leg.id)
        self.unbridge(leg)
        self.peer_hangup_handlers.pop(leg.id, None)
        if peer is not None and self.hangup_bridged_peer and peer.is_active:
            then = self.peer_hangup_handlers.pop(peer.id, None)
            self.engine.spawn(then(leg) if then is not None else peer.hangup("peer_hangup"))
        if self.legs and leg is self.legs[0] and self.end_with_caller:
            for other in self.legs:
                if other.is_active:
                    self.engine.spawn(other.hangup("caller_hangup"))
        if not any(x.is_active for x in self.legs) and not self.ended:
            self.ended = True
            recording = str(self.recorded) if self.recorded else None
            self.engine.bus.publish(CallEnded(call_id=self.id, cause=leg.cause, recording=recording))


class FakeLeg:
    def __init__(self, engine: FakeEngine, call: FakeCall, caller: str, dialed: str) -> None:
        self.engine = engine
        self.call = call
        self.id = f"{call.id}-{len(call.legs) + 1}"
        self.caller = caller
        self.dialed = dialed
        self.cause = ""
        self.state = "new"
        self.answered = asyncio.Event()
        self.ended = asyncio.Event()
        self.digits: list[str] = []
        self.played: list[str] = []
        self.headers: dict[str, str] = {}
        self.held = False
        self.flushes = 0
        call.legs.append(self)

    @property
    def is_active(self) -> bool:
        return self.state != "ended"

    def _facts(self) -> dict[str, Any]:
        return {"call_id": self.call.id, "leg_id": self.id, "caller": self.caller, "dialed": self.dialed}

    async def answer(self) -> None:
        self.state = "answered"
        self.answered.set()
        self.engine.bus.publish(LegAnswered(**self._facts()))

    async def ring(self) -> None:
        self.state = "ringing"

    async def play(self, prompt: str | Path, *, wait: bool = True, loop: bool = False) -> None:
        self.played.append(str(prompt))

    async def play_moh(self) -> None:
        self.played.append("moh")

    def stop_playback(self) -> None:
        pass

    def flush_digits(self) -> None:
        self.flushes += 1  # scripted digits are "typed" when asked for, so none is pending here

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        terminators: str = "#",
        first_timeout: float | None = None,
    ) -> str:
        if not self.digits:
            await asyncio.sleep(min(timeout, 0.05))  # silence (kept short: tests need no real timeouts)
        got = ""
        while self.digits and len(got) < max_digits:
            d = self.digits.pop(0)
            if d in terminators:
                break
            got += d
        return got

    async def wait_answered(self, timeout: float | None = None) -> bool:
        try:
            await asyncio.wait_for(self.answered.wait(), timeout)
        except TimeoutError:
            return False
        return self.is_active

    async def hold(self) -> None:
        if not self.held and self.is_active:
            self.held = True
            self.engine.bus.publish(LegHeld(**self._facts(), by="engine"))

    async def unhold(self) -> None:
        if self.held:
            self.held = False
            self.engine.bus.publish(LegResumed(**self._facts(), by="engine"))

    async def hangup(self, cause: str = "normal") -> None:
        if self.state == "ended":
            return
        was, self.state, self.cause = self.state, "ended", cause
        self.ended.set()
        self.engine.bus.publish(LegEnded(**self._facts(), cause=cause, previous_state=was))
        self.call.leg_ended(self)


class FakeEngine:
    def __init__(self, bus: InProcessBus, recordings_dir: Path) -> None:
        self.bus = bus
        self.recordings_dir = recordings_dir
        self.on_inbound: Callable[[Any], Awaitable[None]] | None = None
        self.phones: dict[str, tuple[str, float]] = {}  # extension/number -> (behaviour, delay)
        self.devices: dict[str, list[str]] = {}  # extension -> its registered phones (keys of phones)
        self.originated: list[FakeLeg] = []
        self.invite_gate: asyncio.Event | None = None  # set: INVITEs wait for it (one on its way)
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def originate(
        self,
        target: str,
        *,
        call: Any = None,
        caller_id: str = "hotline",
        display: str = "",
        headers: Sequence[tuple[str, str]] = (),
        binding: Any = None,
    ) -> FakeLeg:
        phone = binding if binding is not None else self.resolve(target)
        if self.invite_gate is not None:
            await self.invite_gate.wait()
        leg = FakeLeg(self, call or FakeCall(self), caller_id, target)
        leg.headers = dict(headers)
        self.originated.append(leg)
        behaviour, delay = self.phones[phone]
        if behaviour == "auto_answer_only":  # rings until asked to answer by itself (intercom)
            behaviour = "answer" if "answer-after=0" in leg.headers.get("Call-Info", "") else "ring"

        async def act() -> None:
            await asyncio.sleep(delay)
            if not leg.is_active:
                return
            if behaviour == "answer":
                await leg.answer()
            elif behaviour == "reject":
                await leg.hangup("rejected")

        self.spawn(act())
        return leg

    def resolve(self, target: str) -> str:
        if target not in self.phones:
            raise LookupError(f"no route to {target}")
        return target

    def contacts(self, extension: str) -> list[str]:
        return list(self.devices.get(extension, []))

    async def incoming(self, caller: str, digits: str = "", dialed: str = "12345") -> FakeLeg:
        """A call arrives: the engine hands the caller's leg to on_inbound, as the real one does."""
        leg = FakeLeg(self, FakeCall(self), caller, dialed)
        leg.digits = list(digits)
        assert self.on_inbound is not None
        self.spawn(self.on_inbound(leg))
        await asyncio.sleep(0.01)
        return leg
