"""The database outage reaches the people on duty without the database: SMS through the signed
gateway and mail at once, one message per outage however often it is announced, the duty leader
when it lasts, the journal full, the recovery; then it is in the alert history (resolved, its sends
stamped, so the delivery job sends nothing more)."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hotline.channels.settings import ChannelSettings
from hotline.contingency import alerts
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.contingency.outage import OutageBoard
from hotline.store.db import Database
from tests.channels.test_sms_out import SECRET, Gateway
from tests.workorders.notifyrig import relay

DUTY = AlertSettings(
    duty_mobiles=["13900000001"],
    duty_mails=["duty@center.example.gov.cn"],
    leader_mobiles=["13900000009"],
    escalate_after_seconds=0.3,
)


async def _until(pred: object, timeout: float = 10.0) -> None:
    async with asyncio.timeout(timeout):
        while not pred():  # type: ignore[operator]
            await asyncio.sleep(0.02)


def test_outage_told_escalated_and_recovered(db: Database) -> None:
    gw = Gateway()
    try:
        with relay() as (r, port):
            channels = ChannelSettings(
                sms_secret=SECRET,
                sms_gateway_url=gw.url,
                smtp_relay_port=port,
                mailbox_address="x@hotline.local",
            )

            async def scenario() -> None:
                board = OutageBoard(db, DUTY, channels)
                board.lost("connection refused", "/var/hotline/journal")
                board.lost("connection refused", "/var/hotline/journal")  # another announcement: same outage
                await _until(lambda: len(gw.received) >= 1 and len(r.messages) >= 1)
                await _until(lambda: len(gw.received) >= 2)  # past the escalation delay: the leader
                board.journal_filled("/var/hotline/journal", 64 << 20, "full")
                board.journal_filled("/var/hotline/journal", 64 << 20, "full")
                await _until(lambda: len(gw.received) >= 4)  # duty + leader, once
                board.recovered(31.0, 412, 0)
                await _until(lambda: len(gw.received) >= 6)  # duty + leader (it was escalated)
                await board.close()

            asyncio.run(scenario())
            texts = [(m["to"], m["text"]) for m in gw.received]
            assert texts[0] == (
                "13900000001",
                "【热线告警】数据库无法连接：connection refused，通话记录暂存本地日志 /var/hotline/journal；"
                "来电仍在接听，请立即处理。",
            )
            assert texts[1][0] == "13900000009" and "未恢复，已升级" in texts[1][1]
            assert sorted(t[0] for t in texts[2:4]) == ["13900000001", "13900000009"]
            assert all("日志已满" in t[1] for t in texts[2:4])
            assert texts[4:] == [
                ("13900000001", "【热线告警】数据库已恢复：中断 31 秒，补写通话记录 412 条，无记录丢失。"),
                ("13900000009", "【热线告警】数据库已恢复：中断 31 秒，补写通话记录 412 条，无记录丢失。"),
            ]
            assert any(b"duty@center.example.gov.cn" in m for m in r.messages)
            with db.session() as s:
                [row] = s.scalars(select(ContingencyAlert).where(ContingencyAlert.kind == "database_down"))
                assert row.status == "resolved" and row.escalated_at is not None
            assert alerts.deliver(db, settings=DUTY, channels=channels) == 0  # nothing sent again
    finally:
        gw.server.shutdown()
