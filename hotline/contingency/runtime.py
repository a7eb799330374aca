"""The emergency modes in force, in memory on the call center's loop, and what they do to a call.

`ModeBoard` holds the modes on now (reloaded from the database at start and after each
`contingency.mode_switched`; expiry is checked at every call, so a mode ends on time without a
reload) and is the call center's diverter (`hotline.calls.diversion`): an announcement is played
before the menu (its text spoken by TTS into `generated/contingency-notice-<id>.wav` when
switched on, or the uploaded prompt it names); an overflow sends the caller to the backup center
through the trunk at once when nobody is logged in, else after N s in the queue; callback-only
mode takes the call over: the caller keys in a number (or # for their own), which goes to the
callback worklist, hears a thank-you and is let go; remote duty rings an offered agent's mobile
(`users.mobile`, read at each switch) through the trunk beside their phones
(`Diversions.remote_duty`), the answered one bridged as the agent's leg.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from hotline.calls.diversion import Diversion, DivertQuery, TakeOver
from hotline.calls.telephony import LegPort
from hotline.contingency import service
from hotline.contingency.models import ContingencyMode
from hotline.media.prompts import PromptError, PromptLibrary
from hotline.people.queries import agent_mobiles
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)

# What callback collection says (TTS in development; a recorded WAV of the same name wins).
PROMPTS = {
    "contingency-callback-ask": (
        "现在来电较多，请输入您希望我们回电的号码，以井号键结束；使用本机号码请直接按井号键。"
    ),
    "contingency-callback-thanks": "已记下您的回电号码，我们会尽快给您回电。感谢您的来电，再见。",
}
NUMBER = re.compile(r"\+?[0-9]{3,20}")
KEY_SECONDS = 10.0


def notice_prompt(mode_id: int) -> str:
    """The prompt an announcement mode's text is spoken into."""
    return f"contingency-notice-{mode_id}"


@dataclass(frozen=True)
class Mode:
    """A mode in force as the call path needs it (detached from the session)."""

    id: int
    kind: str
    prompt: str | None
    text: str | None
    backup_number: str | None
    overflow_after: float
    when_no_agent: bool
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def of(cls, row: ContingencyMode) -> Mode:
        return cls(
            row.id,
            row.kind,
            row.prompt,
            row.text,
            row.backup_number,
            float(row.overflow_after_seconds),
            row.when_no_agent,
            row.starts_at,
            row.ends_at,
        )

    @property
    def label(self) -> str:
        return f"{self.kind}#{self.id}"


class ModeBoard:
    """The modes in force and the diverter the call center asks."""

    def __init__(
        self, db: Database, prompts_dir: Path | None, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.db = db
        self.prompts = PromptLibrary(prompts_dir) if prompts_dir is not None else None
        self.clock = clock
        self.modes: tuple[Mode, ...] = ()
        self.mobiles: dict[int, str] = {}  # agent -> mobile, for remote duty

    def load(self) -> tuple[Mode, ...]:
        """Read the modes in force (in a worker thread: it is a query)."""
        with self.db.session() as s:
            return tuple(Mode.of(row) for row in service.active_modes(s, self.clock()))

    def load_mobiles(self) -> dict[int, str]:
        with self.db.session() as s:
            return agent_mobiles(s)

    async def refresh(self) -> None:
        self.modes = await self.db.run(self.load)
        self.mobiles = await self.db.run(self.load_mobiles)
        await self.speak()

    def remote_duty(self, agent_id: int) -> str | None:
        """The agent's mobile to ring through the trunk while remote duty is on, else None."""
        if not any(m.kind == "remote_duty" for m in self.in_force()):
            return None
        return self.mobiles.get(agent_id)

    async def speak(self) -> None:
        """TTS for the modes on: announcements' texts, callback collection's prompts (missing or
        changed only; nothing while no mode is on)."""
        if self.prompts is None:
            return
        wanted = dict(PROMPTS) if any(m.kind == "callback_only" for m in self.modes) else {}
        for mode in self.modes:
            if mode.kind == "announcement" and mode.text and not mode.prompt:
                wanted[notice_prompt(mode.id)] = mode.text
        for name, text in wanted.items():
            try:
                await self.prompts.ensure(name, text)
            except (PromptError, OSError) as exc:
                log.warning("prompt %s not generated: %s", name, exc)

    def in_force(self) -> list[Mode]:
        now = self.clock()
        return [m for m in self.modes if m.starts_at <= now < m.ends_at]

    def divert(self, query: DivertQuery) -> Diversion | None:
        found = [d for m in self.in_force() if (d := self._diversion(m, query)) is not None]
        if not found:
            return None
        result = found[0]
        for more in found[1:]:
            result = result.merged(more)
        return result

    def _diversion(self, mode: Mode, query: DivertQuery) -> Diversion | None:
        if mode.kind == "announcement":
            prompt = mode.prompt or notice_prompt(mode.id)
            return Diversion(mode.label, announce=(prompt,), words=(mode.text or "",))
        if mode.kind == "overflow" and mode.backup_number:
            if mode.when_no_agent and query.agents_logged_in == 0:
                return Diversion(mode.label, transfer_to=mode.backup_number)
            return Diversion(mode.label, overflow_to=mode.backup_number, overflow_after=mode.overflow_after)
        if mode.kind == "callback_only":
            return Diversion(
                mode.label, take_over=TakeOver("仅登记回拨", functools.partial(self.collect, mode.id))
            )
        return None

    async def collect(self, mode_id: int, leg: LegPort, call_id: str, caller: str) -> str:
        """Callback collection: ask for a number (# for the caller's own), write it, thank them."""
        leg.flush_digits()
        with contextlib.suppress(FileNotFoundError):
            await leg.play("contingency-callback-ask", wait=False)
        keyed = await leg.collect_digits(20, KEY_SECONDS, "#", first_timeout=KEY_SECONDS)
        leg.stop_playback()
        number = keyed if keyed and NUMBER.fullmatch(keyed) else caller
        if not number or not NUMBER.fullmatch(number):
            return "callback_failed"

        def write() -> None:
            with self.db.session() as s:
                service.collect_callback(s, mode_id, call_id, caller, number)

        await self.db.run(write)
        if leg.is_active:
            with contextlib.suppress(FileNotFoundError):
                await leg.play("contingency-callback-thanks", wait=True)
        return "callback_collected"
