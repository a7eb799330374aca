"""Mixing for three-party calls and supervisor listen / whisper / barge.

Each participant has a role (``caller``, ``agent``, ``third``, ``supervisor``) and a mode. Who hears
whom is one rule, :func:`audible`: everyone in ``full`` or ``barge`` mode is heard by all others; a
``whisper`` supervisor is heard by agents only (never by the caller - the hotline's hard rule); a
``listen`` supervisor is heard by nobody; a participant on hold is heard by nobody and is sent nothing
(it hears its music on hold). Every 20 ms the engine calls :meth:`Mixer.tick`, which takes
one queued frame per participant, sums for each listener the frames it may hear (with clipping), and
sends the result on that participant's RTP session in its own codec.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from hotline.media import g711

Pcm = npt.NDArray[np.int16]
FRAME = 160
MODES = ("full", "listen", "whisper", "barge")


@dataclass(eq=False)
class Participant:
    key: str
    role: str
    send: Callable[[bytes, int], None]
    pt: int = 0
    mode: str = "full"
    frames: deque[Pcm] = field(default_factory=lambda: deque(maxlen=10))
    held: bool = False


def audible(speaker: Participant, listener: Participant) -> bool:
    if speaker is listener or speaker.held or listener.held:
        return False
    if speaker.mode in ("full", "barge"):
        return True
    if speaker.mode == "whisper":
        return listener.role == "agent"
    return False


def mix_for(listener: Participant, frames: dict[str, Pcm], people: list[Participant]) -> Pcm:
    acc = np.zeros(FRAME, dtype=np.int32)
    for speaker in people:
        frame = frames.get(speaker.key)
        if frame is not None and audible(speaker, listener):
            acc[: len(frame)] += frame[:FRAME]
    return np.clip(acc, -32768, 32767).astype(np.int16)


class Mixer:
    def __init__(self) -> None:
        self.people: dict[str, Participant] = {}

    def add(self, p: Participant) -> None:
        if p.mode not in MODES:
            raise ValueError(f"unknown mixer mode {p.mode!r}")
        self.people[p.key] = p

    def remove(self, key: str) -> None:
        self.people.pop(key, None)

    def set_mode(self, key: str, mode: str) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mixer mode {mode!r}")
        self.people[key].mode = mode

    def set_held(self, key: str, held: bool) -> None:
        p = self.people.get(key)
        if p is not None:
            p.held = held
            p.frames.clear()

    def feed(self, key: str, pcm: Pcm) -> None:
        p = self.people.get(key)
        if p is not None and not p.held:
            p.frames.append(pcm)

    def tick(self) -> dict[str, Pcm]:
        people = list(self.people.values())
        frames = {p.key: p.frames.popleft() for p in people if p.frames}
        out: dict[str, Pcm] = {}
        for listener in people:
            if listener.held:
                continue  # its own stream is the music on hold
            mixed = mix_for(listener, frames, people)
            out[listener.key] = mixed
            listener.send(g711.encode(mixed, listener.pt), listener.pt)
        return out
