"""Business hours in the console: a supervisor adds an opening window to a schedule, saves it, and
the two-week preview (computed by the server's routing rules) shows the new hours."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.e2e.conftest import assert_accessible, login, screenshot

NAME = "e2e-night"


def test_edit_hours_and_preview(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    existing = [h for h in page.request.get("/api/acd/hours").json() if h["name"] == NAME]
    if not existing:
        assert page.request.post("/api/acd/hours", data={"name": NAME, "schedule": {}}).ok
    page.goto("/admin/queues")
    card = page.get_by_test_id(f"hours-{NAME}")
    calendar = page.get_by_test_id(f"hours-calendar-{NAME}")
    calendar.locator(".el-table__row").first.wait_for()
    assert "08:00–20:00" in calendar.inner_text()
    card.get_by_test_id("open-now").wait_for()

    page.get_by_test_id(f"add-workday-{NAME}").click()
    page.get_by_test_id(f"save-hours-{NAME}").click()
    page.locator(".el-message", has_text="已保存").wait_for()
    card.get_by_text("08:00–20:00、20:00–23:45").first.wait_for()
    saved = next(h for h in page.request.get("/api/acd/hours").json() if h["name"] == NAME)
    assert saved["schedule"]["windows"]["workday"] == [["08:00", "20:00"], ["20:00", "23:45"]]

    card.scroll_into_view_if_needed()
    screenshot(page, "admin-hours")
    assert_accessible(page)
