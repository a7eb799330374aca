"""The call-record writer while the database is away: writes go to the fsync'd journal in order,
are replayed once it is back (each exactly once: the writer's mark is committed with them), a
journal left by a crashed process is replayed at the next start, and the journal's bound holds.
SQLite made unreachable for real: locked by another connection (an exclusive transaction), and
read-only."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from hotline.audit.models import AuditEntry
from hotline.calls import cdr
from hotline.calls.control_audit import by_center
from hotline.calls.endings import cdr_written
from hotline.calls.journal import Journal, JournalFull
from hotline.calls.models import AgentStateRow, Call, CallLeg, JournalMark, QueueEventRow
from hotline.calls.ops import Op, encode, row
from hotline.calls.writer import Writer
from hotline.events import BusEvent
from hotline.store.db import Database

AT = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)


def _short_busy_timeout(db: Database) -> None:
    """Locked means 'database is locked' after 0.1 s here, not after the production 30 s."""

    @event.listens_for(db.engine, "connect")
    def _pragma(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute("PRAGMA busy_timeout=100")

    db.engine.dispose()


def _call_writes(writer: Writer, uuid: str, n_events: int = 3) -> None:
    """A call's life as the call center writes it: CDR, legs, queue log, agent state, end."""
    writer.submit(
        Op.of(cdr.open_call, uuid=uuid, direction="inbound", caller_number="13800000001", started_at=AT)
    )
    writer.submit(
        Op.of(cdr.add_leg, uuid=uuid, leg_uuid=f"{uuid}-a", role="caller", number="138", agent_id=None)
    )
    writer.submit(Op.of(cdr.update_call, uuid=uuid, queue="general", queued_at=AT))
    for i in range(n_events):
        row = cdr.queue_event_row(uuid, "general", f"k{i}", AT, None, float(i), {"i": i})
        writer.insert(QueueEventRow, row)
    writer.insert(AgentStateRow, {"agent_id": 2, "state": "talking", "reason": None, "at": AT})
    writer.submit(Op.of(cdr.leg_update, leg_uuid=f"{uuid}-a", answered_at=AT))
    writer.submit(Op.of(cdr.end_call, uuid=uuid, outcome="answered", cause="normal", at=AT))


def _counts(db: Database, uuid: str) -> tuple[str | None, int, int, int]:
    with db.session() as s:
        state = s.scalar(select(Call.state).where(Call.uuid == uuid))
        legs = s.scalar(select(func.count(CallLeg.id)).join(Call).where(Call.uuid == uuid)) or 0
        events = s.scalar(select(func.count(QueueEventRow.id)).where(QueueEventRow.call_uuid == uuid)) or 0
        states = s.scalar(select(func.count(AgentStateRow.id)).where(AgentStateRow.at == AT)) or 0
    return state, legs, events, states


