"""The `hotline` command: version, migrations, demo data (once), users."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from hotline import __version__
from hotline.banner import render
from hotline.config import Settings
from hotline.demo import DEMO_SIP_FILE, demo_sip_passwords
from hotline.people.models import Caller, User
from hotline.people.passwords import sip_ha1, verify_password
from hotline.store.db import Database
from tests.pg import free_port


def hotline(
    tmp: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}",
        "HOTLINE_DATA_DIR": str(tmp),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin,
    )


def test_version(tmp_path: Path) -> None:
    out = hotline(tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.strip() == f"hotline {__version__}"


def test_upgrade_demo_users(tmp_path: Path) -> None:
    assert hotline(tmp_path, "db", "upgrade").returncode == 0
    assert hotline(tmp_path, "db", "upgrade").returncode == 0  # idempotent
    first = hotline(tmp_path, "demo", "load")
    assert first.returncode == 0, first.stderr
    assert "demo data loaded" in first.stdout
    again = hotline(tmp_path, "demo", "load")
    assert "already present" in again.stdout
    check_demo_sip_passwords(tmp_path, first.stdout)

    sim = hotline(tmp_path, "ivr", "simulate", "main", "--digits", "0", "--caller", "13000000009")
    assert sim.returncode == 0, sim.stderr
    assert "=>" in sim.stdout
    assert hotline(tmp_path, "ivr", "simulate", "no-such-flow").returncode == 2

    reindex = hotline(tmp_path, "knowledge", "reindex")
    assert reindex.returncode == 0 and "indexed" in reindex.stdout, reindex.stderr
    train = hotline(tmp_path, "workorders", "train")
    assert train.returncode == 0 and "category: trained on" in train.stdout, train.stderr

    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    with db.session() as s:
        assert 45 <= (s.scalar(select(func.count()).select_from(Caller)) or 0) <= 60
        roles = set(s.scalars(select(User.role)))
        assert roles == {"admin", "supervisor", "agent", "qa_inspector", "department_handler", "analyst"}

    added = hotline(
        tmp_path,
        "user",
        "add",
        "agent9",
        "--role",
        "agent",
        "--password",
        "secret-99",
        "--extension",
        "1009",
        "--sip-password",
        "sip1009",
    )
    assert added.returncode == 0, added.stderr
    dup = hotline(tmp_path, "user", "add", "agent9", "--role", "agent", "--password", "secret-99")
    assert dup.returncode == 2 and "already exists" in dup.stderr
    bad = hotline(tmp_path, "user", "add", "x9", "--role", "wizard", "--password", "secret-99")
    assert bad.returncode == 2 and "error" in bad.stderr
    assert hotline(tmp_path, "user", "passwd", "agent9", "--password", "another-pw").returncode == 0
    assert hotline(tmp_path, "user", "passwd", "nobody", "--password", "another-pw").returncode == 2
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == "agent9")).one()
        assert verify_password(user.password_hash, "another-pw")
        assert user.extension == "1009" and user.sip_ha1
    db.dispose()


def test_production_refuses_defaults_and_demo_data(tmp_path: Path) -> None:
    assert hotline(tmp_path, "db", "upgrade").returncode == 0
    prod = {"HOTLINE_ENV": "production"}
    refused_demo = hotline(tmp_path, "demo", "load", env=prod)
    assert refused_demo.returncode == 2 and "production" in refused_demo.stderr
    assert hotline(tmp_path, "demo", "load").returncode == 0  # a development database, then...
    out = hotline(tmp_path, "serve", env=prod)  # ...pointed at by a production server
    assert out.returncode == 2
    assert "REFUSED" in out.stderr and "secret_key" in out.stderr
    assert "demo passwords are still valid for: admin, banzhang" in out.stderr
    strong = hotline(tmp_path, "serve", env={**prod, "HOTLINE_SECRET_KEY": "k" * 40})
    assert strong.returncode == 2 and "secret_key" not in strong.stderr and "demo passwords" in strong.stderr


def test_refused_production_start_keeps_the_first_admin_for_later(tmp_path: Path) -> None:
    """A refused start creates no admin whose one-time password nobody was shown."""
    assert hotline(tmp_path, "db", "upgrade").returncode == 0
    assert hotline(tmp_path, "serve", env={"HOTLINE_ENV": "production"}).returncode == 2
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0
    db.dispose()


def test_first_start_without_demo_creates_admin_who_must_change_password(tmp_path: Path) -> None:
    assert hotline(tmp_path, "db", "upgrade").returncode == 0
    port = free_port()
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_HTTP_PORT": str(port),
        "HOTLINE_SIP__ENABLED": "false",
        "HOTLINE_JOBS_ENABLED": "false",
        "HOTLINE_MAILBOX_ENABLED": "false",
        "HOTLINE_COOKIE_SECURE": "false",
    }
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve"], env=env, stdout=out, stderr=out
        )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        text = log.read_text()
        match = re.search(r"created user admin with temporary password (\S+)", text)
        assert match, text[-2000:]
        assert "WARNING: insecure settings" in text and "secret_key" in text and "cookie_secure" in text
        assert "demo logins" not in text
        with httpx.Client(base_url=base) as http:
            me = http.post("/api/auth/login", json={"username": "admin", "password": match.group(1)})
            assert me.status_code == 200 and me.json()["must_change_password"] is True
            blocked = http.get("/api/users")
            assert blocked.status_code == 403 and blocked.json()["code"] == "password_change_required"
    finally:
        proc.terminate()
        proc.wait(20)


def check_demo_sip_passwords(tmp_path: Path, load_output: str) -> None:
    """Demo SIP passwords are random per install, shown once and by the banner, owner-only on disk,
    and an install still on the old guessable ``sip<ext>`` gets new ones at the next demo load."""
    file = tmp_path / DEMO_SIP_FILE
    assert file.stat().st_mode & 0o777 == 0o600
    sip = json.loads(file.read_text())
    assert sorted(sip) == ["1001", "1002", "1003", "1004", "1900"]
    for ext, password in sip.items():
        assert len(password) >= 12 and password != f"sip{ext}" and f"{ext}  {password}" in load_output
    assert len(set(sip.values())) == len(sip)
    banner = render(Settings(data_dir=tmp_path), ["agent1"], demo_sip_passwords(tmp_path))
    assert f"1001   {sip['1001']}" in banner and "SIP password" in banner
    db = Database(f"sqlite:///{tmp_path / 'cli.db'}")
    with db.session() as s:
        agent1 = s.scalars(select(User).where(User.username == "agent1")).one()
        assert agent1.sip_ha1 == sip_ha1("1001", "hotline", sip["1001"])
        agent1.sip_ha1 = sip_ha1("1001", "hotline", "sip1001")  # as loaded by an older release
    db.dispose()
    again = hotline(tmp_path, "demo", "load")
    assert "already present" in again.stdout
    rotated = json.loads(file.read_text())
    assert rotated["1001"] != sip["1001"] and rotated["1002"] == sip["1002"]
    assert f"1001  {rotated['1001']}" in again.stdout and sip["1002"] not in again.stdout
    with db.session() as s:
        agent1 = s.scalars(select(User).where(User.username == "agent1")).one()
        assert agent1.sip_ha1 == sip_ha1("1001", "hotline", rotated["1001"])
    db.dispose()


def test_serve_on_an_empty_database_says_to_migrate(tmp_path: Path) -> None:
    out = hotline(tmp_path, "serve")
    assert out.returncode == 2 and "hotline db upgrade" in out.stderr, out.stderr[-500:]
