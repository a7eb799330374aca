"""What the IVR campaign tests share: a short phone questionnaire with skip logic (Q2 only for the
dissatisfied) and a spoken answer (Q4), and a campaign of numbers on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hotline.audit.service import Actor
from hotline.config import DialPlanSettings
from hotline.store.db import Database
from hotline.surveys import campaigns, service
from hotline.surveys.campaigns import CampaignSettings, Respondent

ACTOR = Actor(None, "t")
# 2026-12-03 is a Thursday: 10:00 Shanghai = 02:00 UTC.
THURSDAY_10H = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)

PHONE_SURVEY: dict[str, Any] = {
    "title": "社区养老服务回访",
    "pages": [
        {
            "questions": [
                {
                    "code": "Q1",
                    "type": "single",
                    "text": "您对社区养老服务满意吗？",
                    "phone_text": "满意请按1，基本满意按2，不满意按3",
                    "required": True,
                    "options": [
                        {"code": "1", "label": "满意"},
                        {"code": "2", "label": "基本满意"},
                        {"code": "3", "label": "不满意"},
                    ],
                },
                {
                    "code": "Q2",
                    "type": "single",
                    "text": "主要不满意哪方面？",
                    "visible_if": {"q": "Q1", "op": "eq", "value": "3"},
                    "options": [
                        {"code": "staff", "label": "态度"},
                        {"code": "time", "label": "时间"},
                        {"code": "fee", "label": "收费"},
                    ],
                },
                {"code": "Q3", "type": "rating", "text": "请打分", "required": True, "min": 1, "max": 5},
                {"code": "Q4", "type": "text", "text": "您的建议", "phone_text": "请在提示音后说建议"},
            ]
        }
    ],
}


def phone_campaign(db: Database, phones: list[str], **cfg: Any) -> tuple[int, int]:
    """(survey id, campaign id) of a published PHONE_SURVEY with a running campaign of `phones`."""
    with db.session() as s:
        survey = service.create_survey(s, ACTOR, service.parse(PHONE_SURVEY))
        service.publish(s, ACTOR, survey.id, survey.version)
        settings = CampaignSettings(**{"name": "回访", "max_lines": 4, "retry_minutes": 30, **cfg})
        c = campaigns.create(s, ACTOR, survey.id, settings)
        report = campaigns.add_respondents(
            s, ACTOR, c.id, [Respondent(p) for p in phones], DialPlanSettings()
        )
        assert report.rejected == [], report.rejected
        campaigns.act(s, ACTOR, c.id, campaigns.CampaignAction.start)
        return survey.id, c.id
