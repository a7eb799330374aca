"""The call-record writer keeps what a full disk refused and writes it once there is room: the CDR
of a call that ended while the database's disk was full is closed, not left `active`. The SQLite
database lives on a real 4 MiB tmpfs that is filled, then freed."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

from sqlalchemy import select

from hotline.calls import cdr
from hotline.calls.models import Call
from hotline.calls.writer import Writer
from hotline.store.db import Database
from tests.tmpfs import fill, small_tmpfs


def test_cdr_closed_once_the_full_disk_has_room_again(sqlite_template: Path, tmp_root: Path) -> None:
    with small_tmpfs(tmp_root / f"dbdisk{time.monotonic_ns()}", "4m") as disk:
        shutil.copy(sqlite_template, disk / "hotline.db")
        db = Database(f"sqlite:///{disk / 'hotline.db'}")

        async def scenario() -> None:
            writer = Writer(db, retry_seconds=0.05)
            writer.start()
            writer.submit(lambda s: cdr.open_call(s, "call-1", direction="inbound", caller_number="1380000"))
            await writer.flush()
            with db.engine.connect() as conn:  # an empty WAL: the next commit needs new space
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            fill(disk)
            writer.submit(lambda s: cdr.end_call(s, "call-1", "answered", "normal"))
            async with asyncio.timeout(30):
                while writer.waiting_retry == 0:
                    await asyncio.sleep(0.02)
            (disk / "filler").unlink()
            async with asyncio.timeout(30):
                await writer.flush()
            await writer.stop()

        try:
            asyncio.run(scenario())
            with db.session() as s:
                call = s.scalar(select(Call).where(Call.uuid == "call-1"))
            assert call is not None and call.state == "ended" and call.ended_at is not None
        finally:
            db.dispose()
