"""新媒体 in the console: an analyst drafts a website notice planned for next month and submits it;
the shift lead sends it back with a note, the analyst resubmits, the lead approves and publishes;
the notice is on the public website, and in the content calendar on its day. Every stop in
Chinese and axe-clean."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.e2e.conftest import shift_page
from tests.e2e.zh import check_page

pytestmark = pytest.mark.slow


def _post(page: Any, title: str) -> Any:
    page.goto("/newmedia")
    page.get_by_test_id("nm-posts").locator(".el-table__row", has_text=title).click()
    card = page.get_by_test_id("nm-post")
    card.get_by_text(title).wait_for()
    return card


def test_notice_reviewed_published_and_on_the_calendar(new_page: Callable[[], Any], server: str) -> None:
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    nxt = datetime(now.year + (now.month == 12), now.month % 12 + 1, 8, 10, 0)
    title = f"冬季供暖补贴申领通知{uuid.uuid4().hex[:4]}"
    writer = shift_page(new_page, "fenxi")
    writer.goto("/newmedia")
    writer.get_by_test_id("nm-new").click()
    dialog = writer.locator(".el-dialog:visible")
    dialog.get_by_text("网站公告").click()
    writer.get_by_test_id("nm-title").fill(title)
    writer.get_by_test_id("nm-body").fill(
        "低保、特困家庭可于本月内到街道申领冬季供暖补贴，请携带身份证和户口簿。"
    )
    planned = dialog.locator(".el-date-editor input")
    planned.fill(nxt.strftime("%Y-%m-%d %H:%M:%S"))
    planned.press("Enter")
    check_page(writer, "fenxi /newmedia (new post)")
    writer.get_by_test_id("nm-save").click()
    card = writer.get_by_test_id("nm-post")
    card.get_by_text(title).wait_for()
    card.get_by_test_id("nm-act-submit").click()
    card.locator(".el-tag", has_text="待审核").wait_for()
    check_page(writer, "fenxi /newmedia (submitted)")

    lead = shift_page(new_page, "banzhang")
    card = _post(lead, title)
    card.get_by_placeholder("审核意见").fill("请写明申领截止日期")
    card.get_by_test_id("nm-act-reject").click()
    card.locator(".el-tag", has_text="草稿").wait_for()

    card = _post(writer, title)
    card.get_by_text("审核意见：请写明申领截止日期").wait_for()
    card.get_by_test_id("nm-act-submit").click()
    card.locator(".el-tag", has_text="待审核").wait_for()

    card = _post(lead, title)
    card.get_by_test_id("nm-act-approve").click()
    card.locator(".el-tag", has_text="已审核").wait_for()
    card.get_by_test_id("nm-act-publish").click()
    card.locator(".el-tag", has_text="已发布").wait_for()
    card.get_by_role("cell", name="网站").wait_for()
    check_page(lead, "banzhang /newmedia (published)")
    site = httpx.get(f"{server}/api/newmedia/site/", timeout=10)  # public, like any website
    assert site.status_code == 200 and title in site.text

    lead.get_by_role("tab", name="内容日历").click()
    lead.get_by_role("button", name="›").click()
    lead.get_by_test_id("nm-month").filter(has_text=nxt.strftime("%Y-%m")).wait_for()
    day = lead.get_by_test_id("nm-day").filter(has_text=nxt.strftime("%Y-%m-%d"))
    day.get_by_text(title).wait_for()
    check_page(lead, "banzhang /newmedia (calendar)")
