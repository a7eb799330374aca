"""Quality inspection in the console: a recorded call (written into the e2e server's database
with espeak-ng speech on both channels) is picked by a sampling plan; the inspector scores it
beside the player and the VAD strip, with a timed comment; the agent appeals; the supervisor
changes the score; the scorecard shows the changed score."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hotline.calls.models import Call, Recording
from hotline.people.service import user_by_username
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.e2e.conftest import SERVER_INFO, assert_accessible, login, screenshot
from tests.quality.speech import need_espeak, stereo, write
from tests.quality.test_scoring import FORM

pytestmark = pytest.mark.slow


def recorded_call(agent: str) -> str:
    """A finished, recorded call of `agent` in the running server's database."""
    need_espeak()
    folder = Path(SERVER_INFO["log"]).parent
    samples, _ = stereo(
        [("agent", 0.8, "您好，请问有什么可以帮您"), ("caller", 5.2, "我想问养老金")], 9.0, folder
    )
    call_id = f"qa-{uuid.uuid4().hex[:10]}"
    path = write(folder / f"{call_id}.wav", samples)
    db = Database(f"sqlite:///{folder / 'hotline.db'}")
    try:
        with db.session() as s:
            user = user_by_username(s, agent)
            assert user is not None
            at = utcnow() - timedelta(minutes=5)
            s.add(
                Call(
                    uuid=call_id,
                    state="ended",
                    caller_number="13800000077",
                    agent_id=user.id,
                    queue="elderly",
                    outcome="answered",
                    started_at=at,
                    ended_at=at + timedelta(seconds=9),
                    wait_seconds=3,
                    talk_seconds=9,
                    ivr_path={},
                )
            )
            s.add(
                Recording(
                    call_uuid=call_id,
                    path=str(path),
                    agent_id=user.id,
                    caller_number="13800000077",
                    queue="elderly",
                    tags={},
                    started_at=at,
                    complete=True,
                    duration_seconds=9.0,
                )
            )
    finally:
        db.dispose()
    return call_id


def test_score_appeal_decide_in_the_console(new_page: Callable[[], Any]) -> None:
    call_id = recorded_call("agent1")
    qa = new_page()
    login(qa, "zhijian")
    form = qa.request.post("/api/quality/forms", data={**FORM, "code": f"e2e-{call_id}"})
    assert form.ok, form.text()
    assert qa.request.post(f"/api/quality/forms/{form.json()['id']}/publish").ok
    plan = qa.request.post(
        "/api/quality/plans", data={"name": "长通话", "rules": {"long_call_over": 5}}
    ).json()
    window = {"since": (utcnow() - timedelta(hours=1)).isoformat(), "until": utcnow().isoformat()}
    run = qa.request.post(f"/api/quality/plans/{plan['id']}/run", data=window).json()
    assert call_id in [t["call_id"] for t in run["tasks"]]

    qa.goto("/quality/queue")
    qa.get_by_test_id(f"score-{call_id}").click()
    qa.get_by_test_id("score-form").wait_for()
    qa.get_by_test_id("vad-strip").wait_for()  # the automatic checks (run on demand or by the job)
    for key, value in (("greeting", "10"), ("verify", "5"), ("answer", "40")):
        box = qa.get_by_test_id(f"item-{key}").locator("input").first
        box.fill(value)
        box.press("Tab")
    qa.get_by_test_id("item-verify").get_by_placeholder("评语").fill("未核实身份")
    qa.get_by_test_id("comment-input").fill("开场白规范")
    qa.get_by_test_id("comment-add").click()
    qa.get_by_test_id("timed-comments").locator("li").first.wait_for()
    assert qa.get_by_test_id("score-total").inner_text() == "85"
    screenshot(qa, "quality-score")
    assert_accessible(qa)
    qa.get_by_test_id("submit-score").click()
    qa.locator(".el-message", has_text="评分已提交").wait_for()

    agent = new_page()
    login(agent, "agent1")
    agent.goto("/quality/mine")
    agent.get_by_test_id("my-scores").locator(".el-table__row").first.click()
    agent.get_by_test_id("appeal-reason").fill("来电人是老用户，系统已核实身份")
    agent.get_by_test_id("appeal").click()
    agent.locator(".el-message", has_text="申诉已提交").wait_for()

    sup = new_page()
    login(sup, "banzhang")
    sup.goto("/quality/appeals")
    sup.get_by_test_id("appeals").locator(".el-table__row").first.click()
    box = sup.get_by_test_id("item-verify").locator("input").first
    box.fill("20")
    box.press("Tab")
    sup.get_by_test_id("decision-note").fill("系统已核实，改判")
    sup.get_by_test_id("change").click()
    sup.locator(".el-message", has_text="已处理").wait_for()

    sup.goto("/quality/scorecards")
    first = sup.get_by_test_id("scorecards").locator(".el-table__row").first
    first.wait_for()
    cells = [c.strip() for c in first.locator("td").all_inner_texts()]
    assert cells[1:4] == ["1", "100", "0"], cells  # one score, changed on appeal to 100 %, no critical fail
    screenshot(sup, "quality-scorecards")


def _article_used_on(call_id: str) -> str:
    """Mark the first demo article as used on `call_id` (as the agent's "answered with this" does);
    its title."""
    from sqlalchemy import select

    from hotline.audit.service import Actor
    from hotline.knowledge import usage
    from hotline.knowledge.models import Article

    db = Database(f"sqlite:///{Path(SERVER_INFO['log']).parent / 'hotline.db'}")
    try:
        with db.session() as s:
            article = s.scalars(select(Article).order_by(Article.id)).first()
            assert article is not None
            usage.mark_used(s, Actor(None, "agent1"), article.id, call_id)
            return article.title
    finally:
        db.dispose()


