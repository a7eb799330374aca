"""请假 in the console at 1366×768, zh-CN: agent1 asks for hours of leave on the leave page; with
我的班表 open, the shift lead approves it on theirs, and agent1's page shows it approved without a
reload (the live socket); agent1 calls it off. Every stop is scanned for raw keys and English
codes, and checked by axe. The leave is agent1's own, found by its unique reason, and called off
at the end whatever happens (the e2e server is shared: later tests plan agent1)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import shift_page
from tests.e2e.test_workforce_console import _csrf
from tests.e2e.zh import check_page

pytestmark = pytest.mark.slow


def test_leave_asked_approved_live_and_called_off(new_page: Callable[[], Any]) -> None:
    reason = f"e2e 复诊 {uuid.uuid4().hex[:6]}"
    agent = shift_page(new_page, "agent1")
    try:
        _walk(new_page, agent, reason)
    finally:
        for leave in agent.request.get("/api/workforce/me/leaves").json():
            if leave["note"] == reason and leave["state"] in ("pending", "approved"):
                agent.request.post(
                    f"/api/workforce/leaves/{leave['id']}/cancel",
                    data={"version": leave["version"]},
                    headers={"X-CSRF-Token": _csrf(agent)},
                )


def _walk(new_page: Callable[[], Any], agent: Any, reason: str) -> None:
    agent.goto("/workforce/leave")
    agent.get_by_test_id("wf-my-leave").wait_for()
    check_page(agent, "/workforce/leave (agent)")
    agent.get_by_test_id("wf-leave-ask").click()
    agent.get_by_test_id("wf-leave-by-hours").click()  # tomorrow 09:00-12:00 (the form's default)
    agent.get_by_test_id("wf-leave-note").fill(reason)
    check_page(agent, "/workforce/leave (ask dialog)")
    agent.get_by_test_id("wf-leave-submit").click()
    agent.get_by_text("请假申请已提交").first.wait_for()
    mine = agent.get_by_test_id("wf-my-leave").locator(".el-table__row", has_text=reason)
    mine.get_by_text("待审批").wait_for()
    assert "09:00–12:00" in mine.inner_text()

    # 我的班表 stays open while the lead decides: the decision arrives over the live socket.
    agent.goto("/my-schedule")
    listed = agent.get_by_test_id("wf-my-schedule-leave").locator(".el-table__row", has_text="待审批")
    listed.first.wait_for()
    before = agent.get_by_test_id("wf-my-schedule-leave").locator(".el-table__row", has_text="已批准").count()

    lead = shift_page(new_page, "banzhang")
    lead.goto("/workforce/leave")
    row = lead.get_by_test_id("wf-pending-leave").locator(".el-table__row", has_text=reason)
    row.wait_for()
    check_page(lead, "/workforce/leave (lead)")
    row.get_by_role("button", name="批准").click()
    lead.get_by_test_id("wf-leave-decide").click()
    lead.get_by_text("已批准请假").first.wait_for()
    lead.get_by_test_id("wf-all-leave").locator(".el-table__row", has_text="已批准").first.wait_for()

    approved = agent.get_by_test_id("wf-my-schedule-leave").locator(".el-table__row", has_text="已批准")
    approved.nth(before).wait_for()  # no reload: the page heard workforce.leave_changed
    check_page(agent, "/my-schedule (leave)")

    agent.goto("/workforce/leave")
    mine = agent.get_by_test_id("wf-my-leave").locator(".el-table__row", has_text=reason)
    mine.get_by_text("已批准").wait_for()
    mine.get_by_role("button", name="撤销").click()
    agent.get_by_text("请假已撤销").first.wait_for()
    mine.get_by_text("已撤销").wait_for()
