"""The workforce console at 1366×768 in zh-CN: the shift lead's staffing plan chart, a roster
published from the rosters page and seen by the agent under 我的班表, a duty slot on the wallboard,
and a shift handover that the console lets complete only after the incoming shift (another user)
acknowledged it. Every stop is scanned for raw keys and English codes, and checked by axe."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.conftest import SERVER_INFO, shift_page
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


def _user_id(username: str) -> int:
    from pathlib import Path

    from hotline.people.service import user_by_username
    from hotline.store.db import Database

    db = Database(f"sqlite:///{Path(SERVER_INFO['log']).parent / 'hotline.db'}")
    try:
        with db.session() as s:
            user = user_by_username(s, username)
            assert user is not None
            return user.id
    finally:
        db.dispose()


def test_setup_roster_swap_and_the_workspace_schedule(new_page: Callable[[], Any]) -> None:
    """The shift lead makes a shift template and limits agent1 to it with Sundays off (排班设置); a
    roster generated after that gives agent1 only that shift and no Sunday; published, agent1 sees
    the shifts in the workspace, asks to hand one to a colleague, and the lead approves the swap on
    the rosters page: the shift changes hands."""
    code = f"E{uuid.uuid4().hex[:6]}"
    agent_id = _user_id("agent1")
    sup = shift_page(new_page, "banzhang")
    sup.goto("/workforce/setup")
    sup.get_by_test_id("wf-templates").locator(".el-table__row").first.wait_for()
    sup.get_by_test_id("wf-template-new").click()
    sup.get_by_test_id("wf-template-code").fill(code)
    sup.get_by_test_id("wf-template-name").fill("e2e 早班")
    sup.get_by_test_id("wf-template-save").click()
    sup.get_by_test_id("wf-templates").locator(".el-table__row", has_text=code).wait_for()
    check_page(sup, "/workforce/setup")

    sup.get_by_role("tab", name="座席技能与可用性").click()
    sup.get_by_test_id(f"wf-profile-{agent_id}").click()
    sup.get_by_test_id("wf-profile-any").click()
    sup.get_by_test_id("wf-profile-templates").get_by_text("e2e 早班").click()
    sup.get_by_test_id("wf-profile-weekdays").get_by_text("周日").click()
    check_page(sup, "/workforce/setup (agent dialog)")
    # Wait for the save itself: the template's "已保存" toast of a moment ago may still be shown.
    with sup.expect_response(
        lambda r: f"/api/workforce/agents/{agent_id}/profile" in r.url and r.request.method == "PUT"
    ) as saved:
        sup.get_by_test_id("wf-profile-save").click()
    assert saved.value.ok, saved.value.text()
    profiles = sup.request.get("/api/workforce/profiles").json()
    mine = next(p for p in profiles if p["user_id"] == agent_id)
    assert (mine["templates"], mine["weekdays_off"]) == ([code], [6])

    # The colleague the shift goes to is taken out of planning, so they are free every day of the
    # roster below whatever the generator chooses (it fills weekdays first: with everyone planned,
    # a roster made on a Friday left no colleague free on any of agent1's days).
    colleague = _user_id("agent2")
    theirs_before = next(p for p in profiles if p["user_id"] == colleague)
    csrf = {"X-CSRF-Token": _csrf(sup)}
    keep = {k: theirs_before[k] for k in ("skills", "templates", "weekdays_off", "planned")}
    assert sup.request.put(
        f"/api/workforce/agents/{colleague}/profile", data={**keep, "planned": False}, headers=csrf
    ).ok
    try:
        _roster_and_swap(new_page, sup, agent_id, code, colleague)
    finally:
        sup.request.put(f"/api/workforce/agents/{colleague}/profile", data=keep, headers=csrf)


def _roster_and_swap(new_page: Callable[[], Any], sup: Any, agent_id: int, code: str, colleague: int) -> None:
    # Two weeks from tomorrow wanting more people than there are, 08:00-16:00 (the new shift).
    first = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    required = [0] * (14 * 48)
    for d in range(14):
        for slot in range(16, 32):
            required[d * 48 + slot] = 9
    created = sup.request.post(
        "/api/workforce/rosters",
        data={"name": "e2e 设置后排班", "first_day": first.isoformat(), "days": 14, "required": required},
        headers={"X-CSRF-Token": _csrf(sup)},
    )
    assert created.status == 201, created.text()
    detail = created.json()
    theirs = [x for x in detail["shifts"] if x["user_id"] == agent_id]
    assert theirs and {x["template"] for x in theirs} == {code}
    assert all(date.fromisoformat(x["day"]).weekday() != 6 for x in theirs)
    roster = detail["roster"]
    assert sup.request.post(
        f"/api/workforce/rosters/{roster['id']}/publish",
        data={"version": roster["version"]},
        headers={"X-CSRF-Token": _csrf(sup)},
    ).ok

    agent = shift_page(new_page, "agent1")
    agent.goto("/workspace")
    agent.get_by_test_id("my-shifts").locator("li").first.wait_for()
    check_page(agent, "/workspace (my shifts)")
    # A shift on a day agent1 has no other published shift (the first test's roster covers the
    # first week too), handed to the colleague who is not planned in this roster.
    assert not any(y["user_id"] == colleague for y in detail["shifts"])
    params = {"first_day": first.isoformat(), "days": 14}
    days = [x["day"] for x in agent.request.get("/api/workforce/me/schedule", params=params).json()]
    shift = next(x for x in theirs if days.count(x["day"]) == 1)
    agent.goto("/my-schedule")
    row = agent.get_by_test_id("wf-my-shifts").locator("tbody tr", has_text=shift["day"]).first
    row.get_by_role("button", name="申请换班").click()
    dialog = agent.locator(".el-dialog:visible")
    dialog.get_by_label("接班人编号").fill(str(colleague))
    dialog.get_by_label("原因").fill("家中有事")
    dialog.get_by_role("button", name="提交").click()
    agent.get_by_text("换班申请已提交").first.wait_for()

    sup.goto(f"/workforce/rosters?id={roster['id']}")
    swap = sup.get_by_test_id("wf-swaps").locator(".el-table__row", has_text="家中有事").first
    swap.get_by_role("button", name="批准").click()
    sup.get_by_text("已批准换班").first.wait_for()
    after = sup.request.get(f"/api/workforce/rosters/{roster['id']}").json()
    assert next(x for x in after["shifts"] if x["id"] == shift["id"])["user_id"] == colleague
