"""The database unreachable for 30 s during SIPp calls, on a real PostgreSQL behind a TCP proxy the
test cuts (every connection reset, new ones refused) and restores.

A caller waiting in the queue before the cut is answered by an agent and hangs up during it; a
caller who rings in during the cut is answered too (no menu: the flow is not readable, so the
general queue). Meanwhile the call records go to the journal; once the database is back they are
replayed: both CDRs closed as answered with their agent legs, the queue log and agent states
exactly once, the journal folder empty. The people on duty hear "database unreachable" at once,
then the recovery, and the outage is in the alert history."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from hotline.calls.models import AgentStateRow, Call, CallLeg, QueueEventRow
from hotline.calls.topics import DatabaseLost, DatabaseRecovered
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.contingency.outage import OutageBoard
from hotline.store.db import Database
from tests.callcenter.rig import CARE_NUMBER, Rig
from tests.parallel import rtp_block, worker_name
from tests.pg import PgCluster
from tests.sip.harness import need
from tests.tcpproxy import TcpProxy

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]
OUTAGE_SECONDS = float(os.environ.get("HOTLINE_OUTAGE_SECONDS", "30"))


@pytest.fixture
def pg_db(pg: PgCluster, pg_template: str) -> Iterator[tuple[Database, TcpProxy]]:
    """A fresh database of the shared cluster, reached directly (the test's checks) and through
    the proxy (the call center)."""
    name = worker_name(f"outage{time.monotonic_ns() % 10**8}")
    pg.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    proxy = TcpProxy("127.0.0.1", pg.port).start()
    direct = Database(pg.url(name))
    try:
        yield direct, proxy
    finally:
        proxy.stop()
        direct.dispose()
        pg.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _through(proxy: TcpProxy, direct: Database) -> Database:
    url = make_url(direct.url).set(port=proxy.port)
    return Database(url.render_as_string(hide_password=False), pool_size=4, max_overflow=0)


def test_calls_go_on_through_a_database_outage(pg_db: tuple[Database, TcpProxy], tmp_path: Path) -> None:
    need("sipp")
    direct, proxy = pg_db
    proxied = _through(proxy, direct)
    rig = Rig(proxied, tmp_path, rtp_block())
    sent: list[tuple[str, list[str], str]] = []
    duty = AlertSettings(
        duty_mobiles=["13900000001"], duty_mails=["duty@example.org"], escalate_after_seconds=3600
    )
    board = OutageBoard(direct, duty, send=lambda ref, to, text: sent.append((ref, to.mobiles, text)))

    def watch() -> None:
        rig.et.bus.subscribe(DatabaseLost, lambda e: board.lost(e.data["error"], e.data["journal"]))
        rig.et.bus.subscribe(
            DatabaseRecovered,
            lambda e: board.recovered(e.data["seconds"], e.data["replayed"], e.data["dropped"]),
        )

    try:
        rig.do(watch)
        elderly, general = rig.agents["1001"], rig.agents["1002"]
        phones = [rig.phone("1001"), rig.phone("1002")]
        rig.do(lambda: rig.center.control.login(elderly))
        rig.do(lambda: rig.center.control.not_ready(elderly, "busy"))
        rig.do(lambda: rig.center.control.login(general))
        first = rig.caller(CARE_NUMBER, "0", hold_ms=9000)  # the care menu's 0: the elderly queue

        def queued() -> bool:
            with direct.session() as s:
                return bool(s.scalar(select(func.count(Call.id)).where(Call.queue == "elderly")))

        rig.wait(queued, 30, "the first caller queued, its CDR written")
        proxy.cut()
        cut_at = time.monotonic()
        rig.do(lambda: rig.center.control.ready(elderly))  # the agent answers during the outage
        assert first.wait(40) == 0, first.output
        rig.wait(lambda: rig.center.writer.waiting_retry > 0, 20, "writes kept for the journal")
        journal = tmp_path / "journal"
        assert list(journal.glob("*.jsonl")), "journaled on disk"
        assert sent and sent[0][1] == ["13900000001"] and "数据库无法连接" in sent[0][2]

        second = rig.caller("13800000077", "", hold_ms=2500)  # rings in during the outage
        assert second.wait(40) == 0, second.output
        for phone in phones:
            assert phone.wait(20) == 0, phone.output
        rig.wait(lambda: not rig.center.live, 20, "both calls served and ended from memory")
        time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
        proxy.restore()
        rig.wait(lambda: rig.center.writer.waiting_retry == 0, 60, "the journal replayed")
        outage = time.monotonic() - cut_at
        rig.wait(lambda: len(sent) == 2, 20, "the recovery notice")
        assert "数据库已恢复" in sent[1][2]
        assert not list(journal.glob("*.jsonl"))
    finally:
        rig.do(board.close)
        rig.close()
        proxied.dispose()

    with direct.session() as s:
        calls = list(s.scalars(select(Call).order_by(Call.id)))
        assert [(c.state, c.outcome, c.queue) for c in calls] == [
            ("ended", "answered", "elderly"),
            ("ended", "answered", "general"),
        ]
        assert [c.agent_id for c in calls] == [elderly, general]
        for call in calls:
            roles = sorted(leg.role for leg in s.scalars(select(CallLeg).where(CallLeg.call_id == call.id)))
            assert roles == ["agent", "caller"], roles
            kinds = list(s.scalars(select(QueueEventRow.kind).where(QueueEventRow.call_uuid == call.uuid)))
            assert kinds.count("enter") == 1 and kinds.count("connect") == 1, kinds
        dup = select(AgentStateRow.agent_id, AgentStateRow.state, AgentStateRow.at).group_by(
            AgentStateRow.agent_id, AgentStateRow.state, AgentStateRow.at
        )
        assert not list(s.execute(dup.having(func.count() > 1)))  # nothing written twice
        talking = s.scalars(select(AgentStateRow.agent_id).where(AgentStateRow.state == "talking"))
        assert sorted(talking) == sorted([elderly, general])
        [alert] = s.scalars(select(ContingencyAlert).where(ContingencyAlert.kind == "database_down"))
        assert alert.status == "resolved" and alert.recovery_sent_at is not None
    print(f"outage {outage:.1f} s; replayed after the restore")
