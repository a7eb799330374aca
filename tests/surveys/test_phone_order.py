"""Randomised options over the phone: the IVR reads a randomised question's options in the
respondent's own order (the order the web would show them, fixed options in place), with keys by
place in that order (digit codes keep their keys); a call tried again on the same respondent reads
the same order; the designer's phone wording is read as written."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hotline.config import DialPlanSettings
from hotline.store.db import Database
from hotline.surveys import campaigns, keypad, logic, respond, service
from hotline.surveys.campaigns import CampaignSettings, Respondent
from hotline.surveys.ivrcall import Interviewer
from hotline.surveys.models import SurveyResponse
from hotline.surveys.states import CampaignAction
from tests.surveys.campaign_helpers import ACTOR, THURSDAY_10H
from tests.surveys.test_campaign import FakePrompts, ScriptedLeg

SERVICES = [("meal", "助餐"), ("bath", "助浴"), ("clean", "助洁"), ("doctor", "助医"), ("walk", "陪同")]
RANDOM: dict[str, Any] = {
    "title": "服务需求",
    "pages": [
        {
            "questions": [
                {
                    "code": "Q1",
                    "type": "single",
                    "text": "最需要哪项服务？",
                    "required": True,
                    "randomize": True,
                    "options": [{"code": c, "label": label} for c, label in SERVICES]
                    + [{"code": "none", "label": "都不需要", "fixed": True}],
                },
                {
                    "code": "Q2",
                    "type": "single",
                    "text": "总体满意吗？",
                    "randomize": True,
                    "options": [
                        {"code": "1", "label": "满意"},
                        {"code": "2", "label": "基本满意"},
                        {"code": "3", "label": "不满意"},
                    ],
                },
            ]
        }
    ],
}


def _order(text: str, labels: list[str]) -> list[str]:
    return sorted(labels, key=text.index)


def test_keys_follow_the_respondents_order() -> None:
    defn = service.parse(RANDOM)
    q1, q2 = defn.questions()
    labels = [label for _, label in SERVICES] + ["都不需要"]
    orders = set()
    for seed in range(40):
        ask = keypad.next_question(defn, {}, set(), seed)
        assert ask == keypad.Ask(q1, None, seed)
        shuffled = logic.shuffled(q1, seed)
        assert shuffled[-1].code == "none"  # fixed in place
        said = keypad.spoken(ask)
        assert _order(said, labels) == [o.label for o in shuffled]  # read as the web shows it
        assert keypad.parse(ask, "1") == shuffled[0].code and keypad.parse(ask, "6") == "none"
        assert keypad.spoken(keypad.Ask(q1, None, seed)) == said  # the same seed, the same words
        orders.add(tuple(o.code for o in shuffled))
        two = keypad.Ask(q2, None, seed)  # digit codes: the keys stay, the reading order moves
        assert keypad.parse(two, "3") == "3"
        assert "不满意请按3" in keypad.spoken(two)
    assert len(orders) > 10  # it is shuffled
    plain = keypad.Ask(q1)  # no seed: the designed order (prompts spoken ahead of calls)
    assert keypad.parse(plain, "1") == "meal" and _order(keypad.spoken(plain), labels) == labels
    worded = service.parse(
        {
            **RANDOM,
            "pages": [
                {
                    "questions": [
                        {
                            **RANDOM["pages"][0]["questions"][1],
                            "phone_text": "满意按1，基本满意按2，不满意按3",
                        }
                    ]
                }
            ],
        }
    )
    [q] = worded.questions()
    assert keypad.spoken(keypad.Ask(q, None, 7)) == "满意按1，基本满意按2，不满意按3"


def _campaign(db: Database) -> int:
    with db.session() as s:
        survey = service.create_survey(s, ACTOR, service.parse(RANDOM))
        service.publish(s, ACTOR, survey.id, survey.version)
        cid = campaigns.create(s, ACTOR, survey.id, CampaignSettings("需求", max_lines=1)).id
        campaigns.add_respondents(s, ACTOR, cid, [Respondent("13900000001")], DialPlanSettings())
        campaigns.act(s, ACTOR, cid, CampaignAction.start)
        [claim] = campaigns.claim_due(s, cid, 1, THURSDAY_10H)
        return claim.link_id


class SayingPrompts(FakePrompts):
    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.said: list[str] = []

    async def ensure(self, name: str, text: str) -> Path:
        self.said.append(text)
        return self.wav


def test_a_call_tried_again_reads_the_same_order(db: Database, tmp_path: Path) -> None:
    link_id = _campaign(db)
    labels = [label for _, label in SERVICES]

    def call(leg: ScriptedLeg) -> tuple[str, list[str]]:
        prompts = SayingPrompts(tmp_path / "prompts")
        iv = Interviewer(db, prompts, tmp_path / "voice", key_seconds=0.1, silence_seconds=0.3)  # type: ignore[arg-type]
        outcome = asyncio.run(iv.interview(leg, link_id))  # type: ignore[arg-type]
        return outcome, [t for t in prompts.said if "助餐" in t]

    # The first call: the respondent says nothing, the required question ends it (nothing
    # answered, the response stays open for the next try).
    first, said_first = call(ScriptedLeg(""))
    assert first == "refused" and len(said_first) >= 1
    with db.session() as s:
        r = s.scalars(select(SurveyResponse).where(SurveyResponse.link_id == link_id)).one()
        seed, definition = r.seed, service.definition_by_id(s, r.version_id)
    shuffled = logic.shuffled(definition.questions()[0], seed)
    assert _order(said_first[0], labels) == [o.label for o in shuffled if o.code != "none"]

    # Tried again: a stray key first (asked again), then 2, the second option *as read*.
    second, said_second = call(ScriptedLeg("9", later="21"))
    assert second == "completed" and said_second[0] == said_first[0]
    with db.session() as s:
        r = s.scalars(select(SurveyResponse).where(SurveyResponse.link_id == link_id)).one()
        assert r.seed == seed and r.answers == {"Q1": shuffled[1].code, "Q2": "1"}
        web = respond.rendered(definition, seed)["pages"][0]["questions"][0]["options"]
        assert [o["code"] for o in web] == [o.code for o in shuffled]  # the web's order is the same
