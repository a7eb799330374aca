"""The dialler without SIP: lines per campaign, busy numbers due again only after the spacing and
up to the attempts, a leg that never answers CANCELled after the ring time; the plug-in starts it
only where the engine runs, after closing what a crash left open."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from hotline.bus import InProcessBus
from hotline.plugins import Context
from hotline.store.db import Database
from hotline.surveys import campaigns
from hotline.surveys.dialer import Dialer
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.models import SurveyDialAttempt, SurveyInterview
from hotline.surveys.plugin import DIALER, PLUGIN
from hotline.telephony.plugin import ENGINE
from tests.conftest import make_settings
from tests.surveys.campaign_helpers import ACTOR, THURSDAY_10H, phone_campaign
from tests.surveys.test_campaign import FakePrompts


@dataclass
class UnansweredLeg:
    cause: str  # "busy": 486 at once; "": rings until hung up
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    hung_up: bool = False

    @property
    def is_active(self) -> bool:
        return not self.ended.is_set()

    async def wait_answered(self, timeout: float | None = None) -> bool:
        if self.cause:
            self.ended.set()
            return False
        await asyncio.sleep(timeout or 0)
        return False

    async def hangup(self, cause: str = "normal") -> None:
        self.hung_up = True
        self.ended.set()


@dataclass
class FakeEngine:
    cause: str
    prompts_dir: Path
    rung: list[str] = field(default_factory=list)
    legs: list[UnansweredLeg] = field(default_factory=list)

    async def originate(self, target: str, **_: object) -> UnansweredLeg:
        self.rung.append(target)
        self.legs.append(UnansweredLeg(self.cause))
        return self.legs[-1]


def _run(dialer: Dialer) -> int:
    """One step of the dialler, and every call it started run to its end."""

    async def main() -> int:
        started = await dialer.step()
        calls = [t for ts in dialer.active.values() for t in ts]
        await asyncio.gather(*calls)
        return started

    return asyncio.run(main())


def test_busy_numbers_retry_after_the_spacing_up_to_the_attempts(db: Database, tmp_path: Path) -> None:
    _sid, cid = phone_campaign(db, ["13900000001", "13900000002", "13900000003"], max_lines=2, max_attempts=2)
    clock = [THURSDAY_10H]
    engine = FakeEngine("busy", tmp_path)
    dialer = Dialer(db, engine, Interviewer(db, FakePrompts(tmp_path), tmp_path), clock=lambda: clock[0])  # type: ignore[arg-type]
    assert _run(dialer) == 2  # two lines
    assert _run(dialer) == 1  # the third respondent; the first two not yet due
    assert _run(dialer) == 0
    clock[0] += timedelta(minutes=31)
    assert _run(dialer) == 2 and _run(dialer) == 1
    clock[0] += timedelta(minutes=31)
    assert _run(dialer) == 0  # two attempts each: done
    assert sorted(engine.rung) == sorted(["13900000001", "13900000002", "13900000003"] * 2)
    with db.session() as s:
        ivs = s.scalars(select(SurveyInterview).where(SurveyInterview.campaign_id == cid)).all()
        assert {(iv.state, iv.attempts) for iv in ivs} == {("busy", 2)}
        assert {a.sip_status for a in s.scalars(select(SurveyDialAttempt))} == {486}


def test_ringing_past_the_ring_time_is_cancelled_as_no_answer(db: Database, tmp_path: Path) -> None:
    _sid, cid = phone_campaign(db, ["13900000001"], ring_seconds=5)
    engine = FakeEngine("", tmp_path)
    dialer = Dialer(db, engine, Interviewer(db, FakePrompts(tmp_path), tmp_path), clock=lambda: THURSDAY_10H)  # type: ignore[arg-type]
    with db.session() as s:  # the ring time is the campaign's: made short for the test
        campaigns.get_campaign(s, cid).ring_seconds = 0
    assert _run(dialer) == 1
    assert engine.legs[0].hung_up  # CANCEL
    with db.session() as s:
        [iv] = s.scalars(select(SurveyInterview).where(SurveyInterview.campaign_id == cid)).all()
        assert (iv.state, iv.next_at) == ("no_answer", THURSDAY_10H + timedelta(minutes=30))


def test_plugin_runs_the_dialler_where_the_engine_runs_after_recovery(db: Database, tmp_path: Path) -> None:
    _sid, cid = phone_campaign(db, ["13900000001"])
    with db.session() as s:
        campaigns.claim_due(s, cid, 1, THURSDAY_10H)  # then the process died
        campaigns.act(s, ACTOR, cid, campaigns.CampaignAction.pause)

    async def main() -> None:
        ctx = Context(make_settings(db, tmp_path, jobs_enabled=True), db, InProcessBus())
        await PLUGIN.start(ctx)
        assert ctx.find(DIALER) is None  # no engine in this process: no dialler
        ctx.provide(ENGINE, FakeEngine("busy", tmp_path))  # type: ignore[arg-type]
        await PLUGIN.start(ctx)
        dialer = ctx.get(DIALER)
        assert dialer.recovered == 1
        await PLUGIN.stop(ctx)
        assert ctx.find(DIALER) is None

    asyncio.run(main())
    with db.session() as s:
        [iv] = s.scalars(select(SurveyInterview).where(SurveyInterview.campaign_id == cid)).all()
        assert iv.state == "interrupted"
