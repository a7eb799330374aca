"""The campaign dialler: rings the respondents of running campaigns through the outbound trunk,
at most `max_lines` calls per campaign at once, only inside the calling window (on its clock,
injectable for tests), and runs the automated interview (`ivrcall.Interviewer`) on each answered
call.

Every call is claimed and committed (`campaigns.claim_due`) before its INVITE leaves, and closed
(`campaigns.finish`) when it ends: busy (486/600) and no answer (480/408, or ringing past the
campaign's ring time, then CANCEL) are due again after the spacing; 404 is a wrong number. At
start the dialler first closes what a crash left open (`campaigns.recover`), so a restarted
process never rings anyone twice. One dialler per database: it runs in the process that holds
the telephony engine (`hotline serve`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from hotline.calls.telephony import EnginePort, LegPort
from hotline.errors import HotlineError
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.surveys import campaigns
from hotline.surveys.campaigns import Claim
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.models import SurveyVersion
from hotline.surveys.service import get_version, version_definition

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
# Why an unanswered call ended -> the attempt's outcome.
CAUSE_OUTCOME = {
    "busy": "busy",
    "not_found": "wrong_number",
    "no_answer": "no_answer",
    "cancelled": "no_answer",
}
CAUSE_STATUS = {"busy": 486, "not_found": 404, "no_answer": 480}


class Dialer:
    def __init__(
        self,
        db: Database,
        engine: EnginePort,
        interviewer: Interviewer,
        *,
        clock: Clock = utcnow,
        tick: float = 1.0,
    ) -> None:
        self.db = db
        self.engine = engine
        self.interviewer = interviewer
        self.clock = clock
        self.tick = tick
        self.active: dict[int, set[asyncio.Task[None]]] = defaultdict(set)
        self._prepared: set[int] = set()  # survey versions whose prompts are spoken
        self._task: asyncio.Task[None] | None = None
        self.recovered = 0

    async def start(self) -> None:
        self.recovered = await self.db.run(self._recover)
        if self.recovered:
            log.warning("survey dialler: %d call(s) cut by a restart closed as interrupted", self.recovered)
        self._task = asyncio.ensure_future(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        calls = [t for ts in self.active.values() for t in ts]
        for t in calls:
            t.cancel()
        await asyncio.gather(*calls, return_exceptions=True)

    def lines_in_use(self, campaign_id: int | None = None) -> int:
        if campaign_id is not None:
            return len(self.active[campaign_id])
        return sum(len(ts) for ts in self.active.values())

    async def _loop(self) -> None:
        while True:
            try:
                await self.step()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("survey dialler step failed")
            await asyncio.sleep(self.tick)

    async def step(self) -> int:
        """Claim and ring what is due now on every running campaign; returns the calls started."""
        started = 0
        for c in await self.db.run(self._running):
            free = c[1] - len(self.active[c[0]])
            if free <= 0:
                continue
            await self._prepare(c[2])
            for claim in await self.db.run(self._claim, c[0], free, self.clock()):
                task = asyncio.ensure_future(self._call(claim))
                self.active[claim.campaign_id].add(task)
                task.add_done_callback(self.active[claim.campaign_id].discard)
                started += 1
        return started

    async def _prepare(self, survey_id: int) -> None:
        version = await self.db.run(self._latest, survey_id)
        if version is not None and version.id not in self._prepared:
            await self.interviewer.prepare(version_definition(version))
            self._prepared.add(version.id)

    async def _call(self, claim: Claim) -> None:
        outcome, status = "failed", None
        leg: LegPort | None = None
        try:
            leg = await self.engine.originate(claim.phone, caller_id=claim.caller_number or "hotline")
            if await leg.wait_answered(claim.ring_seconds):
                await self.db.run(self._answered, claim.attempt_id)
                outcome = await self.interviewer.interview(leg, claim.link_id)
            else:
                cause = leg.cause or "no_answer"
                outcome = CAUSE_OUTCOME.get(cause, "no_answer")
                status = CAUSE_STATUS.get(cause)
        except (LookupError, OSError) as exc:
            log.warning("survey call %s: no route (%s)", claim.interview_id, exc)
            outcome = "no_answer"
        except asyncio.CancelledError:
            outcome = "interrupted"  # the dialler stops: never rung again by itself
            raise
        except Exception:
            log.exception("survey call %s failed", claim.interview_id)
            outcome = "partial"
        finally:
            if leg is not None and leg.is_active:
                with contextlib.suppress(Exception):
                    await leg.hangup("normal")
            if outcome == "failed":
                outcome = "no_answer"
            try:
                await asyncio.shield(self.db.run(self._finish, claim, outcome, status))
            except Exception:
                log.exception("survey call %s: outcome %s not stored", claim.interview_id, outcome)

    # --- database work ---------------------------------------------------------------------------

    def _recover(self) -> int:
        with self.db.session() as s:
            return campaigns.recover(s, self.clock())

    def _running(self) -> list[tuple[int, int, int]]:
        with self.db.session() as s:
            return [(c.id, c.max_lines, c.survey_id) for c in campaigns.running(s)]

    def _latest(self, survey_id: int) -> SurveyVersion | None:
        """The published version new responses are started on."""
        with self.db.session() as s:
            try:
                v = get_version(s, survey_id)
            except HotlineError:
                return None
            s.expunge(v)
            return v

    def _claim(self, campaign_id: int, lines: int, now: datetime) -> list[Claim]:
        with self.db.session() as s:
            return campaigns.claim_due(s, campaign_id, lines, now)

    def _answered(self, attempt_id: int) -> None:
        with self.db.session() as s:
            campaigns.answered(s, attempt_id, self.clock())

    def _finish(self, claim: Claim, outcome: str, status: int | None) -> None:
        with self.db.session() as s:
            campaigns.finish(s, claim, outcome, self.clock(), status)
