"""Acceptance with real parts: an automated IVR campaign of 20 respondents rung through the
outbound trunk by the dialler in its own process, against one SIPp UAS standing in for the
respondents' phones (its behaviour chosen by the number dialled): phones that answer and press
RFC 4733 keys (satisfied ones skip Q2, dissatisfied ones answer it), speak an answer to the text
question, press # and hang up during the thanks; busy phones (486); phones that ring unanswered
(CANCELled after the ring time); one that hangs up after its first answer; one on the
do-not-call list.

The dialler runs on an explicit clock (a file) at 19:58 on a Thursday. Mid-campaign, once a call
in progress has an acknowledged answer, the process is killed with SIGKILL and started again:
the calls it cut are closed as interrupted and never rung again, and every answer committed before
the kill is still there. Busy / unanswered numbers are due again at 20:28, outside the window:
at 20:40 nothing is rung; at 09:01 the next morning they are, once more (two attempts at most).
What each phone received is read from SIPp's own message trace (INVITEs per number by Call-ID).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import select

from hotline.store.db import Database
from hotline.surveys import campaigns
from hotline.surveys.cati import in_window
from hotline.surveys.models import SurveyDialAttempt, SurveyInterview, SurveyResponse, SurveyVoiceAnswer
from tests.parallel import rtp_block
from tests.sip.harness import free_port, need
from tests.surveys.campaign_helpers import ACTOR, phone_campaign
from tests.surveys.sipp_phones import (
    BYE,
    EMPTY,
    INVITE,
    OK_BYE,
    PHONES_IP,
    REFERENCE,
    RESP,
    SDP,
    Phones,
    keys,
    ringing,
    speech,
)

pytestmark = [pytest.mark.timeout(300), pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
THURSDAY_1958 = datetime(2026, 12, 3, 11, 58, tzinfo=UTC)  # 19:58 Shanghai
THURSDAY_2040 = datetime(2026, 12, 3, 12, 40, tzinfo=UTC)
FRIDAY_0901 = datetime(2026, 12, 4, 1, 1, tzinfo=UTC)
# The number's fourth digit says what the phone does.
HAPPY, UNHAPPY, BUSY, NO_ANSWER, HANGS_UP, DNC = "1", "2", "3", "4", "5", "6"
PLAN = [HAPPY, UNHAPPY] * 5 + [BUSY] * 3 + [NO_ANSWER] * 2 + [HANGS_UP, DNC] + [HAPPY, UNHAPPY, HAPPY]
NUMBERS = [f"139{kind}000{i:04d}" for i, kind in enumerate(PLAN)]


def phones_xml(folder: Path) -> str:
    """One UAS for every respondent: the number in To picks the behaviour (see PLAN)."""
    flags = "".join(
        f'<ereg regexp="sip:139{kind}" search_in="hdr" header="To:" check_it="false" assign_to="{name}"/>\n'
        for kind, name in ((BUSY, "busy"), (NO_ANSWER, "noans"), (HANGS_UP, "hangup"), (UNHAPPY, "unhappy"))
    )
    ok = RESP.format(extra=' retrans="500"', status="200 OK", body=SDP)
    terminated = RESP.format(extra="", status="487 Request Terminated", body=EMPTY)
    steps = [
        INVITE.format(more=flags),
        '<nop test="busy" next="busy"/>',
        '<nop test="noans" next="noans"/>',
        ringing(),
        ok,
        '<recv request="ACK" crlf="true"/>',
        '<nop test="hangup" next="hangup"/>',
        '<nop test="unhappy" next="unhappy"/>',
        '<pause milliseconds="600"/>',
        keys(folder, "14"),
        '<nop next="talk"/>',
        '<label id="unhappy"/>',
        '<pause milliseconds="600"/>',
        keys(folder, "325"),
        '<label id="talk"/>',
        '<pause milliseconds="5000"/>',
        speech(),
        '<pause milliseconds="7300"/>',
        keys(folder, "#", gap_ms=0, first=3),
        '<recv request="BYE" timeout="1500" ontimeout="leave"/>',  # or hang up during the thanks
        OK_BYE,
        '<nop next="end"/>',
        '<label id="leave"/>',
        BYE,
        '<nop next="end"/>',
        '<label id="hangup"/>',
        '<pause milliseconds="600"/>',
        keys(folder, "1"),
        '<pause milliseconds="3000"/>',
        BYE,
        '<nop next="end"/>',
        '<label id="busy"/>',
        RESP.format(extra="", status="486 Busy Here", body=EMPTY),
        '<recv request="ACK"/>',
        '<nop next="end"/>',
        '<label id="noans"/>',
        ringing(),
        '<recv request="CANCEL"/>',
        RESP.format(extra="", status="200 OK", body=EMPTY),
        terminated.replace("[last_CSeq:]", "CSeq: 1 INVITE"),
        '<recv request="ACK"/>',
        '<label id="end"/>',
        REFERENCE.format(more=",busy,noans,hangup,unhappy"),
    ]
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="respondents">\n{body}\n</scenario>\n'


def _serve(db: Database, port: int, data: Path, trunk: str, clock: Path) -> tuple[subprocess.Popen[str], int]:
    args = [str(data), trunk, str(clock)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.surveys.serve_campaign", db.url, str(port), str(rtp_block(500)), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline().split()
    assert line[:1] == ["ready"], line
    return proc, int(line[1])


def _set_clock(path: Path, when: datetime) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(when.isoformat())
    tmp.replace(path)


def _wait(pred: Callable[[], Any], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _interviews(db: Database, cid: int) -> dict[str, SurveyInterview]:
    with db.session() as s:
        rows = s.scalars(select(SurveyInterview).where(SurveyInterview.campaign_id == cid)).all()
        s.expunge_all()
        return {iv.phone: iv for iv in rows}


def _answers(db: Database) -> dict[int, dict[str, Any]]:
    with db.session() as s:
        return {r.link_id or 0: dict(r.answers or {}) for r in s.scalars(select(SurveyResponse))}


def _mid_campaign(db: Database, cid: int) -> bool:
    """Some interviews completed, and a call in progress whose first answers are committed."""
    answers, ivs = _answers(db), _interviews(db, cid).values()
    done = sum(iv.state == "completed" for iv in ivs)
    return done >= 3 and any(iv.state == "in_progress" and answers.get(iv.link_id) for iv in ivs)


def test_campaign_of_20_with_kill_and_restart(sqlite_db: Database, tmp_path: Path) -> None:
    need("sipp")
    db = sqlite_db
    _sid, cid = phone_campaign(
        db, NUMBERS, max_lines=8, max_attempts=2, retry_minutes=30, ring_seconds=4, caller_number="12345"
    )
    with db.session() as s:
        campaigns.add_do_not_call(s, ACTOR, NUMBERS[PLAN.index(DNC)], "本人要求")
    clock = tmp_path / "clock.txt"
    _set_clock(clock, THURSDAY_1958)
    phones = Phones(tmp_path, phones_xml(tmp_path), rtp_block(200))
    port = free_port()
    trunk = f"{PHONES_IP}:{phones.port}"
    proc, recovered = _serve(db, port, tmp_path, trunk, clock)
    try:
        assert recovered == 0
        _wait(lambda: _mid_campaign(db, cid), "interviews completed and a call in progress with answers")
        acknowledged = _answers(db)  # everything committed before the kill
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        cut = {p for p, iv in _interviews(db, cid).items() if iv.state == "in_progress"}
        assert cut, "the kill left no call in progress"
        proc, recovered = _serve(db, port, tmp_path, trunk, clock)
        assert recovered == len(cut)

        def first_round_done() -> bool:
            states = {iv.state for iv in _interviews(db, cid).values()}
            return not states & {"pending", "in_progress"}

        _wait(first_round_done, "every respondent rung once", timeout=180)
        with db.session() as s:
            attempts_before = len(s.scalars(select(SurveyDialAttempt)).all())
        _set_clock(clock, THURSDAY_2040)  # after the spacing, outside the window
        time.sleep(1.5)  # five of the dialler's ticks: a negative check has no event to wait for
        with db.session() as s:
            assert len(s.scalars(select(SurveyDialAttempt)).all()) == attempts_before
        _set_clock(clock, FRIDAY_0901)

        def retried() -> bool:
            ivs = [iv for p, iv in _interviews(db, cid).items() if p[3] in (BUSY, NO_ANSWER) and p not in cut]
            return all(iv.attempts == 2 and iv.state in ("busy", "no_answer") for iv in ivs)

        _wait(retried, "the busy and unanswered numbers rung once more")
    finally:
        proc.kill()
        proc.wait(10)
        phones.stop()

    ivs = _interviews(db, cid)
    invites = phones.invites()
    answers = _answers(db)
    for number, kind in zip(NUMBERS, PLAN, strict=True):
        iv = ivs[number]
        rung = len(invites.get(number, set()))
        if number in cut:  # the kill ended its call: never rung again
            assert (rung, iv.state, iv.attempts) == (1, "interrupted", 1)
        elif kind == DNC:
            assert (rung, iv.state, iv.attempts) == (0, "do_not_call", 0)
        elif kind in (BUSY, NO_ANSWER):
            assert (rung, iv.state, iv.attempts) == (2, "busy" if kind == BUSY else "no_answer", 2)
        else:
            assert rung == 1, f"{number} ({kind}) rung {rung} times"
            if kind == HANGS_UP:
                assert iv.state == "partial" and answers[iv.link_id] == {"Q1": "1"}
            else:
                assert iv.state == "completed", (number, iv.state)
                got = answers[iv.link_id]
                want = {"Q1": "1", "Q3": 4} if kind == HAPPY else {"Q1": "3", "Q2": "time", "Q3": 5}
                assert {k: got.get(k) for k in ("Q1", "Q2", "Q3")} == {**{"Q2": None}, **want}
                assert got["Q4"].startswith("[语音回答")
    for link_id, before in acknowledged.items():  # no acknowledged answer lost
        assert {k: answers[link_id].get(k) for k in before} == before
    with db.session() as s:
        attempts = s.scalars(select(SurveyDialAttempt)).all()
        voices = s.scalars(select(SurveyVoiceAnswer)).all()
        progress = campaigns.progress(s, cid)
    assert all(in_window(a.claimed_at) for a in attempts)
    retries = [a for a in attempts if a.number == 2]
    ringing_again = {n for n, k in zip(NUMBERS, PLAN, strict=True) if k in (BUSY, NO_ANSWER)} - cut
    assert len(retries) == len(ringing_again) and {a.claimed_at for a in retries} == {FRIDAY_0901}
    completed = progress["counts"]["completed"]
    assert completed == sum(
        k in (HAPPY, UNHAPPY) and n not in cut for n, k in zip(NUMBERS, PLAN, strict=True)
    )
    assert len(voices) >= completed
    for v in voices:  # the respondent's speech (SIPp's g711a.pcap), not silence
        with wave.open(v.path) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64)
        assert len(pcm) > 2 * 8000 and float(np.sqrt(np.mean(pcm**2))) > 200, v.path
