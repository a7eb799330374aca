"""A sample questionnaire used across the surveys tests: every question type, a page shown only to
the dissatisfied, a question shown only to those who chose 'other', a matrix and open text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

Auth = Callable[[str], dict[str, str]]

SAMPLE: dict[str, Any] = {
    "title": "养老服务满意度调查",
    "description": "请根据您的实际感受作答。",
    "pages": [
        {
            "title": "基本情况",
            "questions": [
                {
                    "code": "Q1",
                    "type": "single",
                    "text": "您对本区养老服务总体满意吗？",
                    "required": True,
                    "phone_text": "对本区养老服务总体满意请按1，基本满意按2，不满意按3",
                    "options": [
                        {"code": "1", "label": "满意"},
                        {"code": "2", "label": "基本满意"},
                        {"code": "3", "label": "不满意"},
                    ],
                },
                {
                    "code": "Q2",
                    "type": "multiple",
                    "text": "您用过哪些服务？",
                    "randomize": True,
                    "options": [
                        {"code": "meal", "label": "助餐"},
                        {"code": "bath", "label": "助浴"},
                        {"code": "clean", "label": "助洁"},
                        {"code": "other", "label": "其他", "fixed": True},
                    ],
                },
                {
                    "code": "Q2o",
                    "type": "text",
                    "text": "其他服务是什么？",
                    "visible_if": {"q": "Q2", "op": "in", "value": ["other"]},
                },
                {
                    "code": "Q3",
                    "type": "rating",
                    "text": "服务人员态度",
                    "min": 1,
                    "max": 5,
                    "required": True,
                },
                {"code": "Q4", "type": "nps", "text": "您有多大可能向亲友推荐？"},
                {"code": "Q5", "type": "number", "text": "您的年龄", "min": 0, "max": 120, "integer": True},
                {"code": "Q6", "type": "date", "text": "最近一次接受服务的日期"},
            ],
        },
        {
            "title": "不满意的原因",
            "visible_if": {"q": "Q1", "op": "eq", "value": "3"},
            "questions": [
                {"code": "Q7", "type": "longtext", "text": "请告诉我们不满意的原因", "required": True},
            ],
        },
        {
            "title": "各项评价",
            "questions": [
                {
                    "code": "Q8",
                    "type": "matrix",
                    "text": "请评价以下方面",
                    "rows": [{"code": "r1", "label": "及时"}, {"code": "r2", "label": "专业"}],
                    "options": [
                        {"code": "good", "label": "好"},
                        {"code": "fair", "label": "一般"},
                        {"code": "bad", "label": "差"},
                    ],
                },
                {"code": "Q9", "type": "longtext", "text": "其他意见和建议"},
            ],
        },
    ],
}


def published_survey(client: TestClient, auth: Auth, definition: dict[str, Any] | None = None) -> int:
    r = client.post("/api/surveys", json={"definition": definition or SAMPLE}, headers=auth("supervisor"))
    assert r.status_code == 201, r.text
    survey = r.json()
    r = client.post(
        f"/api/surveys/{survey['id']}/publish",
        json={"version": survey["version"]},
        headers=auth("supervisor"),
    )
    assert r.status_code == 200, r.text
    return int(survey["id"])


def token(client: TestClient, auth: Auth, survey_id: int, **attrs: str) -> str:
    r = client.post(f"/api/surveys/{survey_id}/tokens", json={"respondents": [attrs]}, headers=auth("agent"))
    assert r.status_code == 201, r.text
    return str(r.json()[0]["token"])


def answer(client: TestClient, tok: str, pages: list[tuple[int, dict[str, Any]]]) -> dict[str, Any]:
    """Start, save each (page, answers), submit; returns the submit response JSON."""
    r = client.post(f"/api/surveys/r/{tok}/start", json={})
    assert r.status_code == 200, r.text
    key = r.json()["resume_key"]
    for page, answers in pages:
        r = client.put(
            f"/api/surveys/r/{tok}/page", json={"resume_key": key, "page": page, "answers": answers}
        )
        assert r.status_code == 200, r.text
    r = client.post(f"/api/surveys/r/{tok}/submit", json={"resume_key": key})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body
