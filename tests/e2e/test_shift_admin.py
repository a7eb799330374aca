"""An administrator's day at 1366×768 in zh-CN: a user's password reset, a queue created, an IVR
flow created, published after a confirmation that names what it affects, and given a number, a
category and a calendar day added, the audit log read and exported with Chinese labels, and the
answers' outbox looked at. Every stop is scanned for raw keys and English codes, and checked by
axe."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import shift_page
from tests.e2e.zh import check_page

pytestmark = pytest.mark.slow


def test_admin_day(new_page: Callable[[], Any]) -> None:
    admin = shift_page(new_page, "admin")
    admin.wait_for_url("**/admin/users")  # the administrator's home
    check_page(admin, "admin /admin/users")

    # a user forgot their password
    admin.get_by_test_id("users-table").locator("tr", has_text="agent4").get_by_role(
        "button", name="编辑"
    ).click()
    admin.get_by_text("至少 8 位").first.wait_for()
    check_page(admin, "admin /admin/users (edit dialog)")
    admin.get_by_test_id("reset-password").fill("Shift2026pass")
    admin.get_by_test_id("reset-password-submit").click()
    admin.locator(".el-message", has_text="密码已重置").wait_for()
    admin.locator(".el-dialog:visible").get_by_role("button", name="取消").click()

    # a queue for the night line
    admin.locator("nav a[data-nav=queues]").click()
    admin.get_by_test_id("new-queue").click()
    admin.get_by_test_id("queue-code").fill("shift_line")
    admin.get_by_test_id("queue-label").fill("夜班热线")
    check_page(admin, "admin /admin/queues (new queue)")
    admin.get_by_test_id("queue-save").click()
    admin.get_by_test_id("queues-table").get_by_text("夜班热线").wait_for()
    check_page(admin, "admin /admin/queues")

    # an IVR flow: created, published (asked first, saying it answers no number yet), numbered
    admin.locator("nav a[data-nav=ivr]").click()
    admin.locator('.vue-flow__node[data-id="main_menu"]').wait_for()
    admin.get_by_test_id("ivr-new-flow").click()
    admin.get_by_test_id("ivr-flow-name").fill("shift_flow")
    admin.get_by_test_id("ivr-flow-create").click()
    admin.locator(".flow.on", has_text="shift_flow").wait_for()
    admin.locator('.vue-flow__node[data-id="welcome"]').wait_for()
    admin.get_by_test_id("ivr-minimap").wait_for()
    check_page(admin, "admin /ivr (new flow)")
    admin.get_by_test_id("ivr-publish").click()
    box = admin.locator(".el-message-box")
    box.get_by_text("尚未分配接入号码").wait_for()
    assert "（）" not in box.inner_text()
    box.get_by_role("button", name="确定").click()
    admin.locator(".el-message", has_text="已发布").first.wait_for()
    admin.get_by_test_id("ivr-numbers").fill("12399")
    admin.get_by_test_id("ivr-numbers-save").click()
    admin.locator(".el-message", has_text="接入号码已保存").wait_for()
    flows = {f["name"]: f for f in admin.request.get("/api/ivr/flows").json()["items"]}
    assert flows["shift_flow"]["numbers"] == "12399" and flows["shift_flow"]["published_number"] == 1
    check_page(admin, "admin /ivr (published)")

    # categories and the calendar
    admin.locator("nav a[data-nav=config]").click()
    admin.get_by_test_id("cat-code").fill("shift_cat")
    admin.get_by_test_id("cat-name").fill("夜班分类")
    admin.get_by_test_id("cat-add").click()
    admin.get_by_test_id("categories-table").get_by_text("夜班分类").wait_for()
    check_page(admin, "admin /admin/config")
    admin.get_by_role("tab", name="节假日日历").click()
    admin.get_by_placeholder("日期", exact=True).fill("2027-01-02")
    admin.keyboard.press("Enter")
    admin.get_by_test_id("cal-note").fill("元旦调休")
    admin.get_by_test_id("cal-save").click()
    admin.get_by_test_id("calendar-table").get_by_text("元旦调休").wait_for()
    check_page(admin, "admin /admin/config (calendar)")

    # the audit log: today's changes, exported with labels (not codes)
    admin.locator("nav a[data-nav=audit]").click()
    table = admin.get_by_test_id("audit-table")
    table.get_by_text("重置密码").first.wait_for()
    check_page(admin, "admin /admin/audit")
    href = admin.get_by_test_id("audit-export-csv").get_attribute("href")
    assert href
    exported = admin.request.get(href)
    assert exported.status == 200
    rows = list(csv.reader(io.StringIO(exported.body().decode("utf-8-sig"))))
    text = "\n".join(",".join(r) for r in rows)
    assert "重置密码" in text and "user.password_reset" not in text, text[:500]

    # the answers sent back to citizens
    admin.locator("nav a[data-nav=channels]").click()
    admin.get_by_role("tab", name="答复发件箱").click()
    admin.get_by_test_id("replies-table").wait_for()
    check_page(admin, "admin /channels (replies)")