def _fill(page: Any, testid: str, values: list[str]) -> None:
    """Fill the text and number inputs of one form item row, in order (code, label, points)."""
    boxes = page.get_by_test_id(testid).locator("input:not([type=checkbox])")
    for i, value in enumerate(values):
        boxes.nth(i).fill(value)
        boxes.nth(i).press("Tab")


def test_form_and_plan_editing_and_what_the_scoring_page_shows(new_page: Callable[[], Any]) -> None:
    """The QA lead builds a form (a 一票否决 item among them) and publishes it; an inspector starts
    scoring against v1; v2 is made and published meanwhile, and the score under way still shows
    v1. A sampling plan is made and edited in its dialog, asking for complaints. The scoring page
    shows the knowledge article the agent used on the call."""
    call_id = recorded_call("agent1")
    title = _article_used_on(call_id)
    code = f"f{uuid.uuid4().hex[:8]}"
    qa = new_page()
    login(qa, "zhijian")
    qa.goto("/quality/forms")
    qa.get_by_test_id("form-new").click()
    qa.get_by_test_id("form-code").fill(code)
    qa.get_by_test_id("form-name").fill("投诉回访质检表")
    _fill(qa, "form-item-0-0", ["greeting", "规范开场白", "40"])
    qa.get_by_test_id("form-add-item-0").click()
    _fill(qa, "form-item-0-1", ["privacy", "泄露个人信息", "0"])
    qa.get_by_test_id("form-item-0-1").locator(".el-checkbox").click()
    qa.get_by_test_id("form-add-item-0").click()
    _fill(qa, "form-item-0-2", ["answer", "答复准确", "60"])
    assert qa.get_by_test_id("form-max").inner_text() == "满分 100 分"
    qa.get_by_test_id("form-save").click()
    qa.locator(".el-message", has_text="已保存").first.wait_for()
    qa.get_by_test_id("form-publish").click()
    qa.locator(".el-message", has_text="已发布第 1 版").wait_for()
    qa.get_by_test_id("form-readonly").wait_for()  # a published version cannot change
    assert_accessible(qa)
    v1 = next(f for f in qa.request.get(f"/api/quality/forms?code={code}").json() if f["version"] == 1)
    assert v1["status"] == "published"
    assert [(i["key"], i["critical"]) for i in v1["sections"][0]["items"]] == [
        ("greeting", False),
        ("privacy", True),
        ("answer", False),
    ]

    # An inspector opens the call on v1 (scoring starts)...
    insp = new_page()
    login(insp, "zhijian")
    insp.goto(f"/quality/score/{call_id}?form={code}")
    insp.get_by_test_id("score-form").wait_for()
    insp.wait_for_url(lambda url: "score=" in url)
    score_url = insp.url
    assert insp.get_by_test_id("score-articles").inner_text().startswith(title)

    # ...while v2 (answer worth 50, a new item) is made and published.
    qa.get_by_test_id("form-new-version").click()
    qa.get_by_test_id("form-save").wait_for()
    _fill(qa, "form-item-0-2", ["answer", "答复准确", "50"])
    qa.get_by_test_id("form-add-item-0").click()
    _fill(qa, "form-item-0-3", ["followup", "告知办理时限", "10"])
    qa.get_by_test_id("form-publish").click()
    qa.locator(".el-message", has_text="已发布第 2 版").wait_for()
    rows = qa.get_by_test_id("qa-forms").locator(".el-table__row", has_text=code)
    # The message shows as the publish returns; the list is read again after it (v2 was 草稿).
    rows.filter(has_text="已停用").wait_for()
    assert {r.locator("td").nth(3).inner_text() for r in rows.all()} == {"已发布", "已停用"}

    insp.goto(score_url)
    insp.get_by_test_id("score-form").wait_for()
    assert "v1" in insp.locator(".el-card__header", has_text="投诉回访质检表").inner_text()
    assert insp.get_by_test_id("item-followup").count() == 0

    # Sampling plan: made, then edited to ask for complaints too.
    qa.goto("/quality/plans")
    qa.get_by_test_id("plan-new").click()
    qa.get_by_test_id("plan-name").fill("超长通话")
    qa.get_by_test_id("plan-long").locator("input").fill("600")
    qa.get_by_test_id("plan-long").locator("input").press("Tab")
    qa.get_by_test_id("plan-save").click()
    row = qa.get_by_test_id("qa-plans").locator(".el-table__row", has_text="超长通话")
    row.wait_for()
    assert "通话超 600 秒" in row.inner_text()
    row.locator("[data-testid^=plan-edit-]").click()
    qa.get_by_test_id("plan-call-flags").get_by_text("投诉").click()
    qa.get_by_test_id("plan-name").fill("超长通话与投诉")
    qa.get_by_test_id("plan-save").click()
    row = qa.get_by_test_id("qa-plans").locator(".el-table__row", has_text="超长通话与投诉")
    row.wait_for()
    assert "投诉" in row.inner_text() and "通话超 600 秒" in row.inner_text()
    assert_accessible(qa)
    row.locator("[data-testid^=plan-run-]").click()
    qa.locator(".el-message", has_text="条质检任务").wait_for()
