"""A shift lead's (班长) day at 1366×768 in zh-CN: the wallboard and its TV mode, listening in on a
real SIPp call an agent took on their SIPp phone, the work-order overviews with counts, an
extension approved, a duplicate merged into an order by its number, an emergency call's alert
acknowledged, and the intake inbox read. Every stop is scanned for raw keys and English codes,
and checked by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import agent_ready, clear_emergencies, end_leftover_calls, login, shift_page
from tests.e2e.orders import act, dept_id, new_order
from tests.e2e.phones import call_in, desk_phone
from tests.e2e.zh import check_page
from tests.sip.harness import Sipp

pytestmark = pytest.mark.slow


def test_supervisor_day(new_page: Callable[[], Any], sipp_dir: Path) -> None:
    procs: list[Sipp] = []
    try:
        sup = shift_page(new_page, "banzhang")
        sup.wait_for_url("**/wallboard")  # the shift lead's home
        sup.get_by_test_id("wall-live").wait_for()
        check_page(sup, "banzhang /wallboard")
        sup.get_by_test_id("wall-tv-link").click()
        sup.wait_for_url("**/tv")
        sup.get_by_test_id("wall-live").wait_for()
        check_page(sup, "banzhang /tv")
        sup.get_by_role("link", name="返回控制台").click()
        sup.wait_for_url("**/wallboard")

        # a live call: agent1's phone answers a care caller, the shift lead listens from 1900
        agent = new_page()
        login(agent, "agent1")
        end_leftover_calls(sup)  # a callback owed from an earlier test would ring agent1 first
        me = agent_ready(agent)  # whatever an earlier test left (the UI path is the agent's walk)
        desk_phone(sipp_dir, "1001", procs)
        desk_phone(sipp_dir, "1900", procs)
        callers = sup.request.get("/api/callers?limit=100").json()["items"]
        caller = next(c for c in callers if c["care_profile"] and c["phones"])
        call_in(sipp_dir, caller["phones"][0]["number"], "0", 25_000, procs)
        row = sup.get_by_test_id("wall-agents").locator(f".agent-{me['agent_id']}")
        row.locator(".el-tag", has_text="通话").wait_for(timeout=30_000)
        row.locator(f"[data-wall=listen-{me['agent_id']}]").click()
        sup.locator(".el-message", has_text="监听").wait_for()
        check_page(sup, "banzhang /wallboard (a call, listening)")
        agent.request.post("/api/calls/agent/hangup")

        # the day's orders: one with an extension to decide, a duplicate to merge
        dept = dept_id(agent, "养老服务处")
        ext = new_order(agent, "助餐点服务时间调整咨询", dept)
        handler = new_page()
        login(handler, "yanglao")
        act(handler, ext, "receive")
        act(handler, ext, "request_extension", days=3, note="需要与助餐点核实")
        target = new_order(agent, "高龄津贴发放时间咨询")
        dup = new_order(agent, "高龄津贴发放时间再次来电")

        # overviews with counts
        sup.locator("nav a[data-nav=workorders]").click()
        chips = sup.get_by_test_id("wo-buckets")
        sup.locator('[data-count="extension"]').filter(has_text=re.compile(r"^[1-9]\d*$")).wait_for()
        with sup.expect_response(lambda r: "bucket=extension" in r.url):
            chips.locator('[data-bucket="extension"]').click()
        sup.get_by_test_id("workorders-table").get_by_text(ext["number"]).wait_for()
        check_page(sup, "banzhang /workorders (延期待审批)")

        # approve the extension from the order
        sup.get_by_test_id("workorders-table").get_by_text(ext["number"]).click()
        sup.wait_for_url(f"**/workorders/{ext['id']}")
        sup.locator(".el-tag", has_text="延期待审批").wait_for()
        check_page(sup, "banzhang /workorders/:id (extension pending)")
        sup.locator('[data-action="approve_extension"]').click()
        note = sup.get_by_test_id("action-note")
        if note.count():
            note.fill("同意延期 3 天")
        sup.get_by_test_id("action-submit").click()
        sup.locator(".el-tag", has_text="延期待审批").wait_for(state="detached")
        sup.get_by_test_id("wo-timeline").get_by_text("批准延期").first.wait_for()

        # merge a duplicate into the first order, by its number
        sup.goto(f"/workorders/{dup['id']}")
        sup.locator('[data-action="merge"]').click()
        sup.get_by_test_id("action-into").fill(target["number"])
        sup.get_by_test_id("action-note").fill("同一来电人重复反映")
        check_page(sup, "banzhang /workorders/:id (merge)")
        sup.get_by_test_id("action-submit").click()
        sup.get_by_test_id("wo-state").get_by_text("已合并").wait_for()

        # an emergency: a care caller presses 1; the alert is acknowledged on the wallboard
        agent.request.post("/api/calls/agent/logout")
        clear_emergencies(sup)  # earlier tests' alerts: this one is the only one on the wallboard
        caller = next(c for c in callers if c["care_profile"] and c["phones"] and c["emergency_contacts"])
        call_in(sipp_dir, caller["phones"][0]["number"], "1", 4_000, procs)
        sup.goto("/wallboard")
        banner = sup.get_by_test_id("emergency-banner")
        banner.get_by_text(caller["name"]).first.wait_for(timeout=30_000)
        check_page(sup, "banzhang /wallboard (emergency)")
        sup.get_by_test_id("emergency-ack").click()
        sup.locator(".el-message", has_text="紧急告警已确认").wait_for()
        banner.wait_for(state="detached")
        assert sup.request.get("/api/calls/emergencies").json() == []

        # what citizens sent in: read the intake inbox
        sup.locator("nav a[data-nav=channels]").click()
        sup.get_by_test_id("inbox-table").wait_for()
        check_page(sup, "banzhang /channels")
    finally:
        for p in procs:
            p.kill()
