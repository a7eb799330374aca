"""统计分析 → 定时报表 in the console: an analyst subscribes a weekly work-order report as PDF only,
sees it listed with its next due time, pauses and resumes it, renames it, regenerates it now (the
mail reaches the SMTP relay with only the PDF attached, and the run is listed as sent) and deletes
it. Its own subscription, named uniquely: the e2e server is shared with other tests. Pages in
Chinese, axe-clean. Then 重复来电 and 知识库使用 open with their figures."""

from __future__ import annotations

import email
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_INFO, assert_accessible, login
from tests.e2e.zh import assert_chinese

pytestmark = pytest.mark.slow


def _schedule(page: Any, name: str) -> dict[str, Any] | None:
    rows = page.request.get("/api/analytics/schedules").json()
    return next((r for r in rows if r["name"] == name), None)


def _mail_to(address: str, deadline_s: float = 60) -> email.message.Message:
    relay = SERVER_INFO["relay"]
    deadline = time.monotonic() + deadline_s
    while True:
        for rcpts, raw in list(relay.messages):
            if address in rcpts:
                return email.message_from_bytes(raw)
        assert time.monotonic() < deadline, f"no mail to {address}"
        time.sleep(0.2)


def test_subscribe_pause_regenerate_and_delete(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "fenxi")
    tag = uuid.uuid4().hex[:8]
    name, to = f"工单周报-{tag}", f"director-{tag}@bureau.gov.cn"
    page.locator("nav a[data-nav=an-subscriptions]").click()
    page.get_by_test_id("sub-table").wait_for()

    page.get_by_test_id("sub-new").click()
    page.get_by_test_id("sub-name").fill(name)
    page.get_by_test_id("sub-rollup").get_by_text("工单").click()
    page.get_by_test_id("sub-frequency").get_by_text("周报（每周一）").click()
    page.get_by_test_id("sub-recipients").fill(f"{to}\n")
    page.get_by_test_id("sub-formats").get_by_text("Excel").click()  # PDF only
    page.get_by_test_id("sub-save").click()
    row = page.get_by_test_id("sub-table").locator(".el-table__row", has_text=name)
    row.wait_for()
    created = _schedule(page, name)
    assert created is not None
    assert (created["rollup"], created["frequency"], created["formats"]) == ("orders", "weekly", ["pdf"])
    sid = created["id"]
    assert "PDF（含图表）" in row.inner_text() and "启用" in row.inner_text()
    assert created["next_due_at"] is not None
    assert_chinese(page, "fenxi subscriptions")
    assert_accessible(page)

    page.get_by_test_id(f"sub-toggle-{sid}").click()
    page.get_by_test_id(f"sub-state-{sid}").filter(has_text="已暂停").wait_for()
    assert _schedule(page, name)["next_due_at"] is None  # type: ignore[index]
    page.get_by_test_id(f"sub-toggle-{sid}").click()
    page.get_by_test_id(f"sub-state-{sid}").filter(has_text="启用").wait_for()

    page.get_by_test_id(f"sub-edit-{sid}").click()
    page.get_by_test_id("sub-name").fill(f"{name}（改）")
    page.get_by_test_id("sub-save").click()
    page.get_by_test_id("sub-table").locator(".el-table__row", has_text=f"{name}（改）").wait_for()

    page.get_by_test_id(f"sub-runs-{sid}").click()
    page.get_by_test_id("sub-regenerate").click()
    page.get_by_test_id("sub-run-table").locator(".el-table__row", has_text="已发送").wait_for(timeout=90_000)
    mail = _mail_to(to)
    files = [p.get_filename() for p in mail.walk() if p.get_filename()]
    assert len(files) == 1 and files[0].endswith(".pdf"), files
    assert_accessible(page)
    page.keyboard.press("Escape")

    page.get_by_test_id(f"sub-delete-{sid}").click()
    page.locator(".el-message-box .el-button--primary").click()
    page.get_by_test_id("sub-table").locator(".el-table__row", has_text=name).wait_for(state="detached")
    assert _schedule(page, f"{name}（改）") is None


def test_repeat_callers_and_knowledge_usage_pages(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "fenxi")
    for key, figure in (("repeats", "repeat_calls"), ("knowledge", "uses")):
        page.locator(f"nav a[data-nav=an-{key}]").click()
        page.locator(f"[data-testid=an-usage][data-report={key}]").wait_for()
        page.get_by_test_id(f"an-total-{figure}").wait_for()
        assert_chinese(page, f"fenxi {key}")
        assert_accessible(page)
