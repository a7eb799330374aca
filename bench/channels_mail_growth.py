"""Database growth per byte of mail received by the mailbox (SQLite), over real SMTP.

Run: .venv/bin/python -m bench.channels_mail_growth [--mails 3]
Each shape of mail (a long text body, a big attachment, HTML only; each ~4.9 MB like the mail of
the security review) is sent `--mails` times with smtplib to the aiosmtpd receiver; the growth of
the database (used pages after a WAL checkpoint) is divided by the bytes of mail. The reference
run, in the same invocation, inserts the same raw bytes into a bare one-BLOB table of another
SQLite file: the floor of keeping one copy. Prints a table; ratios are machine-independent.
Uses only `mailbox.start(db, settings)` so the same script measures an older checkout too.
"""

from __future__ import annotations

import argparse
import email.policy
import os
import smtplib
import sqlite3
import tempfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from hotline.channels import mailbox
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.pg import free_port

ADDRESS = "xinxiang@hotline.local"
LINE = "社区养老服务中心的饭菜质量下降，老人们意见很大，希望有关部门尽快处理。\n"
TARGET = 4_900_000


def _base(i: int, shape: str) -> EmailMessage:
    m = EmailMessage()
    m["From"] = f"citizen{i}@example.org"
    m["To"] = ADDRESS
    m["Subject"] = "反映情况"
    m["Message-ID"] = f"<{shape}-{i}@example.org>"
    return m


def long_text(i: int) -> bytes:
    m = _base(i, "text")
    m.set_content((LINE * (TARGET // len(LINE.encode()) + 1))[: TARGET // 3], cte="8bit")
    return m.as_bytes(policy=email.policy.SMTP)


def attachment(i: int) -> bytes:
    m = _base(i, "attach")
    m.set_content("照片和材料见附件。")
    m.add_attachment(os.urandom(TARGET * 3 // 4 - 2000), maintype="image", subtype="jpeg", filename="x.jpg")
    return m.as_bytes(policy=email.policy.SMTP)


def html_only(i: int) -> bytes:
    m = _base(i, "html")
    para = "<p>" + LINE.strip() + "</p>\n"
    m.set_content((para * (TARGET // len(para.encode()) + 1))[: TARGET // 3], subtype="html", cte="8bit")
    return m.as_bytes(policy=email.policy.SMTP)


SHAPES: dict[str, Callable[[int], bytes]] = {
    "long text body": long_text,
    "big attachment": attachment,
    "HTML only": html_only,
}


def used_bytes(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        size = conn.execute("PRAGMA page_size").fetchone()[0]
    return int((pages - free) * size)


class Relay:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def measure(tmp: Path, shape: str, mails: list[bytes]) -> tuple[int, int]:
    """(growth of the hotline database, growth of the one-BLOB reference) for these mails."""
    path = tmp / f"{shape.replace(' ', '_')}.db"
    upgrade(f"sqlite:///{path}")
    db = Database(f"sqlite:///{path}")
    relay_ctl = Controller(Relay(), hostname="127.0.0.1", port=free_port())
    relay_ctl.start()
    cfg = ChannelSettings(mailbox_port=free_port(), smtp_relay_port=relay_ctl.port, mailbox_address=ADDRESS)
    before = used_bytes(path)
    ctl = mailbox.start(db, cfg)
    try:
        with smtplib.SMTP("127.0.0.1", cfg.mailbox_port, timeout=120) as smtp:
            for raw in mails:
                smtp.sendmail("citizen@example.org", [ADDRESS], raw)
    finally:
        ctl.stop()
        relay_ctl.stop()
    db.dispose()
    grown = used_bytes(path) - before

    ref = tmp / f"{shape.replace(' ', '_')}-ref.db"
    with sqlite3.connect(ref) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE raw (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    ref_before = used_bytes(ref)
    with sqlite3.connect(ref) as conn:
        conn.executemany("INSERT INTO raw (data) VALUES (?)", [(m,) for m in mails])
    return grown, used_bytes(ref) - ref_before


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mails", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hotline-mailbench-") as d:
        tmp = Path(d)
        print(
            "| mail shape | mail bytes (total) | database growth | growth / mail bytes "
            "| reference (one BLOB) | ratio to reference |"
        )
        print("|---|---|---|---|---|---|")
        for shape, make in SHAPES.items():
            mails = [make(i) for i in range(args.mails)]
            total = sum(len(m) for m in mails)
            grown, ref = measure(tmp, shape, mails)
            print(
                f"| {shape} | {total / 1e6:.1f} MB | {grown / 1e6:.1f} MB | {grown / total:.2f}× "
                f"| {ref / 1e6:.1f} MB | {grown / ref:.2f} |"
            )


if __name__ == "__main__":
    main()
