"""统计分析 in the console: the analyst lands on the analytics home, opens the monthly work-order
report by district, drills from a district's figure to exactly the orders behind it, builds an
ad-hoc pivot (district × channel), saves it shared and exports it: the downloaded workbook holds
the page's figures; a year without data shows zeros and says so. A role without the reports gets
the forbidden page. Pages in Chinese, axe-clean."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.conftest import assert_accessible, login
from tests.e2e.zh import assert_chinese

pytestmark = pytest.mark.slow


def _caught_up(page: Any) -> None:
    """Wait until the rollups have read every queue-log line and order change (the plug-in rolls
    up right after each write; the orders other tests filed may still be on their way)."""
    deadline = time.monotonic() + 60
    while True:
        s = page.request.get("/api/analytics/status").json()
        if s["orders_mark"] >= s["orders_head"] and s["calls_mark"] >= s["calls_head"]:
            return
        assert time.monotonic() < deadline, s
        page.wait_for_timeout(200)


def _pick(page: Any, select: Any, option: str) -> None:
    select.click()
    page.locator(
        ".el-select-dropdown:visible .el-select-dropdown__item", has_text=re.compile(f"^{option}$")
    ).click()


def test_monthly_report_drill_and_saved_pivot_export(new_page: Callable[[], Any], server: str) -> None:
    page = new_page()
    login(page, "fenxi")
    assert page.url.endswith("/analytics")
    page.get_by_test_id("an-kpi-orders").wait_for()
    _caught_up(page)

    # 工单统计, 月报, by district: the figure of 东城区 (demo orders of today are in this month)
    page.locator("nav a[data-nav=an-orders]").click()
    page.get_by_test_id("an-rows").wait_for()
    page.get_by_test_id("an-kind").get_by_text("月报").click()
    _pick(page, page.get_by_test_id("an-by"), "按区县")
    cell = page.get_by_test_id("an-cell-东城区-orders")
    cell.wait_for()
    figure = int(cell.inner_text().replace(",", ""))
    assert figure > 0
    assert page.get_by_test_id("report-chart").is_visible()
    assert_chinese(page, "fenxi monthly orders by district")
    assert_accessible(page)

    cell.click()
    rows = page.get_by_test_id("an-drill-orders").locator(".el-table__body-wrapper .el-table__row")
    rows.first.wait_for()
    assert "区县：东城区" in page.get_by_test_id("an-drill-filters").inner_text()
    while page.get_by_test_id("an-drill-more").is_visible():
        page.get_by_test_id("an-drill-more").click()
    assert rows.count() == figure
    assert all("东城区" in r for r in rows.all_inner_texts())
    assert_chinese(page, "fenxi drill to orders")
    page.get_by_test_id("an-drill-back").click()
    page.get_by_test_id("an-cell-东城区-orders").wait_for()

    # 自定义报表: district × channel, saved shared, exported
    page.locator("nav a[data-nav=an-pivot]").click()
    page.get_by_test_id("pivot-table").wait_for()
    _pick(page, page.get_by_test_id("pivot-dimensions"), "渠道")
    page.keyboard.press("Escape")
    page.get_by_test_id("pivot-run").click()
    page.get_by_test_id("pivot-table").locator("thead", has_text="渠道").wait_for()
    totals = page.get_by_test_id("pivot-totals").inner_text()
    page.get_by_test_id("pivot-save").click()
    page.get_by_test_id("pivot-save-name").fill("区县渠道月报")
    page.get_by_test_id("pivot-save-shared").click()
    page.get_by_test_id("pivot-save-confirm").click()
    page.get_by_test_id("pivot-saved").locator(".el-table__row", has_text="区县渠道月报").wait_for()
    assert_chinese(page, "fenxi pivot")
    assert_accessible(page)

    with page.expect_download() as dl:
        page.get_by_test_id("pivot-export").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(Path(dl.value.path()).read_bytes())).active
    assert ws is not None
    lines = [list(r) for r in ws.iter_rows(values_only=True)]
    header = lines.index(["区县", "渠道", "工单数", "按时办结率"])
    total = next(r for r in lines[header:] if r[0] == "合计")
    assert f"工单数 {total[2]:,}" in totals, (total, totals)
    body = lines[header + 1 : lines.index(total)]
    assert sum(r[2] for r in body) == total[2]
    assert sum(r[2] for r in body if r[0] == "东城区") == figure  # the report's figure, by channel

    # a year without data: zeros, and the page says so
    page.goto("/analytics/reports/orders?period=year&date=2001-06-01&by=district")
    page.get_by_test_id("an-empty").wait_for()
    assert "该期间没有数据" in page.get_by_test_id("an-empty").inner_text()
    assert page.get_by_test_id("an-total-orders").inner_text() == "0"


def test_a_role_without_reports_gets_the_forbidden_page(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "agent1")
    assert not page.locator("nav a[data-nav=an-home]").count()
    page.goto("/analytics/pivot")
    page.get_by_text("您没有访问此页面的权限。").wait_for()
