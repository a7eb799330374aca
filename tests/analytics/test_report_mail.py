"""Scheduled reports by mail (定时报表): an aiosmtpd relay receives each period's report once,
across a restart and two nodes racing at the same instant (explicit clock); the PDF opens and
holds its charts; the Excel's figures are the report API's, cell for cell; regenerating on demand
mails it again and is audited; a sender that stopped mid-send is never sent twice on its own."""

from __future__ import annotations

import email
import io
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from hotline.analytics import fonts, mailing, subscriptions
from hotline.analytics.daytypes import LOCAL
from hotline.analytics.jobs import JOBS
from hotline.analytics.models import ReportRun
from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.channels.settings import ChannelSettings
from hotline.jobs.runner import run_once
from hotline.store.db import Database
from tests.analytics.helpers import Line, add_lines
from tests.channels.mailrig import Relay
from tests.workorders.notifyrig import relay

ANALYST = Actor(None, "test-analyst")
JOB = next(j for j in JOBS if j.name == "analytics.report_mail")
TO = "director@bureau.gov.cn"


def local(y: int, mo: int, d: int, h: int, mi: int = 0, sec: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, sec, tzinfo=LOCAL).astimezone(UTC)


@pytest.fixture
def sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[Relay]:
    with relay() as (r, port):
        cfg = ChannelSettings(smtp_relay_port=port, mailbox_address="xinxiang@hotline.local")
        monkeypatch.setattr(mailing, "get_channel_settings", lambda: cfg)
        yield r


def _calls(db: Database) -> None:
    """Two days of calls (14 and 15 Oct 2025) across midnight and two queues."""
    lines = []
    for day, n in ((14, 3), (15, 2)):
        for i in range(n):
            at = local(2025, 10, day, 9 + i, 5)
            q = "q1" if i % 2 == 0 else "q2"
            lines += [
                Line("enter", q, at),
                Line("connect", q, at + timedelta(seconds=8 + i), agent_id=1, wait=8 + i),
                Line("complete", q, at + timedelta(seconds=130), agent_id=1, data={"talk": 120}),
            ]
        lines += [
            Line("enter", "q1", local(2025, 10, day, 23, 59)),
            Line("abandon", "q1", local(2025, 10, day + 1, 0, 1), wait=90),
        ]
    add_lines(db, lines)


def _schedule(db: Database, frequency: str = "daily", by: str | None = "hour") -> int:
    with db.session() as s:
        data = subscriptions.ScheduleIn(
            name="市长热线话务",
            rollup="calls",
            frequency=frequency,
            by=by,
            recipients=[TO],  # type: ignore[arg-type]
        )
        return int(subscriptions.create(s, ANALYST, data, now=local(2025, 10, 14, 12))["id"])


def _parts(raw: bytes) -> dict[str, Message]:
    msg = email.message_from_bytes(raw)
    return {p.get_filename() or p.get_content_type(): p for p in msg.walk() if not p.is_multipart()}


def _subject(raw: bytes) -> str:
    return str(email.header.make_header(email.header.decode_header(email.message_from_bytes(raw)["Subject"])))


def test_report_mailed_once_per_period_across_restart_and_nodes(db: Database, sink: Relay) -> None:
    _calls(db)
    _schedule(db)
    assert run_once(db, JOB, "node-a", now=local(2025, 10, 15, 7, 59))
    assert sink.messages == []  # before 08:00, and yesterday's was due before the subscription
    assert run_once(db, JOB, "node-a", now=local(2025, 10, 15, 8, 1))
    assert len(sink.messages) == 1 and "2025-10-14" in _subject(sink.messages[0])
    # A restart: another process (new owner, its own pool) once node-a's lease has lapsed.
    again = Database(db.url, name="restarted")
    try:
        assert run_once(again, JOB, "node-b", now=local(2025, 10, 15, 8, 4))
        assert run_once(again, JOB, "node-b", now=local(2025, 10, 15, 20, 0))
        assert len(sink.messages) == 1
        # Two nodes at the same instant on the next day, past any lease: one mail.
        at = local(2025, 10, 16, 8, 0, 30)
        threads = [threading.Thread(target=mailing.deliver_due, args=(d, at)) for d in (db, again)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        again.dispose()
    assert len(sink.messages) == 2 and "2025-10-15" in _subject(sink.messages[1])
    with db.session() as s:
        runs = list(s.scalars(select(ReportRun).order_by(ReportRun.id)))
    assert [(r.period_first, r.seq, r.status) for r in runs] == [
        (date(2025, 10, 14), 0, "sent"),
        (date(2025, 10, 15), 0, "sent"),
    ]
    # The PDF opens and holds the charts; the text is the report's.
    pdf = _parts(sink.messages[0])["calls-day-2025-10-14.pdf"].get_payload(decode=True)
    assert isinstance(pdf, bytes)
    reader = PdfReader(io.BytesIO(pdf))
    assert sum(len(p.images) for p in reader.pages) == 2  # comparison + by-hour chart
    # (pypdf reads fpdf2's two-byte CID codes with a NUL between characters)
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "").replace(" ", "")
    assert "市长热线话务" in text and "接通率" in text