async def _until(pred: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


class Events(list[BusEvent]):
    """Stands in for the bus: keeps what is published."""

    def publish(self, event: BusEvent) -> None:
        self.append(event)


@pytest.fixture
def events() -> Events:
    return Events()


def _writer(db: Database, folder: Path, events: Events, **kw: Any) -> Writer:
    return Writer(db, retry_seconds=0.05, journal_dir=folder, bus=events, **kw)  # type: ignore[arg-type]


def _journal_lines(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for p in sorted(folder.glob("*.jsonl")) for line in p.read_text().splitlines()]


def test_locked_sqlite_journals_in_order_and_replays_once(
    sqlite_db: Database, tmp_path: Path, events: Events
) -> None:
    _short_busy_timeout(sqlite_db)
    path = str(sqlite_db.engine.url.database)
    folder = tmp_path / "journal"

    async def scenario() -> None:
        writer = _writer(sqlite_db, folder, events)
        writer.start()
        writer.submit(Op.of(cdr.open_call, uuid="before", direction="inbound", started_at=AT))
        await writer.flush()
        lock = sqlite3.connect(path, timeout=1)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            _call_writes(writer, "during")
            await _until(lambda: writer.waiting_retry > 0, "the writes kept")
            lines = _journal_lines(folder)
            assert [line["s"] for line in lines] == sorted(line["s"] for line in lines)  # in order
            assert [line["op"] for line in lines][:3] == [
                "calls.open_call",
                "calls.add_leg",
                "calls.update_call",
            ]
            assert len(lines) == 9 and all(line["w"] == writer.id for line in lines)
            assert [e.TOPIC for e in events] == ["calls.database_lost"]
            _call_writes(writer, "later")  # still away: behind the others, in the journal too
            await _until(lambda: len(_journal_lines(folder)) == 18, "later writes journaled")
        finally:
            lock.rollback()
            lock.close()
        async with asyncio.timeout(20):
            await writer.flush()
        assert not list(folder.glob("*.jsonl"))  # all in: the journal is gone
        await writer.stop()
        recovered = events[-1]
        assert recovered.TOPIC == "calls.database_recovered"
        assert recovered.payload()["replayed"] == 18 and recovered.payload()["dropped"] == 0

    asyncio.run(scenario())
    assert _counts(sqlite_db, "during") == ("ended", 1, 3, 2)  # 2 agent rows: "during" and "later"
    assert _counts(sqlite_db, "later")[:3] == ("ended", 1, 3)


def test_journal_left_by_a_crash_is_replayed_once_at_start(
    sqlite_db: Database, tmp_path: Path, events: Events
) -> None:
    """A process wrote 9 writes to the journal and died; its mark says the first 4 were committed
    (the database took them, the answer was lost): the next writer applies the other 5 only."""
    folder = tmp_path / "journal"
    journal = Journal(folder, "deadbeef")
    entries: list[Op] = []

    class Collect:
        def submit(self, op: Op) -> None:
            entries.append(op)

        def insert(self, table: type[Any], values: dict[str, Any]) -> None:
            entries.append(row(table, values))

    _call_writes(Collect(), "crashed")  # type: ignore[arg-type]
    journal.append([(seq, encode(op)) for seq, op in enumerate(entries, 1)])
    with sqlite_db.session() as s:  # what the database took before the answer was lost
        for op in entries[:4]:
            op(s)
        s.add(JournalMark(writer_id="deadbeef", applied_seq=4, updated_at=AT))

    fresh = _writer(sqlite_db, folder, events)
    assert fresh.recover_journal() == 5
    assert _counts(sqlite_db, "crashed") == ("ended", 1, 3, 1)  # 3 queue events, not 4
    assert not list(folder.glob("*.jsonl"))
    with sqlite_db.session() as s:
        assert s.get(JournalMark, "deadbeef") is None
    assert fresh.recover_journal() == 0  # nothing left, nothing twice


def test_torn_last_line_is_ignored(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "aaaa")
    journal.append([(1, {"op": "calls.update_call", "args": {"uuid": "x"}})])
    with open(next(tmp_path.glob("*.jsonl")), "a") as f:
        f.write('{"w":"aaaa","s":2,"op":"calls.upd')  # the crash hit mid-write
    assert [e["s"] for e in Journal(tmp_path, "bbbb").leftovers()["aaaa"]] == [1]


def test_bound_refuses_an_append_whole(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "cccc", max_bytes=300)
    journal.append([(1, {"op": "x", "args": {"pad": "a" * 100}})])
    before = journal.size
    with pytest.raises(JournalFull):
        journal.append([(2, {"op": "x", "args": {"pad": "b" * 100}}), (3, {"op": "x", "args": {}})])
    assert journal.size == before == sum(p.stat().st_size for p in tmp_path.glob("*.jsonl"))


def test_full_journal_is_announced_and_memory_keeps_the_rest(
    sqlite_db: Database, tmp_path: Path, events: Events
) -> None:
    _short_busy_timeout(sqlite_db)
    path = str(sqlite_db.engine.url.database)

    async def scenario() -> None:
        writer = _writer(sqlite_db, tmp_path / "journal", events, journal_bytes=1500)
        writer.start()
        lock = sqlite3.connect(path, timeout=1)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            for n in range(6):
                _call_writes(writer, f"c{n}")
                await asyncio.sleep(0.05)
            await _until(lambda: any(e.TOPIC == "calls.journal_filled" for e in events), "journal full")
        finally:
            lock.rollback()
            lock.close()
        async with asyncio.timeout(20):
            await writer.flush()
        await writer.stop()

    asyncio.run(scenario())
    topics = [e.TOPIC for e in events]
    assert topics[0] == "calls.database_lost" and topics.count("calls.journal_filled") == 1
    assert topics[-1] == "calls.database_recovered"
    for n in range(6):  # the process lived: what memory held went in too
        assert _counts(sqlite_db, f"c{n}")[:3] == ("ended", 1, 3)


def test_read_only_database(sqlite_db: Database, tmp_path: Path, events: Events) -> None:
    """The database refuses writes (SQLite's read-only mode on every connection of the pool: the
    'attempt to write a readonly database' a read-only file or mount gives)."""
    read_only = {"on": False}

    @event.listens_for(sqlite_db.engine, "connect")
    def _pragma(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA query_only={'ON' if read_only['on'] else 'OFF'}")

    def switch(on: bool) -> None:
        read_only["on"] = on
        sqlite_db.engine.dispose()  # the pool's connections are opened again with the mode

    async def scenario() -> None:
        writer = _writer(sqlite_db, tmp_path / "journal", events)
        writer.start()
        writer.submit(Op.of(cdr.open_call, uuid="ro", direction="inbound", started_at=AT))
        await writer.flush()
        switch(True)
        _call_writes(writer, "ro-call")
        await _until(lambda: writer.waiting_retry > 0, "the writes kept")
        assert len(_journal_lines(tmp_path / "journal")) == 9
        assert "readonly" in writer.last_error
        switch(False)
        async with asyncio.timeout(20):
            await writer.flush()
        await writer.stop()

    asyncio.run(scenario())
    assert _counts(sqlite_db, "ro-call") == ("ended", 1, 3, 1)
    assert [e.TOPIC for e in events] == ["calls.database_lost", "calls.database_recovered"]


def test_center_audit_and_record_notice_survive_a_crash_in_the_outage(
    sqlite_db: Database, tmp_path: Path, events: Events
) -> None:
    """The call path's two writes that were kept in memory only - the audit of a callback checked
    against the dial plan, and `cdr.written` once the record is in - are journaled like the rest:
    a process that dies before the database is back leaves them to the next one, which writes the
    audit row and announces the record on its own bus."""
    _short_busy_timeout(sqlite_db)
    path = str(sqlite_db.engine.url.database)
    folder = tmp_path / "journal"
    after = {"number": "138****0001", "category": "mobile", "reason": "", "queue": "general"}

    async def scenario() -> None:
        # No retry before the end: no write of this process is in flight when the lock goes.
        writer = Writer(sqlite_db, retry_seconds=60, stop_seconds=0.1, journal_dir=folder, bus=events)  # type: ignore[arg-type]
        writer.start()
        lock = sqlite3.connect(path, timeout=1)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            _call_writes(writer, "cb")
            audit = Op.of(by_center, action="callback_dial", entity="call", entity_id="cb", after=after)
            writer.submit(audit)
            writer.submit(Op.of(cdr_written, call_id="cb", outcome="answered"))
            await _until(lambda: len(_journal_lines(folder)) == 11, "every write journaled")
            await writer.stop()  # the process ends with the database still away
        finally:
            lock.rollback()
            lock.close()

    asyncio.run(scenario())
    assert [line["op"] for line in _journal_lines(folder)][-2:] == ["calls.audit", "calls.cdr_written"]
    assert [e.TOPIC for e in events] == ["calls.database_lost"]  # nothing announced before it is in
    later = Events()
    assert _writer(sqlite_db, folder, later).recover_journal() == 11
    with sqlite_db.session() as s:
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "callback_dial")).one()
        assert (audit.actor, audit.entity_id, audit.after) == ("system", "cb", after)
    assert _counts(sqlite_db, "cb")[0] == "ended"
    assert [(e.TOPIC, e.payload()["call_id"]) for e in later] == [("cdr.written", "cb")]
