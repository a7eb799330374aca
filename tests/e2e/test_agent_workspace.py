"""The agent workspace at 1366×768, the way an agent uses it between and during calls: the action
bar stays on screen, suggestion chips say what they are and how sure, a second order for the same
caller keeps the caller, a likely duplicate is never created silently, and a knowledge article
opens in view while the suggestion list gets out of the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import agent_at_rest, login, submit_order

TEXT = "老人反映高龄津贴本月尚未到账，询问发放时间和查询办法，请社区核实。"


def in_view(page: Any, testid: str) -> bool:
    box = page.get_by_test_id(testid).bounding_box()
    size = page.viewport_size
    return bool(box) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def test_workspace_form_and_knowledge_at_1366(new_page: Callable[[], Any]) -> None:
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "agent1")
    # Not in a call or wrap-up an earlier test left: the workspace would restore that call's
    # caller once loaded, over the number typed here.
    agent_at_rest(page)
    page.goto("/workspace")
    callers = page.request.get("/api/callers?limit=100").json()["items"]
    caller = next(c for c in callers if c["phones"] and c["care_profile"])
    page.get_by_test_id("lookup-input").fill(caller["phones"][0]["number"])
    page.get_by_test_id("lookup-input").press("Enter")
    page.get_by_test_id("caller-name").filter(has_text=caller["name"]).wait_for()

    page.get_by_test_id("wo-title").fill("高龄津贴未到账")
    page.get_by_test_id("wo-content").fill(TEXT)
    chips = page.get_by_test_id("wo-suggest")
    chips.wait_for(timeout=15_000)
    first = chips.get_by_role("button").first.inner_text()
    assert first.startswith(("分类：", "承办单位：")) and first.rstrip().endswith("%"), first
    assert in_view(page, "wo-dispatch"), "the action bar must stay on screen at 1366×768"

    page.get_by_test_id("wo-department").click()
    page.locator(".el-select-dropdown__item:visible", has_text="养老服务处").first.click()
    submit_order(page)
    form = page.get_by_test_id("workorder-form")
    assert caller["name"] in [form.get_by_role("textbox").nth(i).input_value() for i in range(6)]

    # the same matter again: the duplicate hint names the order, and dispatch asks first
    page.get_by_test_id("wo-title").fill("高龄津贴未到账")
    page.get_by_test_id("wo-content").fill(TEXT)
    dup = page.get_by_test_id("wo-duplicate")
    dup.wait_for(timeout=15_000)
    page.wait_for_function(
        "() => /GD\\d{8}-\\d{4}/.test(document.querySelector('[data-testid=wo-duplicate]').innerText)"
    )
    before = page.request.get(f"/api/workorders?caller_id={caller['id']}&limit=50").json()["items"]
    page.get_by_test_id("wo-save").click()
    box = page.locator(".el-message-box", has_text="疑似重复")
    box.wait_for()
    box.get_by_role("button", name="取消").click()
    after = page.request.get(f"/api/workorders?caller_id={caller['id']}&limit=50").json()["items"]
    assert len(after) == len(before)

    # knowledge: suggestions close when the agent leaves the box; an article opens in view
    kb = page.get_by_test_id("kb-input")
    kb.fill("gljt")
    page.get_by_test_id("kb-suggestions").wait_for()
    page.get_by_test_id("wo-title").click()
    page.get_by_test_id("kb-suggestions").wait_for(state="detached")
    kb.fill("低保")
    kb.press("Enter")
    page.get_by_test_id("kb-results").locator("button.hit").first.click()
    page.get_by_test_id("kb-article").wait_for()
    page.wait_for_timeout(300)  # smooth layout settles
    assert in_view(page, "kb-article"), "the opened article must be visible without scrolling"
