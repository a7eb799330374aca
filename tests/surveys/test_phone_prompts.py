"""Recorded prompts per question: the IVR plays the recording the designer named for a question
(from the prompt library, like the flows' prompts) instead of TTS; a missing recording falls back
to TTS of the question's words; a recorded (or phone-worded) question keeps its designed option
order and keys even when randomised; a bad prompt name is refused when the definition is saved."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.config import DialPlanSettings
from hotline.media.prompts import PromptLibrary
from hotline.store.db import Database
from hotline.surveys import campaigns, keypad, service
from hotline.surveys.campaigns import CampaignSettings, Respondent
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.models import SurveyResponse
from hotline.surveys.states import CampaignAction
from tests.surveys.campaign_helpers import ACTOR, THURSDAY_10H
from tests.surveys.helpers import Auth
from tests.surveys.test_campaign import FakePrompts, ScriptedLeg

OPTIONS = [
    {"code": c, "label": label} for c, label in (("meal", "助餐"), ("bath", "助浴"), ("clean", "助洁"))
]
RECORDED: dict[str, Any] = {
    "title": "录音问卷",
    "pages": [
        {
            "questions": [
                {
                    "code": "Q1",
                    "type": "single",
                    "text": "最需要哪项服务？",
                    "required": True,
                    "randomize": True,
                    "prompt": "svc-need",
                    "options": OPTIONS,
                },
                {
                    "code": "Q2",
                    "type": "rating",
                    "text": "请打分",
                    "min": 1,
                    "max": 5,
                    "prompt": "not-recorded",
                },
                {
                    "code": "Q3",
                    "type": "matrix",
                    "text": "请评价",
                    "prompt": "svc-matrix",
                    "rows": [{"code": "r1", "label": "及时"}, {"code": "r2", "label": "专业"}],
                    "options": [{"code": "1", "label": "好"}, {"code": "2", "label": "差"}],
                },
            ]
        }
    ],
}


class Library(PromptLibrary):
    """The real prompt library (recordings found on disk), with TTS replaced by a stock WAV."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.stock = FakePrompts(folder / "stock").wav
        self.spoken: list[str] = []

    async def ensure(self, name: str, text: str) -> Path:
        self.spoken.append(text)
        return self.stock


def test_recorded_prompt_played_missing_one_spoken_designed_keys_kept(db: Database, tmp_path: Path) -> None:
    library = Library(tmp_path / "prompts")
    recorded = library.prompts_dir / "svc-need.wav"
    shutil.copy(library.stock, recorded)
    shutil.copy(library.stock, library.prompts_dir / "svc-matrix.wav")
    with db.session() as s:
        survey = service.create_survey(s, ACTOR, service.parse(RECORDED))
        service.publish(s, ACTOR, survey.id, survey.version)
        cid = campaigns.create(s, ACTOR, survey.id, CampaignSettings("录音", max_lines=1)).id
        campaigns.add_respondents(s, ACTOR, cid, [Respondent("13900000001")], DialPlanSettings())
        campaigns.act(s, ACTOR, cid, CampaignAction.start)
        [claim] = campaigns.claim_due(s, cid, 1, THURSDAY_10H)
    leg = ScriptedLeg("9", later="2412")  # a stray key first, so Q1 is played, then the answers
    iv = Interviewer(db, library, tmp_path / "voice", key_seconds=0.1, silence_seconds=0.3)
    assert asyncio.run(iv.interview(leg, claim.link_id)) == "completed"  # type: ignore[arg-type]
    with db.session() as s:
        r = s.scalars(select(SurveyResponse).where(SurveyResponse.link_id == claim.link_id)).one()
    # Key 2 is the second option as designed (the recording names them in that order).
    assert r.answers == {"Q1": "bath", "Q2": 4, "Q3": {"r1": "1", "r2": "2"}}
    assert str(recorded) in leg.played
    assert not any("最需要哪项服务" in t for t in library.spoken)  # never spoken by TTS
    assert any(t.startswith("请打分") for t in library.spoken)  # its recording is missing: TTS
    assert any("及时" in t for t in library.spoken)  # matrix rows are spoken

    asyncio.run(iv.prepare(service.parse(RECORDED)))  # prompts made ahead: not the recorded one
    assert sum("最需要哪项服务" in t for t in library.spoken) == 0


def test_designed_order_where_the_designer_words_the_options() -> None:
    defn = service.parse(RECORDED)
    q1 = defn.questions()[0]
    worded = q1.model_copy(update={"prompt": "", "phone_text": "助餐按1，助浴按2，助洁按3"})
    spoken_by_ivr = q1.model_copy(update={"prompt": ""})
    for seed in range(20):
        assert keypad.parse(keypad.Ask(q1, None, seed), "1") == "meal"  # recorded
        assert keypad.parse(keypad.Ask(worded, None, seed), "1") == "meal"  # phone wording
    firsts = {keypad.parse(keypad.Ask(spoken_by_ivr, None, seed), "1") for seed in range(20)}
    assert len(firsts) > 1  # the IVR's own words follow the respondent's order


def test_a_bad_prompt_name_is_refused(client: TestClient, auth: Auth) -> None:
    bad = {
        **RECORDED,
        "pages": [{"questions": [{**RECORDED["pages"][0]["questions"][1], "prompt": "../etc"}]}],
    }
    r = client.post("/api/surveys", json={"definition": bad}, headers=auth("supervisor"))
    assert r.status_code == 422
    ok = client.post("/api/surveys", json={"definition": RECORDED}, headers=auth("supervisor"))
    assert ok.status_code == 201 and ok.json()["draft"]["pages"][0]["questions"][0]["prompt"] == "svc-need"


def test_prompt_names_travel_in_lss() -> None:
    from hotline.surveys import lss

    defn = service.parse(RECORDED)
    raw, warnings = lss.import_lss(lss.export_lss(defn))
    assert warnings == [] and [q["prompt"] for q in raw["pages"][0]["questions"]] == [
        "svc-need",
        "not-recorded",
        "svc-matrix",
    ]
    odd = lss.export_lss(defn).replace(b"svc-need", b"Not A Name!")
    raw, _ = lss.import_lss(odd)
    assert "prompt" not in raw["pages"][0]["questions"][0]
