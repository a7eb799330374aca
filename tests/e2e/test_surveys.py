"""Questionnaires in the browser: a citizen fills a web questionnaire on a phone-sized screen
(390×844) by a one-time link (required enforced, branching followed within a page and across
pages, resumed after a reload, the link refused once used), then the supervisor's results page
shows the answer; the designer and list pages too. axe-core on each."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, screenshot
from tests.surveys.helpers import SAMPLE

pytestmark = pytest.mark.slow


@pytest.fixture
def phone(browser: Any, server: str) -> Iterator[Any]:
    ctx = browser.new_context(
        base_url=server,
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        timezone_id="Asia/Shanghai",
    )
    ctx.set_default_timeout(10_000)
    yield ctx.new_page()
    ctx.close()


def _published(page: Any, title: str = "养老服务满意度调查（e2e）") -> tuple[int, str]:
    """A published copy of the sample questionnaire and one respondent's link (via the API)."""
    definition = copy.deepcopy(SAMPLE)
    definition["title"] = title
    r = page.request.post("/api/surveys", data={"definition": definition})
    assert r.status == 201, r.text()
    survey = r.json()
    r = page.request.post(f"/api/surveys/{survey['id']}/publish", data={"version": survey["version"]})
    assert r.status == 200, r.text()
    r = page.request.post(
        f"/api/surveys/{survey['id']}/tokens",
        data={"respondents": [{"district": "越秀区", "age_band": "70-79"}]},
    )
    assert r.status == 201, r.text()
    return int(survey["id"]), str(r.json()[0]["url"])


def _question(page: Any, code: str) -> Any:
    return page.locator(f'[data-code="{code}"]')


def test_mobile_respondent_then_results(new_page: Callable[[], Any], phone: Any) -> None:
    staff = new_page()
    login(staff, "banzhang")
    survey_id, url = _published(staff)

    phone.goto(url)
    phone.get_by_role("heading", name="养老服务满意度调查（e2e）").wait_for()
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    # Required: nothing answered -> the first required question says so, nothing is sent.
    phone.get_by_test_id("survey-next").click()
    assert "此题必答" in _question(phone, "Q1").get_by_role("alert").inner_text()
    # Large text for the elderly, remembered by the browser.
    phone.get_by_role("button", name="大字模式").click()
    assert phone.evaluate("() => getComputedStyle(document.querySelector('main')).fontSize") == "22px"
    assert_accessible(phone)

    _question(phone, "Q1").get_by_label("不满意").check()
    assert _question(phone, "Q2o").count() == 0  # shown only when 其他 is ticked
    _question(phone, "Q2").get_by_label("其他").check()
    _question(phone, "Q2o").get_by_role("textbox").fill("陪同就医")
    _question(phone, "Q3").get_by_label("2", exact=True).check()
    _question(phone, "Q5").get_by_role("spinbutton").fill("76")
    screenshot(phone, "survey-mobile-page1")
    assert_accessible(phone)
    phone.get_by_test_id("survey-next").click()

    # 不满意 -> the reasons page; reloading comes back to it with the answers kept.
    phone.get_by_role("heading", name="不满意的原因").wait_for()
    phone.reload()
    phone.get_by_role("heading", name="不满意的原因").wait_for()
    assert "第 2 页，共 3 页" in phone.locator(".progress").inner_text()
    phone.get_by_test_id("survey-next").click()
    assert "此题必答" in _question(phone, "Q7").get_by_role("alert").inner_text()
    _question(phone, "Q7").get_by_role("textbox").fill("助餐送达不准时，饭菜常常是凉的")
    phone.get_by_test_id("survey-next").click()

    _question(phone, "Q8").wait_for()
    q8 = _question(phone, "Q8")
    q8.get_by_role("group", name="及时").get_by_label("差").check()
    q8.get_by_role("group", name="专业").get_by_label("一般").check()
    assert_accessible(phone)
    phone.get_by_test_id("survey-next").click()
    phone.get_by_test_id("survey-done").wait_for()
    assert "感谢您的参与" in phone.get_by_test_id("survey-done").inner_text()

    # The same link again: refused, in words.
    phone.goto(url)
    refusal = phone.get_by_test_id("survey-refusal")
    refusal.wait_for()
    assert "不能重复作答" in refusal.inner_text()
    assert_accessible(phone)

    # The results page shows the answer.
    staff.goto(f"/surveys/{survey_id}/results")
    staff.get_by_test_id("survey-completed").wait_for()
    assert "有效答卷 1 份" in staff.get_by_test_id("survey-completed").inner_text()
    q1 = staff.get_by_test_id("tally-Q1")
    assert q1.locator("tr", has_text="不满意").locator("td").nth(1).inner_text() == "1"
    tab = staff.get_by_test_id("survey-crosstab")
    tab.locator("tr", has_text="越秀区").wait_for()
    assert tab.locator("tr", has_text="越秀区").locator("td").nth(2).inner_text() == "1"
    # By the department of the work order a return visit was sampled from: this respondent had none.
    staff.locator(".el-radio-button", has_text="承办单位").click()
    tab.locator("th", has_text="承办单位").wait_for()
    assert tab.locator("tr", has_text="非工单回访").locator("td").nth(2).inner_text() == "1"
    screenshot(staff, "survey-results")
    assert_accessible(staff)