def test_excel_equals_the_report_api_and_regenerate_is_audited(
    db: Database, sink: Relay, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _calls(db)
    h = auth("analyst")
    bad = client.post(
        "/api/analytics/schedules",
        json={
            "name": "x",
            "rollup": "calls",
            "frequency": "weekly",
            "filters": {"state": "closed"},
            "recipients": [TO],
        },
        headers=h,
    )
    assert bad.status_code == 422 and bad.json()["field"] == "filters.state"
    r = client.post(
        "/api/analytics/schedules",
        json={"name": "话务周报", "rollup": "calls", "frequency": "weekly", "by": "day", "recipients": [TO]},
        headers=h,
    )
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    assert (
        client.post(f"/api/analytics/schedules/{sid}/regenerate", json={}, headers=auth("agent")).status_code
        == 403
    )
    r = client.post(f"/api/analytics/schedules/{sid}/regenerate", json={"date": "2025-10-15"}, headers=h)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "sent" and r.json()["period_first"] == "2025-10-13" and r.json()["seq"] == 0
    r = client.post(f"/api/analytics/schedules/{sid}/regenerate", json={"date": "2025-10-15"}, headers=h)
    assert r.json()["seq"] == 1 and len(sink.messages) == 2
    api = client.get("/api/analytics/calls?period=week&date=2025-10-15&by=day", headers=h).json()
    assert api["totals"]["offered"] == 7
    xlsx = _parts(sink.messages[1])["calls-week-2025-10-13.xlsx"].get_payload(decode=True)
    assert isinstance(xlsx, bytes)
    wb = load_workbook(io.BytesIO(xlsx))
    summary = list(wb["汇总"].iter_rows(values_only=True))
    start = next(i for i, row in enumerate(summary) if row[0] == "指标") + 1
    got = {row[1]: row[2:] for row in summary[start:]}
    for name, value in api["totals"].items():
        want = (
            value,
            api["totals_previous"][name],
            api["mom"][name],
            api["totals_last_year"][name],
            api["yoy"][name],
        )
        assert tuple(got[name]) == want, name
    detail = list(wb["明细"].iter_rows(values_only=True))
    names = [h.rsplit("(", 1)[1].rstrip(")") for h in detail[0][2:]]
    assert [row[0] for row in detail[1:]] == [row["key"] for row in api["rows"]]
    for row, want in zip(detail[1:], api["rows"], strict=True):
        assert dict(zip(names, row[2:], strict=True)) == want["figures"]
    with db.session() as s:
        actions = [
            a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.entity == "analytics_report_run"))
        ]
    assert actions == ["report_run.regenerate", "report_run.regenerate"]
    runs = client.get(f"/api/analytics/schedules/{sid}/runs", headers=h).json()
    assert [r["seq"] for r in runs] == [1, 0]


def test_a_sender_that_stopped_mid_send_is_not_sent_twice(db: Database, sink: Relay) -> None:
    _calls(db)
    sid = _schedule(db)
    now = local(2025, 10, 15, 8, 1)
    period = mailing.latest_due(mailing.Frequency.daily, now)[0]
    assert (
        mailing._claim(db, sid, period, 0, now, Actor(None, "system"), "report_run.create") is not None
    )  # then it died
    assert mailing.deliver_due(db, now + timedelta(minutes=1)) == 0
    assert mailing.deliver_due(db, now + timedelta(minutes=15)) == 0
    assert sink.messages == []
    with db.session() as s:
        assert [r.status for r in s.scalars(select(ReportRun))] == ["unknown"]


