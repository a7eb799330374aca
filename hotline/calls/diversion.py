"""Diversions: where another domain changes a call's route before its menu (emergency modes).

A diverter (registered with `CallCenter.diversions.register`, e.g. by the contingency plug-in) is
asked once per inbound call, after the caller is identified and the call answered, and may answer
a `Diversion`: prompts to play before the menu (an announcement, 插播), a number to send the call
to at once (a backup center, when nobody is logged in) or after it waited `overflow_after` seconds
in the queue, or a `take_over` coroutine that handles the call itself (callback collection) and
says how it ended. The first diverter with an answer wins. The steps show in the call's IVR path
(the CDR) and in the IVR simulator (`simulate_with`), so a supervisor sees a call's path with a
mode on. Asked synchronously on the loop: a diverter answers from memory.

The same seam says where else an agent is rung (`mobile_for`): while remote duty is on, the
contingency plug-in's `remote_duty` answers the agent's mobile, which the offer rings through the
trunk beside their registered phones.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

from hotline.acd.engine import Acd
from hotline.acd.states import AgentState
from hotline.calls.telephony import LegPort
from hotline.ivr.interpreter import Outcome
from hotline.ivr.simulate import Simulation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DivertQuery:
    """What a diverter knows of the call."""

    call_id: str
    dialed: str
    caller: str
    agents_logged_in: int


@dataclass(frozen=True)
class TakeOver:
    """A mode handling the call itself: `run(leg, call_id, caller)` returns the call's outcome."""

    label_zh: str
    run: Callable[[LegPort, str, str], Awaitable[str]]


@dataclass(frozen=True)
class Diversion:
    mode: str  # what the call's path names (e.g. "contingency:announcement#3")
    announce: tuple[str, ...] = ()  # prompts played before the menu
    words: tuple[str, ...] = ()  # what they say (the simulator's transcript), "" when unknown
    transfer_to: str | None = None  # send the call there now (skip the menu)
    overflow_to: str | None = None  # send a caller still waiting in the queue there...
    overflow_after: float = 0.0  # ...after this many seconds
    take_over: TakeOver | None = None

    def merged(self, other: Diversion) -> Diversion:
        """Two modes on at once: announcements of both; the first one's routing wins."""
        return replace(
            self,
            mode=f"{self.mode}+{other.mode}",
            announce=self.announce + other.announce,
            words=self.words + other.words,
            transfer_to=self.transfer_to or other.transfer_to,
            overflow_to=self.overflow_to or other.overflow_to,
            overflow_after=self.overflow_after if self.overflow_to else other.overflow_after,
            take_over=self.take_over or other.take_over,
        )

    def step(self) -> dict[str, Any]:
        """The entry in the call's IVR path."""
        step: dict[str, Any] = {"node": "diversion", "mode": self.mode}
        if self.announce:
            step["announce"] = list(self.announce)
        if self.transfer_to:
            step["transfer_to"] = self.transfer_to
        if self.overflow_to:
            step["overflow_to"], step["overflow_after"] = self.overflow_to, self.overflow_after
        if self.take_over:
            step["take_over"] = self.take_over.label_zh
        return step


Diverter = Callable[[DivertQuery], Diversion | None]


def logged_in(acd: Acd) -> int:
    """How many agents are logged in (a mode may send calls elsewhere when nobody is)."""
    return sum(1 for agent in acd.agents.values() if agent.state is not AgentState.logged_out)


class Diversions:
    """The diverters registered on the running center, asked in registration order."""

    def __init__(self) -> None:
        self._diverters: list[Diverter] = []
        self.remote_duty: Callable[[int], str | None] | None = None  # agent id -> mobile to ring

    def mobile_for(self, agent_id: int) -> str | None:
        """The agent's mobile to ring beside their phones (remote duty on), else None."""
        if self.remote_duty is None:
            return None
        try:
            return self.remote_duty(agent_id)
        except Exception:  # another domain's failure must not break the offer
            log.exception("remote duty lookup failed for agent %s", agent_id)
            return None

    def register(self, diverter: Diverter) -> Callable[[], None]:
        self._diverters.append(diverter)

        def unregister() -> None:
            if diverter in self._diverters:
                self._diverters.remove(diverter)

        return unregister

    def ask(self, query: DivertQuery) -> Diversion | None:
        for diverter in list(self._diverters):
            try:
                found = diverter(query)
            except Exception:  # another domain's failure must not break the call
                log.exception("diverter %s failed on call %s", diverter, query.call_id)
                continue
            if found is not None:
                return found
        return None


def simulate_with(sim: Simulation, diversion: Diversion | None) -> Simulation:
    """The simulator's transcript as a live call would go with `diversion` on."""
    if diversion is None:
        return sim
    head, head_zh = [f"[mode {diversion.mode}]"], [f"【应急模式】{diversion.mode}"]
    words = list(diversion.words) + [""] * len(diversion.announce)
    for prompt, text in zip(diversion.announce, words, strict=False):
        head.append(f"[play {prompt}] {text}".rstrip())
        head_zh.append(f"【插播】{text or prompt}")
    if diversion.take_over is not None:
        outcome = Outcome("callback", "", reason="contingency")
        tail, tail_zh = ["=> callback collection"], [f"⇒ {diversion.take_over.label_zh}"]
        return Simulation([*head, *tail], outcome, [*head_zh, *tail_zh])
    if diversion.transfer_to:
        outcome = Outcome("transfer", "", target=diversion.transfer_to, target_kind="external")
        tail = [f"=> transfer -> {diversion.transfer_to} (backup center)"]
        tail_zh = [f"⇒ 转接备用中心：{diversion.transfer_to}"]
        return Simulation([*head, *tail], outcome, [*head_zh, *tail_zh])
    transcript, zh = [*head, *sim.transcript], [*head_zh, *sim.transcript_zh]
    if diversion.overflow_to and sim.outcome.kind == "enqueue":
        transcript.append(
            f"=> after {diversion.overflow_after:g} s waiting: transfer -> {diversion.overflow_to}"
        )
        zh.append(f"⇒ 排队超过 {diversion.overflow_after:g} 秒：转接备用中心 {diversion.overflow_to}")
    return Simulation(transcript, sim.outcome, zh)
