"""Recording marks from the real telephony engine: a SIPp caller reaches an agent whose SIPp phone
streams a tone (so the WAV runs the whole call); the agent holds and resumes, the supervisor
listens then whispers from their own phone, the agent marks a moment. Each mark's offset must lie
where the action happened on the recorder's own clock, and inside the recorded file."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from hotline.calls import marks
from hotline.calls.models import Recording, RecordingMark
from hotline.media import g711
from hotline.store.db import Database
from tests.callcenter.rig import ACTOR, Rig
from tests.sip.harness import SCENARIOS, need

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]


@pytest.fixture
def rig(sqlite_db: Database, tmp_path: Path) -> Iterator[Rig]:
    need("sipp")
    r = Rig(sqlite_db, tmp_path, 47000)
    yield r
    r.close()


def tone_dir(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    t = np.arange(8000 * 12) / 8000
    pcm = (np.sin(2 * np.pi * 800 * t) * 6000).astype(np.int16)
    (folder / "tone.ulaw").write_bytes(g711.ulaw_encode(pcm))
    return folder


def test_engine_events_mark_the_recording(rig: Rig, tmp_path: Path) -> None:
    agent, sup = rig.agents["1001"], rig.agents["2001"]
    rig.phone("1001", scenario=str(SCENARIOS / "uas_tone.xml"), cwd=tone_dir(tmp_path / "agent"))
    rig.phone("2001")
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.caller("13800000031", "1", hold_ms=9000)
    rig.wait(lambda: rig.center.acd.agents[agent].state.value == "talking", what="agent talking")
    live = next(iter(rig.center.live.values()))
    t0 = rig.do(lambda: live.call.recorder.t0)  # the recorder places audio by this clock
    windows: list[tuple[str, float, float]] = []

    def act(kind: str, fn: Callable[[], Any]) -> Any:
        before = time.monotonic() - t0
        result = rig.do(fn)
        windows.append((kind, before, time.monotonic() - t0))
        return result

    time.sleep(0.8)
    act("hold", lambda: rig.center.control.hold(agent, True))
    time.sleep(0.5)
    act("unhold", lambda: rig.center.control.hold(agent, False))
    time.sleep(0.3)
    act("supervisor_listen", lambda: rig.center.control.supervise(sup, agent, "listen"))
    time.sleep(0.3)
    act("supervisor_whisper", lambda: rig.center.control.supervise(sup, agent, "whisper"))
    time.sleep(0.3)
    where = act("agent_mark", lambda: rig.center.marks.live_offset(live.uuid))
    with rig.db.session() as s:
        marks.add(s, ACTOR, where["call_id"], where["offset_seconds"], "agent_mark", "核实地址", agent)
    assert caller.wait(60) == 0, caller.output
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    rig.do(rig.center.writer.flush)
    with rig.db.session() as s:
        rec = s.scalars(select(Recording)).one()
        rows = list(s.scalars(select(RecordingMark).order_by(RecordingMark.offset_seconds)))
    assert [m.kind for m in rows] == [k for k, _, _ in windows]
    for m, (kind, lo, hi) in zip(rows, windows, strict=True):
        assert lo - 0.02 <= m.offset_seconds <= hi + 0.02, (kind, lo, m.offset_seconds, hi)
        assert m.call_uuid == rec.call_uuid
    assert rows[0].label == "caller" and rows[2].agent_id == sup
    assert rec.duration_seconds is not None and rows[-1].offset_seconds < rec.duration_seconds