def test_without_the_cjk_font_the_run_fails_saying_what_to_install(
    db: Database, sink: Relay, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = _schedule(db)
    monkeypatch.setattr(fonts, "CANDIDATES", ())
    monkeypatch.setattr(fonts, "_fc_match", lambda: None)
    fonts.cjk_font.cache_clear()
    try:
        run = mailing.regenerate(db, ANALYST, sid, date(2025, 10, 14), now=local(2025, 10, 15, 9))
    finally:
        fonts.cjk_font.cache_clear()
    assert run["status"] == "failed" and "fonts-noto-cjk" in run["error"] and sink.messages == []


def test_subscription_formats_pause_resume_and_listing(
    db: Database, sink: Relay, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    """The console's 定时报表 page: a PDF-only subscription mails only the PDF; the list shows its
    last run and next due time; paused it sends nothing when due, resumed it does; every change is
    audited."""
    _calls(db)
    h = auth("analyst")
    base = {
        "name": "话务日报（图表）",
        "rollup": "calls",
        "frequency": "daily",
        "by": "hour",
        "recipients": [TO],
    }
    bad = client.post("/api/analytics/schedules", json={**base, "formats": ["docx"]}, headers=h)
    assert bad.status_code == 422
    assert client.post("/api/analytics/schedules", json={**base, "formats": []}, headers=h).status_code == 422
    r = client.post("/api/analytics/schedules", json={**base, "formats": ["pdf", "pdf"]}, headers=h)
    assert r.status_code == 201, r.text
    sid, created = r.json()["id"], r.json()
    assert created["formats"] == ["pdf"]
    (row,) = [s for s in client.get("/api/analytics/schedules", headers=h).json() if s["id"] == sid]
    assert row["last_run"] is None and row["next_due_at"] is not None
    r = client.post(f"/api/analytics/schedules/{sid}/regenerate", json={"date": "2025-10-14"}, headers=h)
    assert r.json()["status"] == "sent", r.text
    assert list(_parts(sink.messages[0])) == ["text/plain", "calls-day-2025-10-14.pdf"]
    (row,) = [s for s in client.get("/api/analytics/schedules", headers=h).json() if s["id"] == sid]
    assert row["last_run"]["status"] == "sent" and row["last_run"]["period_first"] == "2025-10-14"

    def put(active: bool, version: int) -> dict[str, Any]:
        body = {**base, "formats": ["pdf", "xlsx"], "active": active, "version": version}
        r = client.put(f"/api/analytics/schedules/{sid}", json=body, headers=h)
        assert r.status_code == 200, r.text
        return dict(r.json())

    paused = put(False, created["version"])
    assert paused["active"] is False and paused["formats"] == ["xlsx", "pdf"]
    (row,) = [s for s in client.get("/api/analytics/schedules", headers=h).json() if s["id"] == sid]
    assert row["next_due_at"] is None
    later = datetime.now(UTC) + timedelta(days=2)
    assert mailing.deliver_due(db, later) == 0 and len(sink.messages) == 1
    put(True, paused["version"])
    assert mailing.deliver_due(db, later) == 1
    assert sorted(_parts(sink.messages[1]))[0].endswith(".pdf") and len(_parts(sink.messages[1])) == 3
    assert client.delete(f"/api/analytics/schedules/{sid}", headers=auth("agent")).status_code == 403
    assert client.delete(f"/api/analytics/schedules/{sid}", headers=h).status_code == 204
    assert all(s["id"] != sid for s in client.get("/api/analytics/schedules", headers=h).json())
    with db.session() as s:
        actions = [
            a.action
            for a in s.scalars(
                select(AuditEntry)
                .where(AuditEntry.entity == "analytics_report_schedule", AuditEntry.entity_id == str(sid))
                .order_by(AuditEntry.id)
            )
        ]
    assert actions == ["create", "update", "update", "delete"]
