"""Call-center pages on the running call center: the agent signs in and goes ready from the
workspace, the supervisor's wallboard shows it live over the WebSocket; recordings and queue
configuration pages. Screenshots and axe-core on each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import agent_at_rest, assert_accessible, login, screenshot

pytestmark = pytest.mark.slow


@pytest.mark.usefixtures("no_calls_left")  # a callback owed from an earlier test would ring first
def test_agent_ready_shows_on_wallboard(new_page: Callable[[], Any]) -> None:
    agent = new_page()
    login(agent, "agent1")
    agent_at_rest(agent)  # signed out, as the first thing an agent does is 签入

    sup = new_page()
    login(sup, "banzhang")
    sup.get_by_test_id("center-kpis").wait_for()
    sup.get_by_test_id("wall-live").wait_for()
    row = sup.get_by_test_id("wall-agents").locator("tbody tr", has_text="李话务员")
    row.locator(".el-tag", has_text="未签入").wait_for()

    state = agent.get_by_test_id("agent-state")
    state.get_by_role("button", name="签入").click()
    state.locator(".el-tag", has_text="示闲").wait_for()
    agent.get_by_test_id("agent-state").get_by_test_id("btn-not-ready").click()
    state.locator(".el-tag", has_text="示忙").wait_for()
    agent.keyboard.press("Alt+R")  # the shortcut, as an agent would
    state.locator(".el-tag", has_text="示闲").wait_for()

    # the wallboard follows over the WebSocket, without a reload
    row.locator(".el-tag", has_text="示闲").wait_for()
    screenshot(sup, "wallboard")
    assert_accessible(sup)

    # the supervisor changes the agent's state from the board; the agent's console follows
    row.get_by_label("改变状态 · 李话务员").select_option("not_ready")
    row.locator(".el-tag", has_text="示忙").wait_for()
    state.locator(".el-tag", has_text="示忙").wait_for()
    agent.keyboard.press("Alt+R")
    row.locator(".el-tag", has_text="示闲").wait_for()


@pytest.mark.parametrize(
    ("user", "path", "testid", "name"),
    [
        ("zhijian", "/recordings", "recordings-table", "recordings"),
        ("admin", "/admin/queues", "skills-table", "queues"),
    ],
)
def test_center_pages(new_page: Callable[[], Any], user: str, path: str, testid: str, name: str) -> None:
    page = new_page()
    login(page, user)
    page.goto(path)
    page.get_by_test_id(testid).wait_for()
    screenshot(page, name)
    assert_accessible(page)
