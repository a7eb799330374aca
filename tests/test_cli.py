"""The `hotline` command: version, migrations, demo data (once), users."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from hotline import __version__
from hotline.people.models import Caller, User
from hotline.people.passwords import verify_password
from hotline.store.db import Database


def hotline(tmp: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": f"sqlite:///{tmp / 'cli.db'}",
        "HOTLINE_DATA_DIR": str(tmp),
    }
    return subprocess.run(
        [sys.executable, "-m", "hotline.cli", *args],
        env=env,
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
