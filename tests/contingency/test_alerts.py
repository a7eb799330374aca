"""Alerts to the people on duty: one open alert per fault (repeats counted), SMS through the signed
gateway and mail to the duty list, escalation to the duty leader when nobody acknowledges, a
recovery notice, nothing sent twice; raised from the bus (trunk down/back) and by the checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.channels.settings import ChannelSettings
from hotline.contingency import alerts, jobs
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.jobs.models import JobLease
from hotline.sip.topics import TrunkFailed, TrunkRecovered
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.channels.test_sms_out import SECRET, Gateway
from tests.workorders.notifyrig import relay

H = Callable[[str], dict[str, str]]
DUTY = AlertSettings(
    duty_mobiles=["13900000001"],
    duty_mails=["duty@center.example.gov.cn"],
    leader_mobiles=["13900000009"],
    escalate_after_seconds=600,
)
MAIL = "xinxiang@hotline.local"


def _texts(gw: Gateway) -> list[tuple[str, str]]:
    return [(m["to"], m["text"]) for m in gw.received]


def test_dedup_sms_mail_escalation_and_recovery(db: Database) -> None:
    now = utcnow()
    with db.session() as s:
        first = alerts.raise_alert(s, "trunk_down", "trunk:main", "中继故障：main", now)
        assert first is not None
        assert alerts.raise_alert(s, "trunk_down", "trunk:main", "中继故障：main", now) is None
        quiet = alerts.raise_alert(s, "recording_failed", "recordings", "录音失败", now)
        assert quiet is not None
    gw = Gateway()
    try:
        with relay() as (r, port):
            channels = ChannelSettings(
                sms_secret=SECRET, sms_gateway_url=gw.url, smtp_relay_port=port, mailbox_address=MAIL
            )
            assert alerts.deliver(db, now, DUTY, channels) == 2
            assert alerts.deliver(db, now, DUTY, channels) == 0  # nothing twice
            assert sorted(_texts(gw)) == [
                ("13900000001", "【热线告警】中继故障：main"),
                ("13900000001", "【热线告警】录音失败"),
            ]
            assert len(r.messages) == 2 and all(b"duty@center.example.gov.cn" in m for m in r.messages)

            # Someone on duty takes the recording alert; nobody takes the trunk one.
            with db.session() as s:
                row = s.get(ContingencyAlert, quiet.id)
                assert row is not None
                alerts.acknowledge(s, Actor(None, "duty"), row.id, row.version)
            gw.received.clear()
            later = now + timedelta(minutes=11)
            assert alerts.deliver(db, later, DUTY, channels) == 1
            assert _texts(gw) == [("13900000009", "【热线告警】无人确认，已升级：中继故障：main")]

            with db.session() as s:
                assert alerts.resolve(s, "trunk:main", later) == 1
            gw.received.clear()
            assert alerts.deliver(db, later, DUTY, channels) == 1
            assert _texts(gw) == [("13900000001", "【热线告警】已恢复：中继故障：main")]
            assert alerts.deliver(db, later, DUTY, channels) == 0
    finally:
        gw.server.shutdown()
    with db.session() as s:
        row = s.get(ContingencyAlert, first.id)
        assert row is not None and (row.repeats, row.status) == (1, "resolved")


def test_checks_raise_and_resolve(db: Database, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(alerts, "disk_nearly_full", lambda path, pct: True)
    now = utcnow()
    with db.session() as s:
        s.add(
            JobLease(
                name="x.stuck",
                owner="p1",
                expires_at=now - timedelta(minutes=30),
                last_started_at=now - timedelta(minutes=31),
                last_finished_at=None,
                runs=3,
            )
        )
    # the data folder exists (a fresh clone has no var/: the disk check would be skipped)
    assert jobs.check_job(db, now, tmp_path) == 2
    assert jobs.check_job(db, now, tmp_path) == 0  # the same faults: repeats only
    monkeypatch.setattr(alerts, "disk_nearly_full", lambda path, pct: False)
    with db.session() as s:
        lease = s.get(JobLease, "x.stuck")
        assert lease is not None
        lease.last_finished_at = now
    jobs.check_job(db, now, tmp_path)
    with db.session() as s:
        rows = {r.key: (r.status, r.repeats) for r in s.scalars(select(ContingencyAlert))}
    assert rows == {"disk": ("resolved", 1), "job_stalled:x.stuck": ("resolved", 1)}


def test_trunk_events_become_alerts_the_console_acknowledges(
    app: FastAPI, client: TestClient, auth: H, db: Database
) -> None:
    bus = app.state.services.bus
    bus.publish(TrunkFailed(trunk="main", target="10.0.0.1:5060", reason="status_503"))
    deadline = time.monotonic() + 10
    listed: list[dict[str, object]] = []
    while not listed and time.monotonic() < deadline:
        listed = client.get("/api/contingency/alerts", headers=auth("supervisor")).json()
        time.sleep(0.05)
    [alert] = listed
    assert alert["kind"] == "trunk_down" and alert["key"] == "trunk:main" and "main" in str(alert["text"])
    ack = {"version": alert["version"]}
    assert (
        client.post(f"/api/contingency/alerts/{alert['id']}/ack", json=ack, headers=auth("agent")).status_code
        == 403
    )
    r = client.post(f"/api/contingency/alerts/{alert['id']}/ack", json=ack, headers=auth("supervisor"))
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    bus.publish(TrunkRecovered(trunk="main", target="10.0.0.1:5060", reason="options_200"))
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        [now] = client.get("/api/contingency/alerts", headers=auth("agent")).json()
        if now["status"] == "resolved":
            break
        time.sleep(0.05)
    assert now["status"] == "resolved"
