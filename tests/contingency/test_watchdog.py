"""The engine watchdog, outside the engine's process, tells the people on duty that the engine is
gone: the leader lease lapsed with nobody taking it over (then a node taking it over: the takeover
told, the fault resolved with a recovery notice), and the engine's SIP port silent (a real UDP
answerer, the standby's, stopped and started again). Explicit clock; SMS gateway double and an
SMTP sink; `hotline watchdog` itself run once against a lapsed lease."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.channels.settings import ChannelSettings
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.contingency.watchdog import LEASE, SIP, Watchdog, options_answered
from hotline.ha.lease import ACD, acquire
from hotline.ha.standby import StandbySip
from hotline.store.db import Database
from tests.channels.test_sms_out import SECRET, Gateway
from tests.sip.harness import free_port
from tests.workorders.notifyrig import relay

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
DUTY = AlertSettings(duty_mobiles=["13900000001"], duty_mails=["duty@center.example.gov.cn"])


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    yield gw
    gw.server.shutdown()


def channels(gw: Gateway, smtp_port: int = 0) -> ChannelSettings:
    return ChannelSettings(
        sms_secret=SECRET,
        sms_gateway_url=gw.url,
        smtp_relay_port=smtp_port,
        mailbox_address="x@hotline.local",
    )


def alerts_by_key(db: Database) -> dict[str, str]:
    with db.session() as s:
        return {a.key: a.status for a in s.scalars(select(ContingencyAlert).order_by(ContingencyAlert.id))}


def texts(gw: Gateway) -> list[str]:
    return [m["text"] for m in gw.received]


def test_lapsed_lease_then_takeover(sqlite_db: Database, gateway: Gateway) -> None:
    with relay() as (sink, smtp_port):
        dog = Watchdog(sqlite_db, grace_seconds=10, settings=DUTY, channels=channels(gateway, smtp_port))
        assert dog.step(T0) == 0  # no lease in use: nothing to say
        assert acquire(sqlite_db, ACD, "node-a", 3, T0) is not None
        assert dog.step(T0 + timedelta(seconds=2)) == 0  # leading
        assert dog.step(T0 + timedelta(seconds=3 + 10)) == 0  # lapsed, still within the grace
        assert dog.step(T0 + timedelta(seconds=3 + 11)) == 1
        assert dog.step(T0 + timedelta(seconds=20)) == 0  # the same fault: one message
        assert texts(gateway) == [
            "【热线告警】话务引擎故障：主节点 node-a 已 11 秒未续约，无节点接管，来电无人应答，请立即处理。"
        ]
        assert any(b"duty@center.example.gov.cn" in m for m in sink.messages)

        took = acquire(sqlite_db, ACD, "node-b", 3, T0 + timedelta(seconds=25))
        assert took is not None and took.epoch == 2
        assert dog.step(T0 + timedelta(seconds=26)) == 2  # the lapse resolved, the takeover told
    assert texts(gateway)[1:] == [
        "【热线告警】已恢复：话务引擎故障：主节点 node-a 已 11 秒未续约，无节点接管，"
        "来电无人应答，请立即处理。",
        "【热线告警】话务引擎主节点切换：node-a 已停止或失联，node-b 已于 16:00:25 接管"
        "（node-a 上进行中的通话已中断）。（已恢复）",
    ]
    assert alerts_by_key(sqlite_db) == {LEASE: "resolved", "engine:takeover:2": "resolved"}
    with sqlite_db.session() as s:  # raised and resolved through the audited service functions
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "contingency_alert"))
        assert sorted(actions) == ["raise", "raise", "resolve", "resolve"]
    assert dog.step(T0 + timedelta(seconds=27)) == 0


def test_silent_sip_port(sqlite_db: Database, gateway: Gateway) -> None:
    port = free_port()
    target = ("127.0.0.1", port)
    dog = Watchdog(sqlite_db, target, misses=2, settings=DUTY, channels=channels(gateway))
    dog.probe = lambda t: options_answered(t, timeout=0.3)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    answerer = StandbySip("127.0.0.1", port)  # answers OPTIONS 200, as an engine would

    def on_loop(fn: object) -> None:
        asyncio.run_coroutine_threadsafe(_call(fn), loop).result(5)

    try:
        on_loop(answerer.open)
        assert dog.step(T0) == 0 and dog.missed == 0
        on_loop(answerer.close)
        assert dog.step(T0 + timedelta(seconds=5)) == 0  # one miss: not yet
        assert dog.step(T0 + timedelta(seconds=10)) == 1
        assert texts(gateway) == [
            f"【热线告警】话务引擎故障：127.0.0.1:{port} 连续 2 次未应答 SIP 探测，"
            "来电可能无法接通，请立即处理。"
        ]
        on_loop(answerer.open)
        assert dog.step(T0 + timedelta(seconds=15)) == 1  # the recovery notice
        assert texts(gateway)[1].startswith("【热线告警】已恢复：话务引擎故障")
        assert alerts_by_key(sqlite_db) == {SIP: "resolved"}
    finally:
        on_loop(answerer.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)


async def _call(fn: object) -> None:
    result = fn()  # type: ignore[operator]
    if asyncio.iscoroutine(result):
        await result


def test_command_runs_once(sqlite_db: Database, gateway: Gateway, tmp_path: Path) -> None:
    """`hotline watchdog --rounds 1` against a lease that lapsed long ago: one SMS."""
    assert acquire(sqlite_db, ACD, "node-a", 3, T0) is not None
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": str(sqlite_db.engine.url),
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_ALERTS_DUTY_MOBILES": '["13900000001"]',
        "HOTLINE_CHANNELS_SMS_SECRET": SECRET,
        "HOTLINE_CHANNELS_SMS_GATEWAY_URL": gateway.url,
    }
    cmd = [sys.executable, "-m", "hotline.cli", "watchdog", "--rounds", "1"]
    done = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert len(gateway.received) == 1 and "node-a" in gateway.received[0]["text"]
