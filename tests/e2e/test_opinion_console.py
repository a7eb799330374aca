"""舆情 in the console: the analyst adds a feed (a local news site whose story about abuse in a
care home is reposted) and fetches it now; the copies are one story, high-risk, and the shift
lead's opinion bell shows the alert; from it an incident is opened and worked found → verified →
reported → responded → closed. Pages in Chinese and axe-clean."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login
from tests.e2e.zh import assert_chinese
from tests.opinion import pages
from tests.opinion.site import Page, serve

pytestmark = pytest.mark.slow

FEED = pages.rss(
    [
        ("e2e-1", "东城区养老院护工虐待老人被曝光", pages.STORY),
        ("e2e-2", "网友曝光：养老院护工虐待八旬老人", "转发：" + pages.STORY),
        ("e2e-3", "扩散！养老院虐待老人，家属投诉无果", "【转载】" + pages.STORY + "（来源：网络）"),
        ("e2e-4", "社区老年食堂开业", "街道老年助餐点今日开业，老人们纷纷点赞。"),
    ]
)


def test_high_risk_story_alert_to_closed_incident(new_page: Callable[[], Any], server: str) -> None:
    with serve({"/rss.xml": Page(FEED, "application/rss+xml; charset=utf-8")}) as site:
        analyst = new_page()
        login(analyst, "fenxi")
        analyst.locator("nav a[data-nav=opinion]").click()
        analyst.get_by_role("tab", name="信息来源").click()
        analyst.get_by_test_id("op-add-source").click()
        analyst.get_by_test_id("op-source-name").fill("区融媒体中心")
        analyst.get_by_test_id("op-source-url").fill(site.url("/rss.xml"))
        analyst.get_by_test_id("op-source-save").click()
        row = analyst.get_by_test_id("op-sources").locator(".el-table__row", has_text="区融媒体中心")
        row.wait_for()
        # 立即采集 waits for the fetch (or for the job's, when the job got to the new source first)
        # and the processing; the server's first processing starts the sentiment worker process
        # and loads its model: about 1 s on an idle box, 15 s measured under the suite's load.
        row.locator("[data-testid^=op-fetch-]").click()
        row.locator(".el-tag", has_text="正常").wait_for(timeout=60_000)
        assert "4" in row.inner_text()  # items so far
        assert_chinese(analyst, "fenxi /opinion sources")
        assert_accessible(analyst)

        analyst.get_by_role("tab", name="舆情信息").click()
        analyst.get_by_role("button", name="刷新").first.click()
        items = analyst.get_by_test_id("op-items")
        items.locator(".el-table__row", has_text="扩散！养老院虐待老人").wait_for()
        assert items.locator(".el-tag", has_text="转载").count() == 2  # the copies are one story
        items.get_by_text("东城区养老院护工虐待老人被曝光").click()
        drawer = analyst.get_by_test_id("op-item-drawer")
        drawer.get_by_test_id("op-group-members").locator("li").nth(2).wait_for()
        assert_chinese(analyst, "fenxi /opinion item")

    lead = new_page()
    login(lead, "banzhang")
    bell = lead.get_by_test_id("op-bell")
    bell.locator(".el-badge__content", has_text="1").wait_for()
    bell.click()
    alert = lead.get_by_test_id("op-bell-list").locator("[data-testid^=op-alert-incident-]").first
    alert.click()
    lead.wait_for_url("**/opinion/incidents/*")
    incident_id = lead.url.rsplit("/", 1)[-1]
    state = lead.get_by_test_id("op-incident-state")
    state.get_by_text("已发现").wait_for()
    assert_chinese(lead, "banzhang /opinion/incidents/:id")
    assert_accessible(lead)
    for action, expected, fill in [
        ("verify", "已核实", {"op-note": "视频属实，涉事护工已停岗"}),
        ("report", "已上报", {}),
        (
            "respond",
            "已回应",
            {"op-response": "区民政局已成立调查组，涉事护工已停职。", "op-responded-by": "区民政局"},
        ),
        ("close", "已办结", {}),
    ]:
        lead.get_by_test_id(f"op-act-{action}").click()
        for testid, text in fill.items():
            lead.get_by_test_id(testid).fill(text)
        lead.get_by_test_id("op-act-confirm").click()
        state.get_by_text(expected).wait_for()
    timeline = lead.get_by_test_id("op-incident-timeline")
    timeline.get_by_text("回应 · banzhang").wait_for()
    assert "区民政局已成立调查组" in lead.content()
    assert lead.get_by_test_id("op-act-close").count() == 0
    lead.locator("nav a[data-nav=opinion-incidents]").click()
    lead.wait_for_url("**/opinion/incidents")  # not the incident's page still on screen
    lead.get_by_test_id("op-incidents-filter-state").click()
    lead.locator(".el-select-dropdown__item:visible", has_text="已办结").click()
    link = lead.get_by_test_id("op-incidents").locator(f"a[href='/opinion/incidents/{incident_id}']")
    link.wait_for()
    assert "养老院" in link.inner_text()
    assert_chinese(lead, "banzhang /opinion/incidents")
    assert_accessible(lead)


def test_briefs_tab_downloads_and_subscribers(new_page: Callable[[], Any]) -> None:
    """舆情简报: a weekly brief picked by any day of its week downloads as PDF and Excel; the analyst
    adds a mail subscriber and takes them off again."""
    from pypdf import PdfReader

    analyst = new_page()
    login(analyst, "fenxi")
    analyst.goto("/opinion")
    analyst.get_by_role("tab", name="舆情简报").click()
    analyst.get_by_test_id("op-brief-kind").get_by_text("周报").click()
    day = analyst.get_by_label("简报日期")
    day.fill("2026-12-03")
    day.press("Enter")
    analyst.get_by_test_id("op-brief-span").filter(has_text="2026-11-30 起一周").wait_for()
    with analyst.expect_download() as got:
        analyst.get_by_test_id("op-brief-pdf").click()
    pdf = got.value
    assert pdf.suggested_filename == "opinion-weekly-2026-11-30.pdf"
    reader = PdfReader(pdf.path())
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "").replace(" ", "")
    assert "舆情周报2026-11-30至2026-12-06" in text
    with analyst.expect_download() as got:
        analyst.get_by_test_id("op-brief-xlsx").click()
    assert got.value.suggested_filename == "opinion-weekly-2026-11-30.xlsx"
    assert_chinese(analyst, "fenxi /opinion briefs")
    assert_accessible(analyst)

    email = "brief-e2e@mz.example.gov.cn"
    analyst.get_by_test_id("op-brief-email").fill(email)
    analyst.get_by_test_id("op-brief-subscribe").click()
    row = analyst.get_by_test_id("op-brief-subs").locator(".el-table__row", has_text=email)
    row.wait_for()
    row.get_by_role("button", name="退订").click()
    analyst.locator(".el-message-box").get_by_role("button", name="确定").click()
    row.wait_for(state="detached")
