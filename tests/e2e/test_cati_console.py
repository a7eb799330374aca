"""The CATI screen in the agent workspace: an agent holding a phone interview reads the
questionnaire's phone wording question by question in Chromium - a required question left empty
is refused, the dissatisfied get the follow-up question (skip logic), each answer is in the
database as soon as 下一题 is pressed, 上一题 goes back - then submits; the interview is completed
and the panel offers the next respondent. axe-core clean."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.people.service import user_by_username
from hotline.store.db import Database
from hotline.surveys import cati
from hotline.surveys.models import SurveyInterview, SurveyResponse
from tests.e2e.conftest import SERVER_INFO, assert_accessible, login, screenshot
from tests.surveys.campaign_helpers import PHONE_SURVEY

pytestmark = pytest.mark.slow
THURSDAY_10H = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)  # inside the calling hours (explicit clock)


def _db() -> Database:
    return Database(f"sqlite:///{Path(SERVER_INFO['log']).parent / 'hotline.db'}")


def _held_interview(staff: Any, agent: str) -> tuple[int, int]:
    """A published phone questionnaire with a sample of two callers, the first taken by `agent`
    (claimed with an in-hours clock: the test may run at night): (survey id, interview id)."""
    definition = {**PHONE_SURVEY, "title": "社区养老服务回访（CATI e2e）"}
    r = staff.request.post("/api/surveys", data={"definition": definition})
    assert r.status == 201, r.text()
    survey = r.json()
    r = staff.request.post(f"/api/surveys/{survey['id']}/publish", data={"version": survey["version"]})
    assert r.status == 200, r.text()
    r = staff.request.post(f"/api/surveys/{survey['id']}/frame", data={"limit": 2})
    assert r.status == 200 and r.json()["added"] == 2, r.text()
    db = _db()
    try:
        with db.session() as s:
            user = user_by_username(s, agent)
            assert user is not None
            iv = cati.next_interview(s, Actor(user.id, agent), survey["id"], THURSDAY_10H)
            assert iv is not None
            return int(survey["id"]), iv.id
    finally:
        db.dispose()


def _at(page: Any, code: str) -> None:
    """Wait until the script shows question `code`."""
    page.wait_for_function(
        "c => document.querySelector('[data-testid=cati-script] [data-code]')?.dataset.code === c", arg=code
    )


def _answers(interview_id: int) -> dict[str, Any]:
    db = _db()
    try:
        with db.session() as s:
            iv = s.get(SurveyInterview, interview_id)
            assert iv is not None
            r = s.scalars(select(SurveyResponse).where(SurveyResponse.link_id == iv.link_id)).first()
            return dict(r.answers) if r else {}
    finally:
        db.dispose()


def _state(interview_id: int) -> str:
    db = _db()
    try:
        with db.session() as s:
            iv = s.get(SurveyInterview, interview_id)
            assert iv is not None
            return iv.state
    finally:
        db.dispose()


def test_agent_reads_the_script_question_by_question(new_page: Callable[[], Any]) -> None:
    staff = new_page()
    login(staff, "banzhang")
    _sid, held = _held_interview(staff, "agent1")

    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "agent1")
    page.goto("/workspace")
    panel = page.get_by_test_id("cati-panel")
    panel.get_by_test_id("cati-respondent").wait_for()
    assert "第 1 次拨打" in panel.get_by_test_id("cati-respondent").inner_text()
    panel.get_by_test_id("cati-start").click()
    script = panel.get_by_test_id("cati-script")
    q = script.locator("[data-code]")
    q.wait_for()
    assert q.get_attribute("data-code") == "Q1"
    assert "满意请按1" in q.inner_text()  # the phone wording, read out by the agent
    assert "第 1 / 3 题" in script.inner_text()

    panel.get_by_test_id("cati-next-question").click()  # required, left empty: refused
    assert "此题必答" in q.get_by_role("alert").inner_text()
    assert _answers(held) == {}
    assert_accessible(page)

    q.get_by_label("不满意").check()
    panel.get_by_test_id("cati-next-question").click()
    _at(page, "Q2")
    assert _answers(held) == {"Q1": "3"}  # committed as it was given
    assert "第 2 / 4 题" in script.inner_text()  # the follow-up opened by 不满意
    script.locator("[data-code=Q2]").get_by_label("时间").check()
    panel.get_by_test_id("cati-next-question").click()
    _at(page, "Q3")
    assert _answers(held) == {"Q1": "3", "Q2": "time"}

    panel.get_by_test_id("cati-back").click()  # back: the answer given is shown
    _at(page, "Q2")
    assert script.locator("[data-code=Q2]").get_by_label("时间").is_checked()
    panel.get_by_test_id("cati-next-question").click()
    _at(page, "Q3")
    script.locator("[data-code=Q3]").get_by_label("4", exact=True).check()
    panel.get_by_test_id("cati-next-question").click()
    _at(page, "Q4")
    script.locator("[data-code=Q4]").get_by_role("textbox").fill("希望上门时间更固定")
    screenshot(page, "cati-script")
    panel.get_by_test_id("cati-next-question").click()
    panel.get_by_test_id("cati-end").wait_for()
    assert _answers(held) == {"Q1": "3", "Q2": "time", "Q3": 4, "Q4": "希望上门时间更固定"}
    assert_accessible(page)

    panel.get_by_test_id("cati-submit").click()
    panel.get_by_test_id("cati-take").wait_for()  # back to taking the next respondent
    assert _state(held) == "completed"
    assert "待访 1" in panel.get_by_test_id("cati-survey").inner_text()
