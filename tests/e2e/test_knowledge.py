"""Knowledge pages: search (pinyin initials), article, edit as a new version, review and publish,
diff between versions, expiry dashboard. Screenshots of each; axe-core on search and article."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.slow


def test_search_edit_review_publish(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    page.goto("/knowledge")
    page.get_by_test_id("kb-articles").locator(".el-table__row").first.wait_for()
    box = page.get_by_test_id("kb-search-input")
    box.fill("dbsq")
    box.press("Enter")
    results = page.get_by_test_id("kb-search-results")
    # the first search of a fresh server loads the index and the sentence encoder
    results.locator(".hit").first.wait_for(timeout=60_000)
    assert "低保" in results.locator(".hit").first.inner_text()
    screenshot(page, "knowledge-search")
    assert_accessible(page)

    results.locator(".hit a").first.click()
    page.get_by_test_id("article-script").wait_for()
    script = page.get_by_test_id("article-script").inner_text()
    page.get_by_test_id("article-versions").wait_for()
    screenshot(page, "knowledge-article")
    assert_accessible(page)

    # revise: a new version with a note, submitted for review
    page.get_by_role("button", name="编辑").click()
    field = page.get_by_test_id("article-script-input")
    field.wait_for()
    page.wait_for_function("() => document.querySelector('[data-testid=article-script-input]').value")
    field.fill(script + "（已更新：可通过线上渠道申请。）")
    page.get_by_test_id("article-note").fill("补充线上申请渠道")
    screenshot(page, "knowledge-editor")
    page.get_by_test_id("article-submit").click()
    page.get_by_test_id("article-script").wait_for()

    page.goto("/knowledge/review")
    page.get_by_test_id("review-table").locator(".el-table__row").first.click()
    page.locator(".diff .add").first.wait_for()
    screenshot(page, "knowledge-review")
    page.get_by_test_id("review-publish").click()
    page.locator(".el-message", has_text="已保存").wait_for()

    page.goto("/knowledge/expiry")
    page.get_by_test_id("expiring-table").wait_for()
    screenshot(page, "knowledge-expiry")
    assert_accessible(page)
