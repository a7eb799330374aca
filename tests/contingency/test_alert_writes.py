"""Alerts raised and cleared while the database is away are written, in order and with the time
their fault was seen, once it answers again: a real PostgreSQL behind a TCP proxy the test cuts."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from hotline.contingency import alerts
from hotline.contingency.alert_writes import AlertWrites
from hotline.contingency.models import ContingencyAlert
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.parallel import worker_name
from tests.pg import PgCluster
from tests.tcpproxy import TcpProxy


@pytest.fixture
def dbs(pg: PgCluster, pg_template: str) -> Iterator[tuple[Database, Database, TcpProxy]]:
    """A fresh database reached directly (the checks) and through a proxy (the writes)."""
    name = worker_name(f"alertw{time.monotonic_ns() % 10**8}")
    pg.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    proxy = TcpProxy("127.0.0.1", pg.port).start()
    direct = Database(pg.url(name))
    url = make_url(direct.url).set(port=proxy.port)
    through = Database(url.render_as_string(hide_password=False), pool_size=2, max_overflow=0)
    try:
        yield direct, through, proxy
    finally:
        through.dispose()
        proxy.stop()
        direct.dispose()
        pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _rows(db: Database) -> list[tuple[str, str, str]]:
    with db.session() as s:
        rows = s.scalars(select(ContingencyAlert).order_by(ContingencyAlert.id))
        return [(r.key, r.status, r.raised_at.isoformat(timespec="seconds")) for r in rows]


def test_alerts_of_an_outage_are_written_once_the_database_answers(
    dbs: tuple[Database, Database, TcpProxy],
) -> None:
    direct, through, proxy = dbs
    seen = utcnow() - timedelta(minutes=5)  # when the faults were seen: kept, not the replay's time

    def broken(_s: Session) -> None:
        raise ValueError("a defect, not an outage")

    async def body() -> None:
        writes = AlertWrites(through)
        await writes.submit(lambda s: alerts.raise_alert(s, "trunk_down", "trunk:a", "中继故障：a", seen))
        assert not writes.held and [k for k, *_ in _rows(direct)] == ["trunk:a"]

        proxy.cut()
        await writes.submit(lambda s: alerts.raise_alert(s, "trunk_down", "trunk:b", "中继故障：b", seen))
        await writes.submit(lambda s: alerts.resolve(s, "trunk:a", seen))  # a cleared during the outage
        await writes.submit(
            lambda s: alerts.raise_alert(s, "recording_failed", "recordings", "录音失败", seen)
        )
        assert len(writes.held) == 3 and await writes.flush() == 3  # still away: all held, in order
        assert _rows(direct) == [("trunk:a", "open", seen.isoformat(timespec="seconds"))]

        proxy.restore()
        assert await writes.flush() == 0
        stamp = seen.isoformat(timespec="seconds")
        assert _rows(direct) == [
            ("trunk:a", "resolved", stamp),
            ("trunk:b", "open", stamp),
            ("recordings", "open", stamp),
        ]

        # A write that fails for another reason is dropped, not held: it cannot stop the others.
        proxy.cut()
        await writes.submit(lambda s: alerts.resolve(s, "trunk:b", seen))
        proxy.restore()
        await writes.submit(broken)  # drains the held one first, then drops this
        assert not writes.held
        assert [status for _, status, _ in _rows(direct)] == ["resolved", "resolved", "open"]

    asyncio.run(body())
