"""Test helpers: a queue with satisfaction settings, short prompt WAVs, and a scripted caller leg."""

from __future__ import annotations

import asyncio
import wave
from pathlib import Path

import numpy as np

from hotline.acd.schemas import HoursIn, QueueIn
from hotline.acd.service import create_hours, create_queue
from hotline.audit.service import Actor
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.satisfaction.schemas import QueueSettingsIn
from hotline.satisfaction.service import put_settings
from hotline.store.db import Database

ACTOR = Actor(None, "test")
PROMPTS = ("satisfaction-survey-3", "satisfaction-survey-5", "satisfaction-thanks", "satisfaction-again")


def tone_wav(path: Path, hz: float = 800.0, seconds: float = 0.2) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(int(8000 * seconds)) / 8000
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes((np.sin(2 * np.pi * hz * t) * 6000).astype(np.int16).tobytes())
    return path


def recorded_prompts(folder: Path, *names: str) -> Path:
    """Short recorded prompts (they win over TTS): tests need no espeak-ng for these."""
    for name in names or PROMPTS:
        tone_wav(folder / f"{name}.wav")
    return folder


def seed_queue(db: Database, name: str = "elderly", **settings: object) -> int:
    """A queue with the given satisfaction settings, and an agent with agent number 1023."""
    with db.session() as s:
        hours = create_hours(s, ACTOR, HoursIn(name=f"h-{name}", schedule={"always_open": True}))
        create_queue(s, ACTOR, QueueIn(name=name, label=name, hours_id=hours.id))
        if settings:
            put_settings(s, ACTOR, name, QueueSettingsIn.model_validate(settings))
        user = create_user(
            s,
            ACTOR,
            UserIn(
                username=f"sat-{name}",
                display_name="王芳",
                password="password-sat",
                role=Role.agent,
                agent_number="1023",
            ),
        )
        return user.id


class ScriptedLeg:
    """The caller's leg: `keys` answer successive questions ("" = silence, "hangup" = the caller
    hangs up while asked); what is played is kept in `played`."""

    def __init__(self, keys: list[str], leg_id: str = "leg-1") -> None:
        self.id = leg_id
        self.keys = list(keys)
        self.played: list[str] = []
        self.flushes = 0
        self.ended = asyncio.Event()
        self._active = True

    @property
    def is_active(self) -> bool:
        return self._active

    async def play(self, prompt: str | Path, *, wait: bool = True, loop: bool = False) -> None:
        self.played.append(Path(prompt).stem)

    def stop_playback(self) -> None:
        pass

    def flush_digits(self) -> None:
        self.flushes += 1

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        terminators: str = "#",
        first_timeout: float | None = None,
    ) -> str:
        key = self.keys.pop(0) if self.keys else ""
        if key == "hangup":
            self._active = False
            self.ended.set()
            await asyncio.sleep(3600)  # a real leg's collect never returns: the hang-up must win
        return key

    async def hangup(self, cause: str = "normal") -> None:
        self._active = False
        self.ended.set()
