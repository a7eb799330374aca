"""An agent's (话务员) day at 1366×768 in zh-CN: 签入 and 示闲, a real SIPp care caller reaches the
agent's SIPp phone, the screen pop shows who it is, a work order is dispatched from the call with
the action bar in view, a 通话小结 is saved, 挂断 leads to 话后整理 (extended once), back to 示闲,
an outbound call from the dial pad shows the dialled number and hangs up from the console, and
签出 leaves the queues. Every stop is scanned for raw keys and English codes, and checked by axe."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import agent_at_rest, shift_page, submit_order
from tests.e2e.phones import call_in, desk_phone
from tests.e2e.zh import check_page
from tests.sip.harness import Sipp

pytestmark = pytest.mark.slow


def _me(page: Any) -> dict[str, Any]:
    return dict(page.request.get("/api/calls/agent/me").json())


@pytest.mark.usefixtures("no_calls_left")  # a callback owed from an earlier test would ring first
def test_agent_day(new_page: Callable[[], Any], sipp_dir: Path) -> None:
    procs: list[Sipp] = []
    try:
        agent = shift_page(new_page, "agent1")
        agent.wait_for_url("**/workspace")  # the agent's home
        agent_at_rest(agent)  # signed out, whatever an earlier test on this server left
        state = agent.get_by_test_id("agent-state")
        agent.get_by_test_id("cti-live").wait_for()
        check_page(agent, "agent1 /workspace (start of shift)")

        # 签入, then 示闲
        state.locator(".el-tag", has_text="未签入").wait_for()
        state.get_by_role("button", name="签入").click()
        state.locator(".el-tag", has_text="示忙").or_(
            state.locator(".el-tag", has_text="示闲")
        ).first.wait_for()
        if _me(agent)["state"] != "ready":
            state.get_by_test_id("btn-ready").click()
        state.locator(".el-tag", has_text="示闲").wait_for()
        assert state.get_by_test_id("btn-ready").is_disabled()  # already 示闲

        # the desk phone (1001) answers this call and the outbound one; 1900 is the far end dialled
        desk_phone(sipp_dir, "1001", procs, calls=2)
        desk_phone(sipp_dir, "1900", procs)
        agent.get_by_test_id("no-phone").wait_for(state="detached", timeout=15_000)
        callers = agent.request.get("/api/callers?limit=100").json()["items"]
        caller = next(c for c in callers if c["care_profile"] and c["phones"])
        call_in(sipp_dir, caller["phones"][0]["number"], "0", 60_000, procs)  # 0: a person now

        state.locator(".el-tag", has_text="通话中").wait_for(timeout=30_000)
        agent.get_by_test_id("caller-name").filter(has_text=caller["name"]).wait_for()
        agent.get_by_test_id("ivr-path").wait_for()
        bar = agent.get_by_test_id("call-bar")
        assert caller["phones"][0]["number"][-4:] in bar.inner_text()
        check_page(agent, "agent1 /workspace (talking, screen pop)")

        # a work order from the call: the action bar is on screen without scrolling
        dispatch = agent.get_by_test_id("wo-dispatch")
        box = dispatch.bounding_box()
        assert box is not None and box["y"] + box["height"] <= 768, box
        agent.get_by_test_id("wo-title").fill("咨询居家养老上门服务")
        agent.get_by_test_id("wo-content").fill("来电人咨询居家养老上门服务的申请条件，需社区上门评估。")
        agent.get_by_test_id("wo-department").click()
        agent.locator(".el-select-dropdown__item:visible", has_text="养老服务处").first.click()
        submit_order(agent)
        # the form stays with the caller for a second order on the same call
        assert agent.get_by_test_id("wo-title").input_value() == ""

        dispo = agent.get_by_test_id("disposition")
        dispo.locator(".el-select").click()
        agent.locator(".el-select-dropdown__item:visible", has_text="告知政策/办事指引").click()
        dispo.get_by_test_id("btn-disposition").click()
        agent.locator(".el-message", has_text="通话小结已保存").wait_for()

        # 挂断 from the call bar: 话后整理, extended once, then back to 示闲
        bar.get_by_role("button", name="挂断").click()
        state.locator(".el-tag", has_text="话后整理").wait_for()
        state.get_by_text("整理剩余").wait_for()
        state.get_by_test_id("btn-extend-wrap").click()
        check_page(agent, "agent1 /workspace (wrap-up)")
        state.get_by_test_id("btn-ready").click()
        state.locator(".el-tag", has_text="示闲").wait_for()

        # an outbound call from the dial pad: the number and a timer, 挂断 works, back to 示闲
        bar.get_by_role("button", name="拨号盘").click()
        pad = agent.get_by_role("dialog", name="拨号盘")
        pad.get_by_role("textbox", name="号码").fill("1900")
        check_page(agent, "agent1 /workspace (dial pad)")
        pad.get_by_role("button", name="外呼").click()
        bar.get_by_test_id("call-to").filter(has_text="1900").wait_for(timeout=20_000)
        state.locator(".el-tag", has_text="通话中").wait_for(timeout=20_000)
        check_page(agent, "agent1 /workspace (outbound call)")
        bar.get_by_role("button", name="挂断").click()
        state.locator(".el-tag", has_text="示闲").or_(
            state.locator(".el-tag", has_text="话后整理")
        ).first.wait_for()
        assert agent.locator(".el-message--error").count() == 0, agent.locator(
            ".el-message--error"
        ).all_inner_texts()
        cdrs = agent.request.get("/api/calls/cdrs?limit=5").json()["items"]
        assert any(c["direction"] == "outbound" and c["caller_number"] == "1900" for c in cdrs), cdrs

        # 签出: out of the queues
        if _me(agent)["state"] == "wrap_up":
            state.get_by_test_id("btn-ready").click()
            state.locator(".el-tag", has_text="示闲").wait_for()
        state.get_by_test_id("btn-logout").click()
        state.locator(".el-tag", has_text="未签入").wait_for()
        assert _me(agent)["state"] == "logged_out"
        check_page(agent, "agent1 /workspace (signed out)")
    finally:
        for p in procs:
            p.kill()
