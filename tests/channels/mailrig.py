"""A running mailbox for tests: the aiosmtpd receiver on a free port and a second aiosmtpd server
standing in for the relay our acknowledgements go out through."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from hotline.channels import mailbox
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database
from tests.pg import free_port

ADDRESS = "xinxiang@hotline.local"


class Relay:
    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.senders: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope.content)
        self.senders.append(envelope.mail_from)
        return "250 OK"


@dataclass
class Rig:
    cfg: ChannelSettings
    relay: Relay

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP(self.cfg.mailbox_host, self.cfg.mailbox_port, timeout=10)

    def send(self, raw: bytes, sender: str = "citizen@example.org") -> None:
        with self.smtp() as smtp:
            smtp.sendmail(sender, [ADDRESS], raw)


@contextmanager
def mailbox_rig(db: Database, data_dir: Path | None = None, **cfg: Any) -> Iterator[Rig]:
    relay = Relay()
    relay_ctl = Controller(relay, hostname="127.0.0.1", port=free_port())
    relay_ctl.start()
    cfg.setdefault("smtp_relay_port", relay_ctl.port)
    settings = ChannelSettings(mailbox_port=free_port(), mailbox_address=ADDRESS, **cfg)
    ctl = mailbox.start(db, settings) if data_dir is None else mailbox.start(db, settings, data_dir)
    try:
        yield Rig(settings, relay)
    finally:
        ctl.stop()
        relay_ctl.stop()
