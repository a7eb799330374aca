"""Backup and restore: a consistent online snapshot of the database plus the data folder's files.

`backup(settings, into)` writes `hotline-<UTC stamp>/` under `into`: the database (SQLite through
its online backup API, so writers go on meanwhile and the copy is one consistent moment;
PostgreSQL with `pg_dump -Fc`, one snapshot transaction), the recordings and prompts folders and
`hotline.toml` if there is one, and `manifest.json` with every file's SHA-256 and size. It is
written under a temporary name and renamed when complete, so a half-made backup never looks
like one. `restore(backup_dir, settings)` checks every checksum first, refuses a data folder or
database that is not empty, then puts the files and the database back. `prune` keeps the newest N.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from hotline.config import Settings

PREFIX = "hotline-"
FOLDERS = ("recordings", "prompts", "survey-voice")  # survey-voice: IVR spoken answers


class BackupError(RuntimeError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if not parsed.database:
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(parsed.database)


def _pg_url(url: str) -> str:
    """The libpq form of a SQLAlchemy URL (pg_dump knows no driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _dump_database(url: str, out_dir: Path) -> str:
    source = _sqlite_path(url)
    if source is not None:
        target = out_dir / "db.sqlite3"
        src = sqlite3.connect(str(source))
        dst = sqlite3.connect(str(target))
        try:
            with dst:
                src.backup(dst)  # pages copied under a read snapshot; writers are not blocked
        finally:
            dst.close()
            src.close()
        return "sqlite"
    target = out_dir / "db.pgdump"
    subprocess.run(["pg_dump", "-Fc", "--no-owner", "-f", str(target), _pg_url(url)], check=True)
    return "postgresql"


def backup(settings: Settings, into: Path, now: datetime | None = None) -> Path:
    """A complete backup under `into`; returns its folder."""
    now = now or datetime.now(UTC)
    into.mkdir(parents=True, exist_ok=True)
    name = f"{PREFIX}{now:%Y%m%dT%H%M%S%fZ}"
    work = into / f".{name}.part"
    work.mkdir()
    try:
        kind = _dump_database(settings.database_url, work)
        for folder in FOLDERS:
            src = settings.data_dir / folder
            if src.is_dir():
                # Recordings still being written (.part) are not finished files: left out.
                shutil.copytree(src, work / folder, ignore=shutil.ignore_patterns("*.part", "*.part.*"))
        toml = Path("hotline.toml")
        if toml.is_file():
            shutil.copy2(toml, work / "hotline.toml")
        files = {
            str(p.relative_to(work)): {"sha256": _sha256(p), "size": p.stat().st_size}
            for p in sorted(work.rglob("*"))
            if p.is_file()
        }
        manifest = {"created_at": now.isoformat(), "database": kind, "files": files}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False))
        final = into / name
        os.replace(work, final)
        return final
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise


def verify(backup_dir: Path) -> dict[str, Any]:
    """The manifest, after every file's checksum was found equal (BackupError otherwise)."""
    manifest: dict[str, Any] = json.loads((backup_dir / "manifest.json").read_text())
    for rel, info in manifest["files"].items():
        path = backup_dir / rel
        if not path.is_file() or _sha256(path) != info["sha256"]:
            raise BackupError(f"{rel}: missing or its checksum differs")
    return manifest


def restore(backup_dir: Path, settings: Settings) -> dict[str, Any]:
    """Put a verified backup back into an empty data folder and an empty database."""
    manifest = verify(backup_dir)
    for folder in FOLDERS:
        target = settings.data_dir / folder
        if target.exists() and any(target.iterdir()):
            raise BackupError(f"{target} is not empty: restore only into an empty data folder")
    target_db = _sqlite_path(settings.database_url)
    if manifest["database"] == "sqlite":
        if target_db is None:
            raise BackupError("a SQLite backup restores into a SQLite database_url")
        if target_db.exists() and target_db.stat().st_size > 0:
            raise BackupError(f"{target_db} exists: restore only into an empty data folder")
        target_db.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(backup_dir / "db.sqlite3", target_db)
    else:
        if target_db is not None:
            raise BackupError("a PostgreSQL backup restores into a PostgreSQL database_url")
        cmd = ["pg_restore", "--no-owner", "--exit-on-error", "-d", _pg_url(settings.database_url)]
        subprocess.run([*cmd, str(backup_dir / "db.pgdump")], check=True)
    for folder in FOLDERS:
        if (backup_dir / folder).is_dir():
            shutil.copytree(backup_dir / folder, settings.data_dir / folder, dirs_exist_ok=True)
    return manifest


def prune(into: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups; returns what was removed."""
    found = sorted(p for p in into.glob(f"{PREFIX}*") if p.is_dir() and (p / "manifest.json").exists())
    gone = found[: max(0, len(found) - keep)]
    for path in gone:
        shutil.rmtree(path)
    return gone
