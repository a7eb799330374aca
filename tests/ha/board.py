"""The supervisor's wallboard in headless Chromium (Playwright), opened on one node of the two-node
rig as a console reaches it: signed in through the login page, then left open while the nodes change
hands. `same_page()` proves it was never reloaded: a mark set in the page's window at the start
survives only in the same document."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, _ensure_console_built

MARK = "window.__hotlineBoard"


class Board:
    def __init__(self, base: str, username: str, password: str) -> None:
        if not CHROMIUM.exists():
            pytest.skip("/usr/bin/chromium is not installed (make test installs it)")
        _ensure_console_built()
        from playwright.sync_api import sync_playwright

        # Stopped in `close()`: while it runs, this thread's asyncio loop is marked as running.
        self._pw = sync_playwright().start()
        try:
            self.browser = self._pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            size = {"width": 1440, "height": 900}
            ctx = self.browser.new_context(base_url=base, locale="zh-CN", viewport=size)
            ctx.set_default_timeout(20_000)
            self.page: Any = ctx.new_page()
            self.page.goto("/login")
            self.page.get_by_test_id("username").fill(username)
            self.page.get_by_test_id("password").fill(password)
            self.page.get_by_test_id("login-submit").click()
            self.page.wait_for_url(lambda url: "/login" not in url)
            self.page.goto("/wallboard")
            self.page.get_by_test_id("wallboard").wait_for()
            self.page.evaluate(f"{MARK} = true")
        except BaseException:
            self.close()
            raise

    def same_page(self) -> bool:
        return bool(self.page.evaluate(f"{MARK} === true"))

    def agent_state(self, agent_id: int, label: str, timeout: float = 30) -> None:
        """Wait until the agents table shows `agent_id` in the state labelled `label` (zh-CN)."""
        row = self.page.locator(f"[data-testid=wall-agents] tr.agent-{agent_id}")
        row.locator(".el-tag", has_text=label).wait_for(timeout=timeout * 1000)

    def close(self) -> None:
        browser = getattr(self, "browser", None)
        if browser is not None:
            browser.close()
        self._pw.stop()
