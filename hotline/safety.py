"""Start-up safety: insecure defaults are announced loudly, refused in production; the first admin.

`hotline serve` checks the shipped secret key, insecure cookies and users who still have the
demo passwords printed in the README. In development each is a loud warning; with
`HOTLINE_ENV=production` the server refuses to start until they are fixed. A database without any
user gets one `admin` with a random password, shown once on the terminal, that must be changed at
the first sign-in (there are no default credentials outside the demo data).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import exists, inspect, make_url, select

from hotline.audit.service import Actor
from hotline.config import DEFAULT_SECRET_KEY, MIN_SECRET_KEY_LENGTH, Settings
from hotline.people.models import User
from hotline.people.passwords import verify_password
from hotline.store.db import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    en: str
    zh: str


class InsecureDefaults(RuntimeError):
    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__(
            "refusing to start in production with insecure defaults: " + "; ".join(f.en for f in findings)
        )


class DatabaseNotReady(RuntimeError):
    pass


def demo_password_users(db: Database) -> list[str]:
    """Active users whose password is still the demo one printed in the README and the banner."""
    from hotline.demo import DEMO_LOGINS

    if not inspect(db.engine).has_table("users"):
        where = make_url(db.url).render_as_string(hide_password=True)
        raise DatabaseNotReady(f"the database {where} has no tables yet: run `hotline db upgrade` first")

    passwords = {username: password for username, password, _role, _ext in DEMO_LOGINS}
    with db.session() as s:
        rows = s.execute(
            select(User.username, User.password_hash).where(User.username.in_(passwords), User.active)
        ).all()
    found = {name for name, hashed in rows if verify_password(hashed, passwords[name])}
    return [name for name in passwords if name in found]


def insecure_defaults(settings: Settings, db: Database, demo: list[str] | None = None) -> list[Finding]:
    """What is insecure; `demo` = `demo_password_users(db)` when the caller already has it."""
    findings = []
    if settings.secret_key == DEFAULT_SECRET_KEY or len(settings.secret_key) < MIN_SECRET_KEY_LENGTH:
        findings.append(
            Finding(
                f"secret_key is the shipped default or shorter than {MIN_SECRET_KEY_LENGTH} characters"
                " (set HOTLINE_SECRET_KEY to a long random value)",
                f"secret_key 为默认值或少于 {MIN_SECRET_KEY_LENGTH} 个字符"
                "（请设置 HOTLINE_SECRET_KEY 为足够长的随机值）",
            )
        )
    if not settings.cookie_secure:
        findings.append(
            Finding(
                "cookie_secure is off: session cookies travel over plain HTTP",
                "cookie_secure 已关闭：会话 Cookie 可经明文 HTTP 传输",
            )
        )
    demo = demo_password_users(db) if demo is None else demo
    if demo:
        findings.append(
            Finding(
                f"demo passwords are still valid for: {', '.join(demo)}"
                " (change them with `hotline user passwd NAME`, or do not load demo data)",
                f"以下用户仍在使用演示密码：{', '.join(demo)}"
                "（请用 hotline user passwd 修改，或不要加载演示数据）",
            )
        )
    return findings


def enforce(settings: Settings, db: Database, demo: list[str] | None = None) -> list[Finding]:
    """Warn about each insecure default; in production refuse (InsecureDefaults) instead."""
    findings = insecure_defaults(settings, db, demo)
    if findings and settings.env == "production":
        raise InsecureDefaults(findings)
    for finding in findings:
        log.warning("INSECURE (development only): %s", finding.en)
    return findings


def warning_box(findings: list[Finding]) -> str:
    bar = "!" * 100
    lines = [
        bar,
        "WARNING: insecure settings, acceptable for a local demo only",
        "警告：当前配置不安全，仅可用于本地演示",
    ]
    for f in findings:
        lines += [f"  - {f.en}", f"    {f.zh}"]
    lines += [
        "Set HOTLINE_ENV=production to refuse to start like this. / 生产环境请设置 HOTLINE_ENV=production。",
        bar,
    ]
    return "\n".join(lines)


def bootstrap_admin(db: Database) -> str | None:
    """On a database without users, create `admin` with a random temporary password; return it."""
    from hotline.people.permissions import Role
    from hotline.people.schemas import UserIn
    from hotline.people.service import create_user

    with db.session() as s:
        if s.scalar(select(exists().where(User.id.is_not(None)))):
            return None
        password = secrets.token_urlsafe(12) + "7a"  # letters and digits, whatever the random part
        data = UserIn(username="admin", display_name="系统管理员", password=password, role=Role.admin)
        create_user(s, Actor(None, "bootstrap"), data, must_change_password=True)
    return password
