"""满意度 in the console (Chromium): a shift lead turns the post-call survey and the agent-number
announcement on for a queue in 队列与座席 (saved, versioned), opens 满意度评价 (不满意 flags, answers,
counts) and sees the satisfaction figure on the wallboard; an administrator finds 工号 in the user
dialog. Axe clean on each page. The queue's settings are put back at the end: the e2e server is
shared, and other tests' calls must not meet a survey."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login

pytestmark = pytest.mark.slow


def _settings(page: Any, queue: str) -> dict[str, Any]:
    rows = page.request.get("/api/satisfaction/queues").json()
    return next(r for r in rows if r["queue"] == queue)


def test_survey_settings_flags_page_and_wallboard(new_page: Callable[[], Any]) -> None:
    sup = new_page()
    login(sup, "banzhang")
    queue = sup.request.get("/api/satisfaction/queues").json()[0]["queue"]
    before = _settings(sup, queue)
    sup.goto("/admin/queues")
    sup.get_by_test_id("queue-satisfaction").wait_for()
    try:
        sup.get_by_test_id(f"sat-survey-{queue}").click()
        sup.get_by_test_id(f"sat-announce-{queue}").click()
        sup.get_by_test_id(f"sat-save-{queue}").click()
        sup.get_by_text("已保存").first.wait_for()
        saved = _settings(sup, queue)
        assert saved["survey_enabled"] != before["survey_enabled"]
        assert saved["announce_agent_number"] != before["announce_agent_number"]
        assert_accessible(sup)
    finally:
        now = _settings(sup, queue)
        body = {k: before[k] for k in ("announce_agent_number", "survey_enabled", "scale", "wait_seconds")}
        assert sup.request.put(
            f"/api/satisfaction/queues/{queue}", data={**body, "version": now["version"]}
        ).ok

    sup.goto("/satisfaction")
    sup.get_by_test_id("sat-flags").wait_for()
    sup.get_by_role("tab", name="统计").click()
    sup.get_by_test_id("sat-summary").wait_for()
    assert_accessible(sup)
    sup.goto("/wallboard")
    sup.get_by_test_id("center-satisfaction").wait_for()
    assert "满意率" in sup.get_by_test_id("center-kpis").inner_text()

    admin = new_page()
    login(admin, "admin")
    admin.goto("/admin/users")
    admin.get_by_test_id("new-user").click()
    admin.get_by_test_id("user-agent-number").wait_for()
    assert "工号" in admin.inner_text(".el-dialog")