def test_list_and_designer(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    page.goto("/surveys")
    page.get_by_test_id("survey-new").click()
    page.wait_for_url("**/design")
    page.get_by_test_id("qe-Q1").wait_for()
    page.get_by_test_id("survey-add-question").click()
    page.get_by_test_id("qe-Q2").locator("input").first.wait_for()
    page.get_by_test_id("qe-Q2").get_by_placeholder("题目（网页显示）").fill("还有什么建议？")
    page.get_by_test_id("qe-Q2").locator(".el-select").first.click()
    page.get_by_role("option", name="长文本").click()
    page.get_by_test_id("survey-save").click()
    page.get_by_text("已保存").first.wait_for()
    screenshot(page, "survey-designer")
    assert_accessible(page)
    page.get_by_test_id("survey-publish").click()
    page.get_by_role("button", name="确定").click()
    page.get_by_text("已发布第 1 版").first.wait_for()
    page.goto("/surveys")
    page.get_by_test_id("survey-table").locator(".el-table__row").first.wait_for()
    assert_accessible(page)


def test_phone_campaign_page(new_page: Callable[[], Any]) -> None:
    """电话调查任务: a campaign's respondents added with the validation report shown, started and
    paused from the list; the agents' phone interviews (CATI) given a return-visit sample of
    closed work orders and a quota; axe clean."""
    page = new_page()
    login(page, "banzhang")
    # Its own title: the CATI section picks the questionnaire by title among the published ones.
    title = f"回访满意度调查（e2e {time.time_ns() % 10**9}）"
    survey_id, _url = _published(page, title)
    r = page.request.post(
        f"/api/surveys/{survey_id}/campaigns", data={"name": "电话回访（e2e）", "max_lines": 2}
    )
    assert r.status == 201, r.text()
    cid = r.json()["id"]
    page.goto("/surveys/campaigns")
    row = page.get_by_test_id("campaign-table").locator(".el-table__row", has_text="电话回访（e2e）")
    row.get_by_role("button", name="添加受访者").click()
    page.get_by_placeholder("每行一个号码").fill("13900001111，越秀区，70-79\n不是号码")
    page.get_by_test_id("campaign-add-numbers").click()
    report = page.get_by_test_id("campaign-report")
    report.get_by_text("已添加 1 个，1 行未通过校验").wait_for()
    assert report.locator(".el-table__row").count() == 1
    assert_accessible(page)
    page.keyboard.press("Escape")
    page.get_by_test_id(f"campaign-start-{cid}").click()
    row.get_by_text("拨打中").wait_for()
    page.get_by_test_id(f"campaign-pause-{cid}").click()
    row.get_by_text("已暂停").wait_for()
    screenshot(page, "survey-campaigns")
    assert_accessible(page)

    # The agents' phone interviews of the questionnaire: a return-visit sample of the closed
    # work orders (the demo has some), then a quota of one interview for 越秀区.
    page.get_by_test_id("cati-survey").click()
    page.locator(".el-select-dropdown__item:visible", has_text=title).click()
    page.get_by_test_id("cati-frame").click()
    dialog = page.get_by_role("dialog", name="生成样本")
    dialog.get_by_text("已办结工单（回访）").click()
    dialog.get_by_text("保密工单不抽样").wait_for()
    assert_accessible(page)
    dialog.get_by_test_id("cati-frame-build").click()
    page.locator(".el-message", has_text="已加入").wait_for()
    added = page.request.get(f"/api/surveys/{survey_id}/interviews/progress").json()["total"]
    assert added > 0
    page.get_by_test_id("cati-progress").get_by_text(f"样本 {added} 人").wait_for()
    page.get_by_test_id("cati-quotas").click()
    page.get_by_test_id("cati-quota-by").click()
    page.locator(".el-select-dropdown__item:visible", has_text="区县").click()
    page.get_by_test_id("cati-quota-text").fill("越秀区=1")
    page.get_by_test_id("cati-quotas-save").click()
    page.get_by_test_id("cati-progress").get_by_text("越秀区 0/1").wait_for()
    assert page.request.get(f"/api/surveys/{survey_id}/cati/quotas").json()["quotas"] == {
        "by": "district",
        "targets": {"越秀区": 1},
    }
