"""The workforce console at 1366×768 in zh-CN: the shift lead's staffing plan chart, a roster
published from the rosters page and seen by the agent under 我的班表, a duty slot on the wallboard,
and a shift handover that the console lets complete only after the incoming shift (another user)
acknowledged it. Every stop is scanned for raw keys and English codes, and checked by axe."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import shift_page
from tests.e2e.zh import check_page

pytestmark = pytest.mark.slow


def test_workforce_console(new_page: Callable[[], Any]) -> None:
    sup = shift_page(new_page, "banzhang")
    sup.goto("/workforce/staffing")
    sup.get_by_test_id("staffing-chart").wait_for()
    check_page(sup, "/workforce/staffing")

    # A one-week roster for an explicit requirement (demo history may be empty), from tomorrow.
    first = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    required = [0] * (7 * 48)
    for d in range(7):
        for slot in range(18, 34):
            required[d * 48 + slot] = 1
    created = sup.request.post(
        "/api/workforce/rosters",
        data={"name": "e2e 周排班", "first_day": first.isoformat(), "days": 7, "required": required},
        headers={"X-CSRF-Token": _csrf(sup)},
    )
    assert created.status == 201, created.text()
    roster_id = created.json()["roster"]["id"]
    sup.goto(f"/workforce/rosters?id={roster_id}")
    sup.get_by_test_id("wf-grid").wait_for()
    check_page(sup, "/workforce/rosters")
    sup.get_by_test_id("wf-publish").click()
    sup.get_by_text("排班表已发布").first.wait_for()

    agent = shift_page(new_page, "agent1")
    agent.goto("/my-schedule")
    rows = agent.get_by_test_id("wf-my-shifts").locator("tbody tr")
    shifts = agent.request.get(
        "/api/workforce/me/schedule", params={"first_day": first.isoformat(), "days": 7}
    ).json()
    if shifts:  # agent1 is one of the people planned; the roster spreads 7 shifts over them
        rows.first.wait_for()
    check_page(agent, "/my-schedule")

    # Duty roster → wallboard panel.
    sup.goto("/workforce/duty")
    sup.get_by_test_id("wf-duty-add").click()
    dialog = sup.locator(".el-dialog:visible")
    dialog.get_by_label("值班领导").fill("王值班")
    dialog.get_by_label("电话").fill("13800001111")
    dialog.get_by_role("button", name="保存").click()
    sup.get_by_test_id("wf-duty-table").get_by_text("王值班").wait_for()
    check_page(sup, "/workforce/duty")

    # Handover: written by the shift lead, acknowledged by another user, then completed.
    sup.goto("/workforce/handover")
    sup.get_by_test_id("wf-shift-label").fill("e2e 白班")
    sup.get_by_test_id("wf-notes").fill("3 号中继有杂音")
    sup.get_by_test_id("wf-handover-create").click()
    card = sup.locator("[data-testid^=wf-handover-]", has_text="e2e 白班").first
    card.get_by_text("待接班确认").wait_for()
    assert card.get_by_test_id("wf-complete").is_disabled()
    check_page(sup, "/workforce/handover")
    admin = shift_page(new_page, "admin")
    admin.goto("/workforce/handover")
    theirs = admin.locator("[data-testid^=wf-handover-]", has_text="e2e 白班").first
    theirs.get_by_test_id("wf-ack").click()
    theirs.get_by_text("已确认", exact=True).wait_for()
    sup.reload()
    card = sup.locator("[data-testid^=wf-handover-]", has_text="e2e 白班").first
    card.get_by_test_id("wf-complete").click()
    card.get_by_text("已交接", exact=True).wait_for()

    sup.goto("/workforce/adherence")
    sup.get_by_test_id("wf-adherence-table").wait_for()
    check_page(sup, "/workforce/adherence")

    sup.goto("/wallboard")
    sup.get_by_test_id("wall-duty").wait_for()
    check_page(sup, "/wallboard (duty panel)")


def _csrf(page: Any) -> str:
    for c in page.context.cookies():
        if c["name"] == "hotline_csrf":
            return str(c["value"])
    return ""
