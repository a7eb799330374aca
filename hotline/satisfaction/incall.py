"""The satisfaction domain on a live call: the agent's number announced, the caller's rating asked.

Three call hooks (`hotline.calls.hooks`). When an agent connects (AGENT_CONNECTED) and the queue
announces agent numbers, the caller hears "X号话务员为您服务" for the agent's number (people's
`agent_number`); the engine records what the caller hears, so it is in the call's recording.
When the agent hangs up first (AGENT_LEG_ENDED, the caller kept on the line) and the queue runs
the survey, the caller hears the scale's question (a recorded prompt of that name, else TTS),
presses a key (RFC 4733 or INFO; keys typed during the question count), a key off the scale gets
the question once more, and the answer is stored against the call, its queue, its agent and any
work order already made from it. No key, or hanging up, is stored as 未评价. Then the KPI book
of the running call center hears of it (`on_answer`) and the caller is thanked. A flow's
`survey` node named "satisfaction" (SURVEY_REQUESTED, e.g. an agent transferring the caller to
it) asks the same question whatever the queue's switch.

Prompts are spoken by `hotline.media.prompts.PromptLibrary` (a recorded WAV of the name wins, else
espeak-ng once per text); a prompt that cannot be made is skipped, never the call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path

from hotline.audit.service import SYSTEM
from hotline.calls.hooks import CallHook, CallHookContext, CallHookPoint
from hotline.calls.telephony import LegPort
from hotline.media.player import WavError, load_wav
from hotline.media.prompts import PromptError, PromptLibrary
from hotline.satisfaction import queries, service
from hotline.satisfaction.scales import (
    AGAIN,
    QUESTIONS,
    THANKS,
    announcement,
    announcement_prompt,
    question_prompt,
    rate,
)
from hotline.satisfaction.schemas import QueueSettingsOut
from hotline.store.db import Database

log = logging.getLogger(__name__)
ATTEMPTS = 2  # a key off the scale: asked once more, then 未评价
SURVEY_NAME = "satisfaction"  # an IVR `survey` node of this name runs the satisfaction survey
# (queue, level) of each answer stored: the call center's live KPIs count it.
AnswerSink = Callable[[str | None, str], None]
# The work order made from a call so far, if the work-orders side told us (call uuid -> order id).
WorkOrderOf = Callable[[str], int | None]


def _none(_call: str) -> int | None:
    return None


class InCall:
    """The announcement and the survey, for one process's call center (see the module doc)."""

    def __init__(
        self,
        db: Database,
        prompts: PromptLibrary,
        *,
        on_answer: AnswerSink | None = None,
        work_order_of: WorkOrderOf = _none,
    ) -> None:
        self.db = db
        self.prompts = prompts
        self.on_answer = on_answer
        self.work_order_of = work_order_of

    def hooks(self) -> dict[str, list[CallHook]]:
        return {
            CallHookPoint.AGENT_CONNECTED: [self.announce],
            CallHookPoint.AGENT_LEG_ENDED: [self.survey],
            CallHookPoint.SURVEY_REQUESTED: [self.requested],
        }

    async def _prompt(self, name: str, text: str) -> Path | None:
        try:
            return await self.prompts.ensure(name, text)
        except (PromptError, OSError) as exc:
            log.warning("prompt %s unavailable: %s", name, exc)
            return None

    # --- the agent's number ----------------------------------------------------------------------

    async def announce(self, ctx: CallHookContext) -> None:
        if ctx.agent_id is None or not ctx.queue:
            return
        found = await self.db.run(self._read, ctx.queue, ctx.agent_id)
        if found.settings is None or not found.settings.announce_agent_number or not found.agent_number:
            return
        number = found.agent_number
        path = await self._prompt(announcement_prompt(number), announcement(number))
        if path is not None and ctx.caller_leg.is_active:
            await ctx.caller_leg.play(path)

    def _read(self, queue: str | None, agent_id: int | None) -> queries.InCallSettings:
        with self.db.session() as s:
            return queries.incall_settings(s, queue, agent_id)

    # --- the survey -----------------------------------------------------------------------------

    async def survey(self, ctx: CallHookContext) -> None:
        """The agent hung up first: the queue's survey, where the queue runs one."""
        if not ctx.queue:
            return
        found = await self.db.run(self._read, ctx.queue, None)
        if found.settings is not None and found.settings.survey_enabled:
            await self._rate(ctx, found.settings)

    async def requested(self, ctx: CallHookContext) -> None:
        """The IVR (a flow's `survey` node named "satisfaction", reached from the menu or by an
        agent's transfer) handed the caller to the satisfaction survey: asked on the queue's scale,
        whether or not the queue asks every caller."""
        if ctx.survey != SURVEY_NAME:
            return  # another domain's questionnaire
        found = await self.db.run(self._read, ctx.queue, None)
        settings = found.settings or QueueSettingsOut(queue=ctx.queue or "")
        await self._rate(ctx, settings)

    async def _rate(self, ctx: CallHookContext, settings: QueueSettingsOut) -> None:
        key, reason = await self.ask(ctx.caller_leg, settings)
        call = service.RatedCall(
            call_uuid=ctx.call_id,
            queue=ctx.queue,
            agent_id=ctx.agent_id,
            caller_id=ctx.caller_id,
            work_order_id=self.work_order_of(ctx.call_id),
        )
        level = await self.db.run(self._store, call, settings.scale, key, reason)
        if self.on_answer is not None:
            self.on_answer(ctx.queue, level)
        if key is not None and ctx.caller_leg.is_active:
            thanks = await self._prompt("satisfaction-thanks", THANKS)
            if thanks is not None:
                await ctx.caller_leg.play(thanks)

    async def _question(self, settings: QueueSettingsOut) -> Path | None:
        if settings.survey_prompt:
            named = self.prompts.find(settings.survey_prompt)
            if named is not None:
                return named
            log.warning("survey prompt %s of queue %s is missing", settings.survey_prompt, settings.queue)
        return await self._prompt(question_prompt(settings.scale), QUESTIONS[settings.scale])

    async def ask(self, leg: LegPort, settings: QueueSettingsOut) -> tuple[str | None, str]:
        """The key pressed on the scale, or (None, why not: no_key | invalid | hung_up)."""
        question = await self._question(settings)
        seconds = _duration(question)
        reason = "no_key"
        for attempt in range(ATTEMPTS):
            if not leg.is_active:
                return None, "hung_up"
            if attempt:
                again = await self._prompt("satisfaction-again", AGAIN)
                if again is not None:
                    await leg.play(again)
            leg.flush_digits()  # keys pressed for the agent (or before the question) are no answer
            if question is not None:
                await leg.play(question, wait=False)
            got = await _key(leg, seconds + settings.wait_seconds)
            leg.stop_playback()
            if not leg.is_active:
                return None, "hung_up"
            if got and rate(settings.scale, got) is not None:
                return got, ""
            reason = "invalid" if got else "no_key"
            if not got:
                break  # silence: asking again only keeps a caller who has gone quiet
        return None, reason

    def _store(self, call: service.RatedCall, scale: int, key: str | None, reason: str) -> str:
        with self.db.session() as s:
            row = service.record_answer(s, SYSTEM, call, scale, key, reason or None)
            return row.level


async def _key(leg: LegPort, seconds: float) -> str:
    """One key within `seconds`, or "" (also at once when the caller hangs up meanwhile)."""
    collect = asyncio.ensure_future(
        leg.collect_digits(1, timeout=seconds, terminators="", first_timeout=seconds)
    )
    ended = asyncio.ensure_future(leg.ended.wait())
    try:
        await asyncio.wait({collect, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ended.cancel()
        if not collect.done():
            collect.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        if collect.done() and not collect.cancelled():
            return collect.result()
    return ""


def _duration(path: Path | None) -> float:
    if path is None:
        return 0.0
    try:
        return len(load_wav(path)) / 8000
    except (OSError, WavError):
        return 0.0
