"""IVR campaigns without telephony: respondents with a validation report, the do-not-call list,
claims only in the calling window (explicit clock) and at most the free lines, retries of busy /
unanswered numbers after the spacing up to the limit, a crash's open attempts closed as
interrupted and never rung again, pause/resume, rates; the interview on a scripted leg: skip
logic, each answer committed as it comes, a hang-up keeps them, a spoken answer as WAV."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.errors import Conflict
from hotline.media import g711
from hotline.media.rtp import RtpPacket
from hotline.store.db import Database
from hotline.surveys import campaigns, keypad, service
from hotline.surveys.campaigns import CampaignAction
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.models import SurveyDialAttempt, SurveyInterview, SurveyResponse, SurveyVoiceAnswer
from hotline.surveys.states import CAMPAIGN_STATES, CampaignState
from tests.surveys.campaign_helpers import ACTOR, PHONE_SURVEY, THURSDAY_10H, phone_campaign
from tests.surveys.helpers import Auth, published_survey

PHONES = [f"1390000{i:04d}" for i in range(6)]


def _states(db: Database, cid: int) -> dict[str, str]:
    with db.session() as s:
        rows = s.scalars(select(SurveyInterview).where(SurveyInterview.campaign_id == cid))
        return {iv.phone: iv.state for iv in rows}


def test_campaign_api_report_dnc_and_actions(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth, PHONE_SURVEY)
    r = client.post(
        f"/api/surveys/{sid}/campaigns",
        json={"name": "回访", "max_lines": 2, "quotas": {"by": "district", "targets": {"越秀区": 1}}},
        headers=auth("agent"),
    )
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    assert r.json()["state"] == "paused" and r.json()["progress"]["total"] == 0
    rows = [{"phone": "13900001111"}, {"phone": "139-0000-1111"}, {"phone": "abc"}, {"phone": "19001234567"}]
    rows.append({"phone": "+86 139 0000 2222", "district": "越秀区"})
    r = client.post(
        f"/api/surveys/campaigns/{cid}/respondents", json={"respondents": rows}, headers=auth("agent")
    )
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == 2
    assert [x["row"] for x in report["rejected"]] == [2, 3, 4]  # duplicate, not a number, premium
    assert report["rejected"][1]["reason_zh"] and report["rejected"][2]["phone"] == "19001234567"
    assert client.post(f"/api/surveys/campaigns/{cid}/pause", headers=auth("agent")).status_code == 409
    assert (
        client.post(f"/api/surveys/campaigns/{cid}/start", headers=auth("agent")).json()["state"] == "running"
    )
    assert (
        client.post(f"/api/surveys/campaigns/{cid}/pause", headers=auth("agent")).json()["state_zh"]
        == "已暂停"
    )
    r = client.post(
        "/api/surveys/do-not-call",
        json={"phone": "139 0000 2222", "reason": "本人要求"},
        headers=auth("agent"),
    )
    assert r.status_code == 201 and r.json()["phone"] == "13900002222"  # normalised
    listed = client.get("/api/surveys/do-not-call", headers=auth("supervisor")).json()
    assert [d["phone"] for d in listed] == ["13900002222"]
    assert client.get("/api/surveys/campaigns", headers=auth("analyst")).status_code == 403
    got = client.get(f"/api/surveys/campaigns/{cid}", headers=auth("agent")).json()
    assert got["progress"]["counts"] == {"pending": 2}
    assert got["progress"]["quotas"] == [{"stratum": "越秀区", "target": 1, "completed": 0}]
    bad = {"name": "x", "quotas": {"by": "street", "targets": {"a": 1}}}
    assert client.post(f"/api/surveys/{sid}/campaigns", json=bad, headers=auth("agent")).status_code == 422
    assert (
        client.delete(f"/api/surveys/do-not-call/{listed[0]['id']}", headers=auth("agent")).status_code == 204
    )


def test_claims_window_lines_retries_dnc_and_recovery(db: Database) -> None:
    _sid, cid = phone_campaign(db, PHONES, max_lines=4, max_attempts=2)
    with db.session() as s:
        campaigns.add_do_not_call(s, ACTOR, PHONES[5])
    with db.session() as s:  # 08:59 and 20:00 are outside the window: nothing claimed
        assert campaigns.claim_due(s, cid, 4, THURSDAY_10H - timedelta(hours=1, minutes=1)) == []
        assert campaigns.claim_due(s, cid, 4, THURSDAY_10H + timedelta(hours=10)) == []
    with db.session() as s:
        first = campaigns.claim_due(s, cid, 4, THURSDAY_10H)
    assert [c.phone for c in first] == PHONES[:4] and {c.attempt for c in first} == {1}
    with db.session() as s:  # the 5th line: the 5th respondent; the 6th is on the do-not-call list
        fifth = campaigns.claim_due(s, cid, 4, THURSDAY_10H)
    assert [c.phone for c in fifth] == [PHONES[4]]
    assert _states(db, cid)[PHONES[5]] == "do_not_call"
    now = THURSDAY_10H + timedelta(minutes=1)
    with db.session() as s:
        campaigns.finish(s, first[0], "completed", now)
        campaigns.finish(s, first[1], "busy", now, 486)
        campaigns.finish(s, first[2], "no_answer", now, 480)
        campaigns.finish(s, first[3], "partial", now)
    with db.session() as s:  # not before the spacing
        assert campaigns.claim_due(s, cid, 4, now + timedelta(minutes=29)) == []
    # Due again at 19:59 + 31 min = 20:30: outside the window, so only the next morning.
    with db.session() as s:
        late = THURSDAY_10H + timedelta(hours=9, minutes=59)
        again = campaigns.claim_due(s, cid, 4, late)
        assert sorted(c.phone for c in again) == [PHONES[1], PHONES[2]] and {c.attempt for c in again} == {2}
        for c in again:
            campaigns.finish(s, c, "busy", late)
    with db.session() as s:  # attempts used up: never again
        assert campaigns.claim_due(s, cid, 4, THURSDAY_10H + timedelta(days=1)) == []
    # A crash with an attempt open (the 5th respondent's): interrupted, never claimed again.
    with db.session() as s:
        assert campaigns.recover(s, THURSDAY_10H + timedelta(minutes=5)) == 1
    with db.session() as s:
        assert campaigns.claim_due(s, cid, 4, THURSDAY_10H + timedelta(days=1)) == []
        prog = campaigns.progress(s, cid)
        attempts = s.scalars(select(SurveyDialAttempt).where(SurveyDialAttempt.campaign_id == cid)).all()
    assert prog["counts"] == {"completed": 1, "busy": 2, "partial": 1, "interrupted": 1, "do_not_call": 1}
    assert prog["attempts"] == 7 and all(a.ended_at is not None for a in attempts)
    assert prog["response_rate"] == 20.0 and prog["completion_rate"] == pytest.approx(33.3)
    with db.session() as s:  # pause stops claims
        campaigns.act(s, ACTOR, cid, CampaignAction.pause)
        with pytest.raises(Conflict):
            campaigns.act(s, ACTOR, cid, CampaignAction.pause)


def test_campaign_table_exhaustively() -> None:
    for state in CampaignState:
        for action in CampaignAction:
            if CAMPAIGN_STATES.can(state, action):
                CAMPAIGN_STATES.next(state, action)
            else:
                with pytest.raises(Conflict):
                    CAMPAIGN_STATES.next(state, action)
    assert CAMPAIGN_STATES.allowed(CampaignState.finished) == []


def test_keypad_words_and_keys() -> None:
    defn = service.parse(PHONE_SURVEY)
    q1, q2, q3, _q4 = defn.questions()
    assert keypad.spoken(keypad.Ask(q1)) == "满意请按1，基本满意按2，不满意按3"  # the designer's words
    assert keypad.spoken(keypad.Ask(q2)).endswith("态度请按1，时间请按2，收费请按3。")
    assert keypad.parse(keypad.Ask(q2), "2") == "time" and keypad.parse(keypad.Ask(q2), "7") is None
    assert keypad.parse(keypad.Ask(q3), "4") == 4 and not keypad.valid(
        keypad.Ask(q3), keypad.parse(keypad.Ask(q3), "9")
    )
    assert keypad.next_question(defn, {"Q1": "1"}, {"Q1"}) == keypad.Ask(q3)  # Q2 skipped
    assert keypad.next_question(defn, {"Q1": "3"}, {"Q1"}) == keypad.Ask(q2)


class ScriptedLeg:
    """A leg that 'presses' scripted keys and, when a spoken answer starts (digits flushed after
    the tone), talks for a second then presses #; or hangs up after `hang_up_after` answers."""

    def __init__(self, keys: str, hang_up_after: int | None = None, later: str = "") -> None:
        self.later = later  # pressed once the IVR forgets the keys typed ahead (after "again")
        self.digits: asyncio.Queue[str] = asyncio.Queue()
        for k in keys:
            self.digits.put_nowait(k)
        self.ended = asyncio.Event()
        self.audio_taps: list[Callable[[Any, RtpPacket], None]] = []
        self.played: list[str] = []
        self.hang_up_after = hang_up_after
        self.collected = 0
        self.talks = False

    @property
    def is_active(self) -> bool:
        return not self.ended.is_set()

    async def play(self, prompt: Any, *, wait: bool = True, loop: bool = False) -> None:
        self.played.append(str(prompt))

    def stop_playback(self) -> None:
        pass

    def flush_digits(self) -> None:
        while not self.digits.empty():
            self.digits.get_nowait()
        if self.talks:
            tone = (3000 * np.sin(np.arange(8000) * 2 * np.pi * 300 / 8000)).astype(np.int16)
            for i in range(50):
                pkt = RtpPacket(
                    0, i, i * 160, 1, False, g711.encode(tone[(i % 50) * 160 : (i % 50) * 160 + 160], 0)
                )
                for tap in self.audio_taps:
                    tap(self, pkt)
            self.digits.put_nowait("#")
        for k in self.later:
            self.digits.put_nowait(k)
        self.later = ""

    async def collect_digits(
        self,
        max_digits: int = 1,
        timeout: float = 5.0,
        terminators: str = "#",
        first_timeout: float | None = None,
    ) -> str:
        if self.hang_up_after is not None and self.collected >= self.hang_up_after:
            self.ended.set()
            await asyncio.sleep(0)
            return ""
        got = ""
        while len(got) < max_digits:
            try:
                d = await asyncio.wait_for(self.digits.get(), 0.05)
            except TimeoutError:
                break
            if d in terminators:
                break
            got += d
        if got:
            self.collected += 1
        return got

    async def hangup(self, cause: str = "normal") -> None:
        self.ended.set()


