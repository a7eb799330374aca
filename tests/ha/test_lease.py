"""The leader lease on an explicit clock: one holder at a time, a takeover only after expiry (with a
new epoch), release for a clean handover, and the fence refusing the old leader's late writes."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from hotline.audit.models import AuditEntry
from hotline.ha.elector import Elector
from hotline.ha.lease import ACD, Fenced, Holding, acquire, check_fence, current, fence, release
from hotline.store.db import Database
from hotline.store.models import HealthProbe

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
PG = pytest.mark.parametrize("db", ["postgresql"], indirect=True)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def probe(db: Database, name: str) -> None:
    with db.session() as s:
        s.add(HealthProbe(name=name, at=T0, count=1))


def probes(db: Database) -> list[str]:
    with db.session() as s:
        return sorted(s.scalars(select(HealthProbe.name)))


def test_one_holder_and_takeover_only_after_expiry(db: Database) -> None:
    a = acquire(db, ACD, "a", 3, at(0))
    assert a is not None and a.epoch == 1
    assert acquire(db, ACD, "b", 3, at(1)) is None
    assert acquire(db, ACD, "a", 3, at(1)) == Holding(ACD, "a", 1, at(4))  # renewed, same epoch
    assert acquire(db, ACD, "b", 3, at(3.9)) is None
    b = acquire(db, ACD, "b", 3, at(4))
    assert b is not None and b.epoch == 2
    assert acquire(db, ACD, "a", 3, at(4.1)) is None  # the old leader's renewal is refused
    lease = current(db, ACD)
    assert lease is not None and (lease.holder, lease.epoch) == ("b", 2)
    with db.session() as s:
        taken = s.scalars(select(AuditEntry).where(AuditEntry.action == "ha.lease_taken")).all()
        assert [(e.entity_id, (e.after or {})["holder"]) for e in taken] == [(ACD, "a"), (ACD, "b")]


def test_release_hands_over_at_once(db: Database) -> None:
    a = acquire(db, ACD, "a", 3, at(0))
    assert a is not None
    assert not release(db, ACD, "b", a.epoch, at(1))  # not b's to give up
    assert release(db, ACD, "a", a.epoch, at(1))
    b = acquire(db, ACD, "b", 3, at(1))
    assert b is not None and b.epoch == 2


@PG
def test_the_fenced_leaders_writes_are_refused(db: Database) -> None:
    node_a = db.sibling("node-a", 2)  # the old leader's own pool, fenced at its epoch
    try:
        a = acquire(db, ACD, "a", 3, at(0))
        assert a is not None
        undo = fence(node_a, ACD, a.epoch)
        probe(node_a, "while-leading")
        with node_a.session() as s:  # reads commit whatever the epoch
            s.scalars(select(HealthProbe.name)).all()
        assert acquire(db, ACD, "b", 3, at(5)) is not None  # a paused past its lease; b took over
        with pytest.raises(Fenced):
            probe(node_a, "after-takeover")
        with pytest.raises(Fenced), node_a.session() as s:  # a Core statement is a write too
            s.execute(HealthProbe.__table__.update().values(count=2))
            with pytest.raises(Fenced):
                s.commit()
            # caught and committed again: still refused (the context's own commit raises)
        undo()
        probe(node_a, "unfenced")  # the fence belongs to the leadership, not to the pool
        assert probes(db) == ["unfenced", "while-leading"]
        with db.session() as s:
            assert s.scalar(select(HealthProbe.count).where(HealthProbe.name == "while-leading")) == 1
    finally:
        node_a.dispose()


@PG
def test_a_takeover_waits_for_a_fenced_commit_in_flight(db: Database) -> None:
    a = acquire(db, ACD, "a", 3, at(0))
    assert a is not None
    session = db.sessionmaker()
    session.add(HealthProbe(name="in-flight", at=T0, count=1))
    session.flush()
    check_fence(session, ACD, a.epoch)  # passed: the fence row is now held for share
    taken: list[Holding | None] = []
    takeover = threading.Thread(target=lambda: taken.append(acquire(db, ACD, "b", 3, at(5))))
    takeover.start()
    try:
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(db):
            assert time.monotonic() < deadline, "the takeover never waited for the fence"
            time.sleep(0.02)
        assert taken == []
        session.commit()  # the write that passed the fence lands before the new epoch exists
    finally:
        session.close()
        takeover.join(30)
    assert taken and taken[0] is not None and taken[0].epoch == 2
    assert probes(db) == ["in-flight"]


def _waiting_on_a_lock(db: Database) -> bool:
    with db.engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        query += " AND wait_event_type = 'Lock'"
        return bool(conn.execute(text(query)).scalar())


def test_electors_on_an_explicit_clock(db: Database) -> None:
    events: list[str] = []
    a, b = (
        Elector(db, ACD, "a", seconds=3, renew_seconds=1),
        Elector(db, ACD, "b", seconds=3, renew_seconds=1),
    )
    for elector in (a, b):

        async def elected(h: Holding, who: str = elector.holder) -> None:
            events.append(f"{who} leads {h.epoch}")

        async def lost(who: str = elector.holder) -> None:
            events.append(f"{who} lost")

        elector.on_elected, elector.on_lost = elected, lost

    async def scenario() -> None:
        await a.step(at(0))
        await b.step(at(0.25))
        await a.step(at(1))
        await b.step(at(2))  # a is alive and renewing: b stands by
        assert (a.leader, b.leader) == (True, False)
        # a stops renewing (killed); b takes over once a's last renewal (at 1 s) has expired.
        await b.step(at(3.9))
        assert not b.leader
        await b.step(at(4.0))
        assert b.leader and b.holding is not None and b.holding.epoch == 2
        await a.step(at(4.5))  # a wakes up: its renewal is refused, it stands down
        assert not a.leader

    asyncio.run(scenario())
    assert events == ["a leads 1", "b leads 2", "a lost"]


def test_a_database_blip_keeps_the_leader_until_its_own_lease_ends(db: Database) -> None:
    elector = Elector(db, ACD, "a", seconds=3, renew_seconds=1)
    lost: list[bool] = []

    async def on_lost() -> None:
        lost.append(True)

    elector.on_lost = on_lost
    original = db.run

    async def unreachable(*_: object) -> None:
        from sqlalchemy.exc import OperationalError

        raise OperationalError("select", {}, Exception("connection refused"))

    async def scenario() -> None:
        await elector.step(at(0))
        db.run = unreachable  # type: ignore[method-assign]
        try:
            await elector.step(at(1))
            await elector.step(at(2.9))
            assert elector.leader and not lost
            await elector.step(at(3.0))  # no renewal within its own measure of the lease
            assert not elector.leader and lost == [True]
        finally:
            db.run = original  # type: ignore[method-assign]

    asyncio.run(scenario())


def test_renewing_too_rarely_is_refused(db: Database) -> None:
    with pytest.raises(ValueError):
        Elector(db, ACD, "a", seconds=3, renew_seconds=2)
