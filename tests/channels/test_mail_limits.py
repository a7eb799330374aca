"""What one mail may cost: over the size limit it is refused with 552 (at MAIL FROM when the
client declares SIZE, at the end of DATA when it does not); with the data directory short of
space new mail is refused with 452; the raw copy is stored once (the audit log names the row, it
does not copy it), so the database grows about 1 byte per byte of mail, not ~22; a message that
keeps failing is retried with exponential back-off and ends as a dead letter an operator sees."""

from __future__ import annotations

import email.policy
import smtplib
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from hotline.audit.models import AuditEntry
from hotline.channels import inbox
from hotline.channels.models import InboundMessage
from hotline.channels.settings import ChannelSettings
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.channels.mailrig import ADDRESS, mailbox_rig


def _big_mail(msg_id: str, chars: int) -> bytes:
    m = EmailMessage()
    m["From"] = "citizen@example.org"
    m["To"] = ADDRESS
    m["Subject"] = "反映情况"
    m["Message-ID"] = msg_id
    line = "社区养老服务中心的饭菜质量下降，老人们意见很大，希望有关部门尽快处理。\n"
    m.set_content((line * (chars // len(line) + 1))[:chars], cte="8bit")
    return m.as_bytes(policy=email.policy.SMTP)


def _count(db: Database, model: type) -> int:
    with db.session() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_oversize_mail_is_refused_with_552(db: Database) -> None:
    raw = _big_mail("<big@example.org>", 15_000)
    with mailbox_rig(db, mailbox_max_bytes=64 * 1024) as rig:
        with rig.smtp() as smtp:
            assert "size" in (smtp.ehlo() and smtp.esmtp_features)
            assert smtp.esmtp_features["size"] == str(64 * 1024)
            with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE=... at MAIL FROM
                smtp.sendmail("citizen@example.org", [ADDRESS], raw + raw)
            assert declared.value.smtp_code == 552
            smtp.rset()
            # A client that does not declare the size is stopped at the end of DATA.
            assert smtp.docmd("MAIL FROM:<citizen@example.org>")[0] == 250
            assert smtp.docmd(f"RCPT TO:<{ADDRESS}>")[0] == 250
            assert smtp.data(raw + raw)[0] == 552
        rig.send(raw)  # under the limit: accepted
    assert _count(db, InboundMessage) == 1


def test_low_disk_refuses_new_mail_with_452(db: Database, tmp_path: Path) -> None:
    with mailbox_rig(db, data_dir=tmp_path, mailbox_min_free_bytes=1 << 62) as rig:
        with pytest.raises(smtplib.SMTPSenderRefused) as exc:
            rig.send(_big_mail("<m@example.org>", 100))
        assert exc.value.smtp_code == 452  # temporary: the sending server keeps it and retries
    assert _count(db, InboundMessage) == 0
    with mailbox_rig(db, data_dir=tmp_path, mailbox_min_free_bytes=1) as rig:
        rig.send(_big_mail("<m@example.org>", 100))
    assert _count(db, InboundMessage) == 1


def _db_bytes(db: Database) -> int:
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar_one()
        free = conn.exec_driver_sql("PRAGMA freelist_count").scalar_one()
        size = conn.exec_driver_sql("PRAGMA page_size").scalar_one()
    return int((pages - free) * size)


def test_database_grows_about_once_per_byte_of_mail(sqlite_db: Database) -> None:
    mails = [_big_mail(f"<bulk-{i}@example.org>", 330_000) for i in range(3)]  # ~1 MB each
    before = _db_bytes(sqlite_db)
    with mailbox_rig(sqlite_db) as rig:
        for raw in mails:
            rig.send(raw)
    growth = _db_bytes(sqlite_db) - before
    ratio = growth / sum(len(m) for m in mails)
    assert _count(sqlite_db, WorkOrder) == 3
    assert ratio < 1.3, f"database grew {ratio:.1f}x the mail size"
    with sqlite_db.session() as s:
        largest = s.scalar(
            select(func.max(func.length(func.coalesce(text("CAST(after AS TEXT)"), ""))))
            .select_from(AuditEntry)
            .where(AuditEntry.entity == "channel_inbox")
        )
        assert int(largest or 0) < 1000  # audit entries reference the row, they copy nothing


def test_failing_message_backs_off_then_dead_letters(
    client: TestClient,
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
    auth: Callable[[str], dict[str, str]],
) -> None:
    import hotline.channels.inbox as mod

    def broken(*a: object, **k: object) -> None:
        raise RuntimeError("database went away")

    cfg = ChannelSettings(inbox_max_attempts=4, inbox_retry_base_s=60, inbox_retry_max_s=150)
    monkeypatch.setattr(mod, "create", broken)
    t0 = utcnow()
    stored = inbox.store(db, "sms", "m-dead", "13800001111", "咨询高龄津贴", b"{}")
    assert inbox.process(db, stored.id, cfg, now=t0) is None

    def row() -> InboundMessage:
        with db.session() as s:
            r = s.get(InboundMessage, stored.id)
            assert r is not None
            return r

    assert (row().status, row().attempts, row().next_attempt_at) == ("failed", 1, t0 + timedelta(seconds=60))
    assert inbox.retry_pending(db, now=t0 + timedelta(seconds=59), settings=cfg) == 0
    assert row().attempts == 1  # not due: not tried
    for attempt, due in ((2, 120), (3, 150)):  # 60 s, then 120 s, capped at 150 s
        now = row().next_attempt_at
        assert now is not None
        assert inbox.retry_pending(db, now=now, settings=cfg) == 0
        assert (row().status, row().attempts, row().next_attempt_at) == (
            "failed",
            attempt,
            now + timedelta(seconds=due),
        )
    assert inbox.retry_pending(db, now=row().next_attempt_at, settings=cfg) == 0
    assert (row().status, row().attempts, row().next_attempt_at) == ("dead", 4, None)
    assert inbox.retry_pending(db, now=t0 + timedelta(days=30)) == 0  # dead letters stay put
    listed = client.get("/api/channels/inbox", params={"status": "dead"}, headers=auth("admin")).json()
    assert [(m["id"], m["attempts"], m["error"]) for m in listed] == [(stored.id, 4, "database went away")]
    monkeypatch.undo()
    revived = client.post(f"/api/channels/inbox/{stored.id}/retry", headers=auth("admin"))
    assert revived.status_code == 200 and revived.json()["number"].startswith("GD")
    assert row().status == "processed"
