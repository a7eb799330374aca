"""Everything in Chinese: every role walks every page of its menu at 1366x768 in zh-CN, and the
rendered text must show neither raw i18n keys nor internal English codes (the scan is in
`tests/e2e/zh.py`, shared with the shift tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import DEMO_USERS, login
from tests.e2e.zh import COUNT_FETCHES
from tests.e2e.zh import scan as _scan

pytestmark = pytest.mark.slow

# Pages owned by engineers working on them at the same time, whose remaining codes are theirs:
# see the report of this change. Keys are "user path", values say why.
EXCLUDED: dict[str, str] = {}


def _ivr_actions(page: Any, report: dict[str, list[str]]) -> None:
    """Validation messages, the simulator's transcript and node fields appear only on demand."""
    page.get_by_test_id("ivr-validate").click()
    page.get_by_test_id("ivr-check").wait_for()
    page.get_by_test_id("ivr-sim-run").click()
    page.get_by_test_id("ivr-sim-result").wait_for()
    page.get_by_test_id("ivr-fit").click()  # every node in view, to click it
    for node in page.locator(".vue-flow__node").all()[:6]:
        node.click()
        _scan(page, "/ivr (node)", report)
    _scan(page, "/ivr (after validate/simulate)", report)


def _queue_dialog(page: Any, report: dict[str, list[str]]) -> None:
    page.get_by_test_id("queues-table").locator("button", has_text="编辑").first.click()
    page.locator(".el-dialog:visible").wait_for()
    page.locator(".el-dialog:visible .el-select").first.click()
    _scan(page, "/admin/queues (dialog)", report)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")


def _users_dialog(page: Any, report: dict[str, list[str]]) -> None:
    page.get_by_test_id("new-user").click()
    page.locator(".el-dialog:visible").get_by_role("button", name="保存").click()
    page.locator(".el-message").first.wait_for()
    _scan(page, "/admin/users (empty form)", report)
    page.keyboard.press("Escape")


ACTIONS: dict[str, Callable[[Any, dict[str, list[str]]], None]] = {
    "/ivr": _ivr_actions,
    "/admin/queues": _queue_dialog,
    "/admin/users": _users_dialog,
}


@pytest.mark.parametrize("user", DEMO_USERS)
def test_every_page_of_every_role_is_in_chinese(browser: Any, server: str, user: str) -> None:
    """One role per test (each within the per-test timeout as menus grow; a failure names the role)."""
    report: dict[str, list[str]] = {}
    ctx = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": 1366, "height": 768},
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(10_000)
    ctx.add_init_script(COUNT_FETCHES)
    page = ctx.new_page()
    try:
        login(page, user)
        hrefs = page.locator("nav a[data-nav]").evaluate_all("as => as.map(a => a.getAttribute('href'))")
        assert hrefs, user
        for href in hrefs:
            if f"{user} {href}" in EXCLUDED:
                continue
            page.goto(href)
            page.locator("#main").wait_for()
            _scan(page, f"{user} {href}", report)
            action = ACTIONS.get(href)
            if action and user == "admin":
                action(page, report)
    finally:
        ctx.close()
    assert not report, "\n".join(f"{where}: {', '.join(found)}" for where, found in report.items())
