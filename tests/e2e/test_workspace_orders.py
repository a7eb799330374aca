"""The agent's day without a phone: screen pop by number, knowledge search, a work order created and
dispatched from the workspace; the department handler receives and replies; the agent does the
return visit and the order closes. Screenshots of each page; axe-core on the busiest ones."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import agent_at_rest, assert_accessible, login, screenshot, submit_order

pytestmark = pytest.mark.slow


def _pick(page: Any, testid: str, option: str) -> None:
    page.get_by_test_id(testid).click()
    page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


def test_order_loop(new_page: Callable[[], Any]) -> None:
    agent = new_page()
    login(agent, "agent1")
    # Not in a call or wrap-up an earlier test left: the workspace would restore that call's
    # caller once loaded, over the number typed here.
    agent_at_rest(agent)
    agent.goto("/workspace")
    callers = agent.request.get("/api/callers?limit=50").json()["items"]
    caller = next(c for c in callers if c["care_profile"] and c["phones"])
    phone = caller["phones"][0]["number"]

    # screen pop from the number
    agent.get_by_test_id("lookup-input").fill(phone)
    agent.get_by_test_id("lookup-input").press("Enter")
    assert agent.get_by_test_id("caller-name").inner_text() == caller["name"]
    agent.get_by_test_id("emergency-contacts").wait_for()

    # knowledge: as-you-type suggestions by pinyin initials, then a full search
    kb = agent.get_by_test_id("kb-input")
    kb.fill("dbsq")
    agent.get_by_test_id("kb-suggestions").wait_for()
    kb.fill("低保怎么申请")
    kb.press("Enter")
    # the first search of a fresh server loads the index and the sentence encoder: allow for it
    agent.get_by_test_id("kb-results").locator(".hit").first.click(timeout=60_000)
    agent.get_by_test_id("kb-article").wait_for()
    agent.get_by_test_id("kb-use").click()
    agent.get_by_text("已记录使用").wait_for()

    # shortcut overlay
    agent.locator("body").press("?")
    agent.get_by_test_id("shortcut-help").get_by_text("Alt+H").wait_for()
    screenshot(agent, "workspace-shortcuts")
    agent.keyboard.press("Escape")

    # work order prefilled from the caller, dispatched to 养老服务处
    agent.get_by_test_id("wo-title").fill("独居老人申请居家养老上门服务")
    agent.get_by_test_id("wo-content").fill("来电人独居，行动不便，希望社区安排上门助餐和助浴服务。")
    _pick(agent, "wo-department", "养老服务处")
    screenshot(agent, "workspace")
    assert_accessible(agent)
    submit_order(agent)
    toast = agent.locator(".el-message", has_text="工单已创建")
    number = re.search(r"GD[\w-]+", toast.inner_text())
    assert number, toast.inner_text()
    order_no = number.group(0)

    # the department handler sees it in the portal, receives and replies
    handler = new_page()
    login(handler, "yanglao")
    handler.get_by_test_id("workorders-table").get_by_text(order_no).click()
    handler.locator("[data-action=receive]").click()
    handler.get_by_test_id("action-submit").click()
    handler.locator("[data-action=reply]").wait_for()
    handler.locator("[data-action=reply]").click()
    handler.get_by_test_id("action-note").fill("已安排社区助老员每周三次上门助餐、每周一次助浴。")
    handler.get_by_test_id("action-submit").click()
    handler.get_by_test_id("wo-state").filter(has_text="已答复").wait_for()
    screenshot(handler, "workorder-handler")
    assert_accessible(handler)

    # the agent does the return visit from the task list and closes the order
    agent.goto("/returnvisits")
    agent.get_by_test_id("return-visits-table").get_by_text(order_no).click()
    agent.locator("[data-action=start_return_visit]").click()
    agent.get_by_test_id("action-submit").click()
    agent.get_by_test_id("return-visit-form").wait_for()
    agent.get_by_test_id("visit-submit").click()
    agent.get_by_test_id("wo-state").filter(has_text="已办结").wait_for()
    timeline = agent.get_by_test_id("wo-timeline").inner_text()
    for step in ("派单", "签收", "答复", "开始回访", "办结"):
        assert step in timeline, (step, timeline)
    screenshot(agent, "workorder-detail")
    assert_accessible(agent)

    # the list shows it, filterable by text; supervisor view of the list
    sup = new_page()
    login(sup, "banzhang")
    sup.goto("/workorders")
    sup.get_by_test_id("workorders-table").get_by_text(order_no).wait_for()
    screenshot(sup, "workorders")
    assert_accessible(sup)


def test_department_sees_confidential_order_without_caller(new_page: Callable[[], Any]) -> None:
    agent = new_page()
    login(agent, "agent1")
    depts = agent.request.get("/api/departments?limit=100").json()["items"]
    ylfwc = next(d["id"] for d in depts if d["code"] == "YLFWC")
    body = {
        "type": "complaint",
        "title": "投诉养老机构服务（保密）",
        "content": "来电人反映某养老院护理不到位，要求对其身份保密。",
        "contact_name": "张某某",
        "contact_phone": "13912345678",
        "confidential": True,
    }
    order = agent.request.post("/api/workorders", data=body).json()
    done = agent.request.post(
        f"/api/workorders/{order['id']}/dispatch", data={"version": order["version"], "department_id": ylfwc}
    )
    assert done.ok, done.text()

    handler = new_page()
    login(handler, "yanglao")
    row = handler.get_by_test_id("workorders-table").locator(".el-table__row", has_text=order["number"])
    assert "（保密，已隐藏）" in row.inner_text()
    row.get_by_text(order["number"]).click()
    handler.get_by_test_id("wo-state").wait_for()
    text = handler.locator(".page").inner_text()
    assert "13912345678" not in text, text
    assert "张某某" not in text, text
    screenshot(handler, "workorder-confidential")


def test_stale_action_shows_chinese_conflict(new_page: Callable[[], Any]) -> None:
    """Two agents on one order: the second, acting on what it read before, gets the server's
    409 problem as a Chinese message, not a silent overwrite."""
    first, second = new_page(), new_page()
    login(first, "agent1")
    body = {"type": "inquiry", "title": "咨询助餐点位置", "content": "来电人询问附近社区助餐点。"}
    order = first.request.post("/api/workorders", data=body).json()
    for page in (first, second):
        if page is second:
            login(second, "banzhang")
        page.goto(f"/workorders/{order['id']}")
        page.locator("[data-action=cancel]").wait_for()
    first.locator("[data-action=cancel]").click()
    first.get_by_test_id("action-note").fill("重复来电")
    first.get_by_test_id("action-submit").click()
    first.locator(".el-message-box").get_by_role("button", name="确定").click()  # 撤销 is confirmed
    first.get_by_test_id("wo-state").filter(has_text="已撤销").wait_for()

    second.locator("[data-action=cancel]").click()
    second.get_by_test_id("action-note").fill("重复来电")
    second.get_by_test_id("action-submit").click()
    second.locator(".el-message-box").get_by_role("button", name="确定").click()
    toast = second.locator(".el-message--error")
    toast.wait_for()
    assert "冲突" in toast.inner_text() or "不能" in toast.inner_text(), toast.inner_text()