class FakePrompts:
    def __init__(self, folder: Path) -> None:
        self.prompts_dir = folder
        self.wav = folder / "p.wav"
        folder.mkdir(parents=True, exist_ok=True)
        with wave.open(str(self.wav), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(b"\0\0" * 80)

    async def ensure(self, name: str, text: str) -> Path:
        return self.wav


def _interview(db: Database, tmp: Path, leg: ScriptedLeg) -> tuple[str, dict[str, Any], str]:
    _sid, cid = phone_campaign(db, ["13900000001"])
    with db.session() as s:
        [claim] = campaigns.claim_due(s, cid, 1, THURSDAY_10H)
    iv = Interviewer(db, FakePrompts(tmp / "prompts"), tmp / "voice", key_seconds=0.1, silence_seconds=0.3)  # type: ignore[arg-type]
    outcome = asyncio.run(iv.interview(leg, claim.link_id))  # type: ignore[arg-type]
    with db.session() as s:
        r = s.scalars(select(SurveyResponse).where(SurveyResponse.link_id == claim.link_id)).one()
        return outcome, dict(r.answers), r.state


def test_interview_follows_skip_logic_and_records_the_spoken_answer(db: Database, tmp_path: Path) -> None:
    leg = ScriptedLeg("325")
    leg.talks = True
    outcome, answers, state = _interview(db, tmp_path, leg)
    assert outcome == "completed" and state == "completed"
    assert answers["Q1"] == "3" and answers["Q2"] == "time" and answers["Q3"] == 5
    assert answers["Q4"].startswith("[语音回答")
    with db.session() as s:
        [voice] = s.scalars(select(SurveyVoiceAnswer)).all()
    with wave.open(voice.path) as w:
        assert w.getnframes() == 50 * 160 and voice.seconds == 1.0


def test_hang_up_mid_interview_keeps_the_answers_given(db: Database, tmp_path: Path) -> None:
    outcome, answers, state = _interview(db, tmp_path, ScriptedLeg("14", hang_up_after=1))
    assert outcome == "partial" and state == "in_progress" and answers == {"Q1": "1"}


def test_satisfied_respondent_skips_q2_and_invalid_key_is_asked_again(db: Database, tmp_path: Path) -> None:
    outcome, answers, _ = _interview(db, tmp_path, ScriptedLeg("19", later="4"))  # 9: off the scale
    assert outcome == "completed" and answers == {"Q1": "1", "Q3": 4}


def _xlsx(rows: list[list[Any]]) -> bytes:
    import io

    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_excel_list_with_validation_report(client: TestClient, auth: Auth) -> None:
    sid = published_survey(client, auth, PHONE_SURVEY)
    cid = client.post(f"/api/surveys/{sid}/campaigns", json={"name": "名单"}, headers=auth("agent")).json()[
        "id"
    ]
    data = _xlsx(
        [
            ["姓名", "手机号", "所在区", "年龄"],
            ["甲", 13900003333.0, "越秀区", 72],  # a number cell
            ["乙", None, "越秀区", 80],  # no phone
            [None, None, None, None],  # an empty row: skipped, not reported
            ["丙", "139-0000-3333", "海珠区", 66],  # the same number again
            ["丁", "13900004444", "海珠区", "七十"],  # age not a number
            ["戊", "95123456", "", ""],  # a premium-rate number
            ["己", "'13900005555", "天河区", ""],  # typed as text
        ]
    )
    files = {"file": ("名单.xlsx", data, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")}
    r = client.post(f"/api/surveys/campaigns/{cid}/respondents/import", files=files, headers=auth("agent"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["added"] == 2
    assert [(x["row"], x["reason_zh"]) for x in report["rejected"]][:3] == [
        (3, "缺少电话号码"),
        (5, "号码重复"),
        (6, "年龄不是数字"),
    ]
    assert [x["row"] for x in report["rejected"]] == [3, 5, 6, 7]
    bad = client.post(
        f"/api/surveys/campaigns/{cid}/respondents/import",
        files={"file": ("x.xlsx", b"not a workbook", "application/octet-stream")},
        headers=auth("agent"),
    )
    assert bad.status_code == 422
    no_phone = _xlsx([["姓名", "区"], ["甲", "越秀区"]])
    r = client.post(
        f"/api/surveys/campaigns/{cid}/respondents/import",
        files={"file": ("x.xlsx", no_phone, "application/octet-stream")},
        headers=auth("agent"),
    )
    assert r.status_code == 422 and "电话" in r.json()["detail_zh"]


def test_quota_per_district_stops_ringing_a_full_stratum(db: Database) -> None:
    from hotline.config import DialPlanSettings
    from hotline.surveys.campaigns import CampaignSettings, Respondent

    with db.session() as s:
        survey = service.create_survey(s, ACTOR, service.parse(PHONE_SURVEY))
        service.publish(s, ACTOR, survey.id, survey.version)
        quotas = {"by": "district", "targets": {"越秀区": 1}}
        cid = campaigns.create(s, ACTOR, survey.id, CampaignSettings("配额", max_lines=4, quotas=quotas)).id
        people = [
            ("13900000001", "越秀区"),
            ("13900000002", "越秀区"),
            ("13900000003", "海珠区"),
            ("13900000004", "海珠区"),
        ]
        campaigns.add_respondents(s, ACTOR, cid, [Respondent(p, d) for p, d in people], DialPlanSettings())
        campaigns.act(s, ACTOR, cid, CampaignAction.start)
    with db.session() as s:  # one line for 越秀区 (its quota), none limit 海珠区
        claims = campaigns.claim_due(s, cid, 4, THURSDAY_10H)
    assert sorted(c.phone for c in claims) == ["13900000001", "13900000003", "13900000004"]
    with db.session() as s:
        campaigns.finish(s, claims[0], "completed", THURSDAY_10H)
        assert campaigns.claim_due(s, cid, 4, THURSDAY_10H + timedelta(hours=1)) == []  # 越秀区 is full
        assert campaigns.progress(s, cid)["quotas"] == [{"stratum": "越秀区", "target": 1, "completed": 1}]
        assert _states(db, cid)["13900000002"] == "pending"


def test_a_stratum_whose_call_failed_is_open_again(db: Database) -> None:
    _sid, cid = phone_campaign(
        db, ["13900000001", "13900000002"], quotas={"by": "district", "targets": {"": 1}}
    )
    with db.session() as s:
        [first] = campaigns.claim_due(s, cid, 4, THURSDAY_10H)  # the unnamed district's quota: 1
        campaigns.finish(s, first, "busy", THURSDAY_10H)
    with db.session() as s:
        [second] = campaigns.claim_due(s, cid, 4, THURSDAY_10H)
    assert second.phone == "13900000002"
