"""Daily and weekly opinion briefs: the Excel (overview, spreading stories, high-risk items with
fetched text kept out of formulas, incidents) for a local day, downloaded and mailed to
subscribers once per period on an explicit clock (a second run or node sends nothing more), a
failed send retried after its back-off."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from hotline.channels import mail_out
from hotline.channels.settings import ChannelSettings
from hotline.opinion import briefs
from hotline.opinion.models import OpinionBriefRun, OpinionGroup, OpinionIncident, OpinionItem, OpinionSource
from hotline.store.db import Database

Auth = Callable[[str], dict[str, str]]
DEC1 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai, Tuesday 1 December
SEND = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai the day after


def seed(db: Database) -> None:
    with db.session() as s:
        src = OpinionSource(name="本地论坛", kind="feed", url="http://forum.example/rss")
        group = OpinionGroup(title="养老院护工虐待老人被曝光", size=3, first_seen=DEC1, last_seen=DEC1)
        s.add_all([src, group])
        s.flush()
        for n, (title, risk) in enumerate(
            [("养老院护工虐待老人被曝光", 82.0), ('=HYPERLINK("http://x")', 75.0)]
        ):
            s.add(
                OpinionItem(
                    source_id=src.id, guid=f"g{n}", url=f"http://forum.example/{n}", title=title, text="…",
                    fetched_at=DEC1 + timedelta(minutes=n), group_id=group.id, negative=0.9, risk=risk,
                    risk_terms=["虐待", "曝光"], state="processed",
                )
            )  # fmt: skip
        s.add(
            OpinionItem(
                source_id=src.id, guid="old", url="http://forum.example/old", title="上周的旧闻", text="…",
                fetched_at=DEC1 - timedelta(days=3), negative=0.2, risk=10.0, state="processed",
            )
        )  # fmt: skip
        s.add(OpinionIncident(title="护工虐待老人事件", level="major", state="found", created_at=DEC1))


def test_the_daily_brief_workbook(client: TestClient, auth: Auth, db: Database) -> None:
    seed(db)
    url = "/api/opinion/briefs/daily.xlsx"
    assert client.get(url, params={"first": "2026-12-01"}, headers=auth("agent")).status_code == 403
    resp = client.get(url, params={"first": "2026-12-01"}, headers=auth("supervisor"))
    assert resp.status_code == 200 and resp.headers["content-type"] == briefs.XLSX
    wb = load_workbook(io.BytesIO(resp.content))
    assert wb.sheetnames == ["概况", "热点话题", "高风险条目", "舆情事件"]
    overview = {r[0]: r[1] for r in wb["概况"].iter_rows(values_only=True)}
    assert overview["舆情日报"] == "2026-12-01"
    assert (overview["新采集条目"], overview["高风险条目"], overview["新立舆情事件"]) == (2, 2, 1)
    hot = list(wb["热点话题"].iter_rows(values_only=True))
    assert hot[1][:3] == ("养老院护工虐待老人被曝光", 2, 3)
    risky = list(wb["高风险条目"].iter_rows(values_only=True))
    assert [r[2] for r in risky[1:]] == ["养老院护工虐待老人被曝光", '\'=HYPERLINK("http://x")']
    assert risky[1][5] == "虐待、曝光" and risky[1][0] == "2026-12-01 10:00"
    assert list(wb["舆情事件"].iter_rows(values_only=True))[1][:3] == ("护工虐待老人事件", "major", "found")
    weekly = client.get(
        "/api/opinion/briefs/weekly.xlsx", params={"first": "2026-12-01"}, headers=auth("analyst")
    )
    assert weekly.status_code == 422  # a week starts on a Monday


def test_the_daily_brief_as_pdf(client: TestClient, auth: Auth, db: Database) -> None:
    """The same brief as PDF: the overview and each table in Chinese, a long title cut to its column."""
    seed(db)
    with db.session() as s:
        src = s.scalars(select(OpinionSource)).one()
        s.add(
            OpinionItem(
                source_id=src.id, guid="long", url="http://forum.example/long", text="…", risk=90.0,
                title="某区养老服务中心多名老人反映伙食质量下降且收费上涨，家属联名投诉至街道办事处未果",
                fetched_at=DEC1 + timedelta(minutes=5), negative=0.8, risk_terms=["投诉"], state="processed",
            )
        )  # fmt: skip
    url = "/api/opinion/briefs/daily.pdf"
    assert client.get(url, params={"first": "2026-12-01"}, headers=auth("agent")).status_code == 403
    assert client.get(url, params={"first": "1999-12-01"}, headers=auth("analyst")).status_code == 422
    resp = client.get(url, params={"first": "2026-12-01"}, headers=auth("analyst"))
    assert resp.status_code == 200 and resp.headers["content-type"] == briefs.PDF
    reader = PdfReader(io.BytesIO(resp.content))
    # (pypdf reads fpdf2's two-byte CID codes with a NUL between characters)
    text = "".join(p.extract_text() for p in reader.pages).replace("\x00", "").replace(" ", "")
    for words in (
        "舆情日报2026-12-01",
        "新采集条目",
        "热点话题",
        "养老院护工虐待老人被曝光",
        "护工虐待老人事件",
    ):
        assert words in text, words
    assert "某区养老服务中心多名老人" in text and "家属联名投诉至街道办事处未果" not in text  # cut with …


def test_subscribers_get_each_brief_once(
    client: TestClient, auth: Auth, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(db)
    sent: list[dict[str, Any]] = []
    fail = {"n": 0}

    def fake_send(
        settings: ChannelSettings, to: str, subject: str, text: str, msgid: str, attachments: Any
    ) -> str:
        if fail["n"]:
            fail["n"] -= 1
            raise OSError("relay refused")
        sent.append({"to": to, "subject": subject, "text": text, "files": [a[0] for a in attachments]})
        return msgid

    monkeypatch.setattr(mail_out, "send_notice", fake_send)
    body = {"email": "leader@mz.example.gov.cn", "daily": True, "weekly": True}
    assert (
        client.post(
            "/api/opinion/brief-subscriptions", json={**body, "email": "nope"}, headers=auth("analyst")
        ).status_code
        == 422
    )
    assert (
        client.post("/api/opinion/brief-subscriptions", json=body, headers=auth("analyst")).status_code == 201
    )

    assert briefs.deliver_due(db, SEND, ChannelSettings()) == 2
    assert sorted(m["subject"] for m in sent) == [
        "【舆情周报】2026-11-23 至 2026-11-29",
        "【舆情日报】2026-12-01",
    ]
    daily = next(m for m in sent if "日报" in m["subject"])
    assert daily["files"] == ["opinion-daily-2026-12-01.xlsx", "opinion-daily-2026-12-01.pdf"]
    assert "高风险条目 2 条" in daily["text"]
    assert briefs.deliver_due(db, SEND + timedelta(hours=3), ChannelSettings()) == 0  # once per period

    fail["n"] = 1  # the next day's brief: the relay refuses once
    next_day = SEND + timedelta(days=1)
    assert briefs.deliver_due(db, next_day, ChannelSettings()) == 0
    with db.session() as s:
        run = s.scalars(select(OpinionBriefRun).where(OpinionBriefRun.status == "failed")).one()
        assert run.next_try_at == next_day + timedelta(minutes=10) and "relay refused" in (run.error or "")
    assert briefs.deliver_due(db, next_day + timedelta(minutes=5), ChannelSettings()) == 0
    assert briefs.deliver_due(db, next_day + timedelta(minutes=10), ChannelSettings()) == 1
    assert [m["subject"] for m in sent][-1] == "【舆情日报】2026-12-02"
