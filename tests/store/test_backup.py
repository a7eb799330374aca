"""Backup and restore drill: a backup taken while writers keep committing restores into an empty
data folder with every row acknowledged before it and every recording, checksums equal."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from pathlib import Path

import pytest

from hotline.audit.service import Actor, record
from hotline.config import Settings
from hotline.store import backup
from hotline.store.db import Database


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_backup_under_a_write_burst_restores_everything_acknowledged(
    sqlite_db: Database, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    recordings = data / "recordings" / "2026" / "12"
    recordings.mkdir(parents=True)
    for n in range(5):
        (recordings / f"call-{n}.wav").write_bytes(bytes([n]) * (40_000 + n))
    (recordings / "live.wav.part").write_bytes(b"half")  # being written: not a finished recording
    (data / "prompts").mkdir()
    (data / "prompts" / "welcome.wav").write_bytes(b"RIFF" + b"\0" * 1000)
    settings = Settings(database_url=sqlite_db.url, data_dir=data, log_json=False)  # type: ignore[call-arg]

    acknowledged: list[int] = []
    stop = threading.Event()

    def writer() -> None:  # commits as fast as it can; an id is acknowledged once committed
        n = 0
        while not stop.is_set():
            with sqlite_db.session() as s:
                entry = record(s, Actor(None, "burst"), "burst", "drill", n)
                s.flush()
                new_id = entry.id
            acknowledged.append(new_id)
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(acknowledged) < 50:
            stop.wait(0.01)
        before = list(acknowledged)
        made = backup.backup(settings, tmp_path / "backups")
        while len(acknowledged) < len(before) + 20:  # the writers never waited for the backup
            stop.wait(0.01)
    finally:
        stop.set()
        thread.join(10)

    manifest = backup.verify(made)
    assert manifest["database"] == "sqlite" and "recordings/2026/12/live.wav.part" not in manifest["files"]

    target = tmp_path / "restored"
    restored = Settings(database_url=f"sqlite:///{target / 'hotline.db'}", data_dir=target, log_json=False)  # type: ignore[call-arg]
    backup.restore(made, restored)
    with sqlite3.connect(str(target / "hotline.db")) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        ids = {row[0] for row in conn.execute("SELECT id FROM audit_log WHERE action = 'burst'")}
    assert set(before) <= ids  # every row acknowledged before the backup began
    for n in range(5):
        rel = Path("recordings/2026/12") / f"call-{n}.wav"
        assert _sha(target / rel) == _sha(data / rel) == manifest["files"][str(rel)]["sha256"]
    assert _sha(target / "prompts" / "welcome.wav") == _sha(data / "prompts" / "welcome.wav")

    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(made, restored)  # only into an empty data folder
    (made / "recordings/2026/12/call-3.wav").write_bytes(b"tampered")
    with pytest.raises(backup.BackupError, match="checksum"):
        backup.verify(made)


def test_retention_keeps_the_newest(sqlite_db: Database, tmp_path: Path) -> None:
    settings = Settings(database_url=sqlite_db.url, data_dir=tmp_path / "data", log_json=False)  # type: ignore[call-arg]
    made = [backup.backup(settings, tmp_path / "b") for _ in range(3)]
    assert backup.prune(tmp_path / "b", keep=2) == made[:1]
    assert sorted((tmp_path / "b").iterdir()) == made[1:]


def test_the_scheduled_backup_runs_when_due_and_keeps_n(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from hotline.contingency import jobs
    from hotline.store.base import utcnow

    settings = Settings(database_url="sqlite:///elsewhere.db", data_dir=tmp_path / "data", log_json=False)  # type: ignore[call-arg]
    monkeypatch.setattr(jobs, "get_settings", lambda: settings)
    assert jobs.backup_job(sqlite_db, utcnow()) == 0  # off until HOTLINE_BACKUP_DIR is set
    monkeypatch.setenv("HOTLINE_BACKUP_DIR", str(tmp_path / "scheduled"))
    monkeypatch.setenv("HOTLINE_BACKUP_KEEP", "2")
    now = utcnow()
    assert jobs.backup_job(sqlite_db, now) == 1
    assert jobs.backup_job(sqlite_db, now + timedelta(hours=1)) == 0  # not due yet
    assert jobs.backup_job(sqlite_db, now + timedelta(days=1, minutes=1)) == 1
    assert jobs.backup_job(sqlite_db, now + timedelta(days=2, minutes=2)) == 1
    kept = sorted((tmp_path / "scheduled").iterdir())
    assert len(kept) == 2 and backup.verify(kept[-1])["database"] == "sqlite"


def test_postgresql_backup_restores_into_an_empty_database(
    db: Database, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if db.engine.url.get_backend_name() != "postgresql":
        pytest.skip("the pg_dump path; the SQLite one is the drill above")
    from sqlalchemy import create_engine, text

    from tests.parallel import worker_name

    cluster = request.getfixturevalue("pg")
    with db.session() as s:
        for n in range(20):
            record(s, Actor(None, "pg-drill"), "drill", "drill", n)
    settings = Settings(database_url=db.url, data_dir=tmp_path / "data", log_json=False)  # type: ignore[call-arg]
    made = backup.backup(settings, tmp_path / "backups")
    assert backup.verify(made)["database"] == "postgresql"
    name = worker_name("restored")
    cluster.execute(f"CREATE DATABASE {name}")
    try:
        target = Settings(database_url=cluster.url(name), data_dir=tmp_path / "restored", log_json=False)  # type: ignore[call-arg]
        backup.restore(made, target)
        engine = create_engine(cluster.url(name))
        with engine.connect() as conn:
            count = conn.execute(text("SELECT count(*) FROM audit_log WHERE actor = 'pg-drill'")).scalar()
        engine.dispose()
        assert count == 20
    finally:
        cluster.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
