"""Sign-in per role: each lands on its own home page with only its own navigation; accessibility."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.slow

# username -> (home path, nav entries that must show, nav entries that must not)
ROLES: dict[str, tuple[str, set[str], set[str]]] = {
    "agent1": ("/workspace", {"workspace", "workorders", "knowledge"}, {"users", "audit"}),
    "banzhang": ("/wallboard", {"wallboard", "workspace", "knowledge-review", "ivr"}, {"audit"}),
    "zhijian": ("/recordings", {"recordings", "workorders"}, {"workspace", "users"}),
    "yanglao": ("/workorders", {"workorders", "knowledge"}, {"workspace", "wallboard", "callers", "users"}),
    "fenxi": (
        "/analytics",
        {"an-home", "an-orders", "an-pivot", "wallboard", "callers"},
        {"workspace", "users"},
    ),
    "admin": ("/admin/users", {"users", "departments", "audit", "ivr"}, set()),
}


@pytest.mark.parametrize("username", list(ROLES))
def test_login_lands_on_role_home(new_page: Callable[[], Any], server: str, username: str) -> None:
    page = new_page()
    login(page, username)
    home, shown, hidden = ROLES[username]
    assert page.url == server + home
    nav = set(page.locator("[data-nav]").evaluate_all("els => els.map(e => e.dataset.nav)"))
    assert shown <= nav, (shown - nav, nav)
    assert not (hidden & nav), hidden & nav
    screenshot(page, f"home-{username}")


def test_wrong_password_shows_chinese_error(new_page: Callable[[], Any]) -> None:
    page = new_page()
    page.goto("/login")
    page.get_by_test_id("username").fill("agent1")
    page.get_by_test_id("password").fill("wrong-password")
    page.get_by_test_id("login-submit").click()
    assert "用户名或密码错误" in page.get_by_test_id("login-error").inner_text()
    screenshot(page, "login")
    assert_accessible(page)


def test_forbidden_page_and_logout(new_page: Callable[[], Any], server: str) -> None:
    page = new_page()
    login(page, "yanglao")
    page.goto("/admin/users")
    page.wait_for_url("**/forbidden")
    page.get_by_test_id("logout").click()
    page.get_by_test_id("login-submit").wait_for()
    page.goto("/workorders")
    page.wait_for_url(re.compile(r".*/login\?next=/workorders$"))
    page.get_by_test_id("login-submit").wait_for()


@pytest.mark.parametrize("path", ["/admin/users", "/admin/departments", "/admin/audit", "/admin/callers"])
def test_admin_pages_accessible(new_page: Callable[[], Any], path: str) -> None:
    page = new_page()
    login(page, "admin")
    page.goto(path)
    page.locator(".el-table__row").first.wait_for()
    screenshot(page, "admin-" + path.rsplit("/", 1)[1])
    assert_accessible(page)


def test_password_set_by_admin_must_be_changed_first(new_page: Callable[[], Any], server: str) -> None:
    admin = new_page()
    login(admin, "admin")
    user = {"username": "agent8", "display_name": "新话务员", "password": "Temp-pass-2026", "role": "agent"}
    assert admin.request.post("/api/users", data=user).ok
    page = new_page()
    page.goto("/login")
    page.get_by_test_id("username").fill("agent8")
    page.get_by_test_id("password").fill("Temp-pass-2026")
    page.get_by_test_id("login-submit").click()
    page.wait_for_url("**/change-password")
    page.get_by_test_id("must-change").wait_for()
    page.goto("/workspace")  # nothing else opens until the password is changed
    page.wait_for_url("**/change-password")
    page.get_by_test_id("current-password").fill("Temp-pass-2026")
    page.get_by_test_id("new-password").fill("abcdefgh")
    page.get_by_test_id("confirm-password").fill("abcdefgh")
    page.get_by_test_id("password-submit").click()
    assert "字母和数字" in page.get_by_test_id("password-error").inner_text()
    screenshot(page, "change-password")
    assert_accessible(page)
    page.get_by_test_id("new-password").fill("My-own-pass-2026")
    page.get_by_test_id("confirm-password").fill("My-own-pass-2026")
    page.get_by_test_id("password-submit").click()
    page.wait_for_url(server + "/workspace")
    page.get_by_test_id("current-user").wait_for()


def test_console_runs_under_the_content_security_policy(new_page: Callable[[], Any], server: str) -> None:
    """The CSP sent with the console blocks nothing the console itself needs (scripts, styles, socket)."""
    page = new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    response = page.goto("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    login(page, "banzhang")  # the wallboard: charts and the live WebSocket
    page.goto("/ivr")
    page.goto("/wallboard")
    page.wait_for_load_state("networkidle")
    assert violations == []
