"""Call-record journal during a database outage: how fast the writer journals (fsync'd) while the
database is locked, how many bytes a call takes, and how fast the journal is replayed once the
database is back. Each call is the writes a real answered call makes (CDR open/update/close, caller
and agent legs, queue log lines, agent states).

    PYTHONPATH=. python bench/journal_bench.py --calls 2000 [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from hotline.audit.service import SYSTEM
from hotline.calls import cdr
from hotline.calls.models import AgentStateRow, Call, QueueEventRow
from hotline.calls.ops import Op
from hotline.calls.writer import Writer
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.store.db import Database
from hotline.store.migrate import upgrade

AT = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


class Bus:
    def __init__(self) -> None:
        self.topics: list[str] = []

    def publish(self, event: object) -> None:
        self.topics.append(event.TOPIC)  # type: ignore[attr-defined]


def one_call(writer: Writer, n: int) -> int:
    """The writes of one answered call (as the call center makes them); returns how many."""
    uuid, leg, agent_leg = f"bench-{n}", f"bench-{n}-c", f"bench-{n}-a"
    fields = {
        "direction": "inbound",
        "caller_number": f"138{n:08d}",
        "callee_number": "12345",
        "started_at": AT,
    }
    writer.submit(Op.of(cdr.open_call, uuid=uuid, **fields))
    writer.submit(
        Op.of(cdr.add_leg, uuid=uuid, leg_uuid=leg, role="caller", number=f"138{n:08d}", agent_id=None)
    )
    writer.submit(Op.of(cdr.update_call, uuid=uuid, caller_id=None, ivr_flow="main"))
    path = {"steps": [{"node": "welcome"}, {"node": "menu", "digits": "1"}, {"node": "queue"}]}
    writer.submit(Op.of(cdr.update_call, uuid=uuid, ivr_path=path))
    writer.submit(Op.of(cdr.update_call, uuid=uuid, queue="general", priority=0, queued_at=AT))
    for kind in ("enter", "offer", "connect", "complete"):
        writer.insert(QueueEventRow, cdr.queue_event_row(uuid, "general", kind, AT, 2, 3.5, {"priority": 0}))
    writer.submit(
        Op.of(cdr.add_leg, uuid=uuid, leg_uuid=agent_leg, role="agent", number="1001", agent_id=2, at=AT)
    )
    for state in ("ringing", "talking", "wrap_up", "ready"):
        writer.insert(AgentStateRow, {"agent_id": 2, "state": state, "reason": None, "at": AT})
    writer.submit(Op.of(cdr.update_call, uuid=uuid, agent_id=2, answered_at=AT, wait_seconds=3.5))
    writer.submit(Op.of(cdr.leg_update, leg_uuid=agent_leg, answered_at=AT))
    writer.submit(Op.of(cdr.leg_update, leg_uuid=leg, ended_at=AT, end_cause="normal"))
    writer.submit(Op.of(cdr.end_call, uuid=uuid, outcome="answered", cause="normal", at=AT))
    return 18


async def run(db: Database, calls: int, folder: Path, lock: sqlite3.Connection | None, cut: object) -> None:
    bus = Bus()
    writer = Writer(db, retry_seconds=0.2, journal_dir=folder, journal_bytes=1 << 30, bus=bus)  # type: ignore[arg-type]
    writer.start()
    cut()  # type: ignore[operator]
    writes, t0 = 0, time.perf_counter()
    for n in range(calls):
        writes += one_call(writer, n)
        if n % 50 == 0:
            await asyncio.sleep(0)
    while writer.waiting_retry < writes:
        await asyncio.sleep(0.01)
    journaled = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in folder.glob("*.jsonl"))
    restored = time.perf_counter()
    cut.restore()  # type: ignore[attr-defined]
    await writer.flush()
    replayed = time.perf_counter() - restored
    await writer.stop()
    with db.session() as s:
        ended = s.scalar(select(func.count(Call.id)).where(Call.state == "ended"))
        lines = s.scalar(select(func.count(QueueEventRow.id)))
    print(f"{calls} calls, {writes} writes while the database was away ({db.engine.dialect.name})")
    print(f"  journaled in {journaled:.2f} s ({writes / journaled:,.0f} writes/s, fsync per batch)")
    print(
        f"  journal {size / 1024:,.0f} KiB = {size // calls:,} bytes per call: "
        f"64 MiB hold {(64 << 20) // (size // calls):,} calls"
    )
    print(f"  replayed in {replayed:.2f} s ({writes / replayed:,.0f} writes/s) after the database came back")
    print(f"  in the database: {ended} calls ended, {lines} queue-log lines (expected {calls}, {4 * calls})")
    print(f"  bus: {bus.topics}")


class SqliteLock:
    def __init__(self, path: str) -> None:
        self.path, self.conn = path, None

    def __call__(self) -> None:
        self.conn = sqlite3.connect(self.path, timeout=1)
        self.conn.execute("BEGIN EXCLUSIVE")

    def restore(self) -> None:
        assert self.conn is not None
        self.conn.rollback()
        self.conn.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="journal-bench-"))
    try:
        url = f"sqlite:///{tmp / 'hotline.db'}"
        upgrade(url)
        db = Database(url)
        with db.session() as s:  # the agent the calls are answered by (agent_id 2 in one_call)
            create_user(
                s, SYSTEM, UserIn(username="bench0", display_name="b", password="x" * 12, role=Role.agent)
            )
            create_user(
                s, SYSTEM, UserIn(username="bench1", display_name="b", password="x" * 12, role=Role.agent)
            )

        from sqlalchemy import event

        @event.listens_for(db.engine, "connect")
        def _short(dbapi_conn: object, _record: object) -> None:
            dbapi_conn.execute("PRAGMA busy_timeout=100")  # type: ignore[attr-defined]

        asyncio.run(run(db, args.calls, tmp / "journal", None, SqliteLock(str(tmp / "hotline.db"))))
        db.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
