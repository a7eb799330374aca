"""A standalone campaign-dialler process for the kill -9 test: the telephony engine with an
outbound trunk, and the surveys' dialler on a database, on a clock read from a file.

Run: python -m tests.surveys.serve_campaign DB_URL SIP_PORT RTP_BASE DATA_DIR TRUNK CLOCK_FILE
Prints "ready" once the dialler has recovered and runs, then serves until killed.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

from hotline.bus import InProcessBus
from hotline.config import SipSettings
from hotline.media.prompts import PromptLibrary
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.store.db import Database
from hotline.surveys.dialer import Dialer
from hotline.surveys.ivrcall import Interviewer


class FileClock:
    """The test's explicit clock: an ISO time in a file, re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = 0
        self._now = datetime.fromisoformat(path.read_text().strip())

    def __call__(self) -> datetime:
        stamp = self.path.stat().st_mtime_ns
        if stamp != self._stamp:
            self._stamp, self._now = stamp, datetime.fromisoformat(self.path.read_text().strip())
        return self._now


async def main(url: str, port: int, rtp: int, data: Path, trunk: str, clock: Path) -> None:
    settings = SipSettings(
        host="127.0.0.1",
        port=port,
        rtp_port_min=rtp,
        rtp_port_max=rtp + 400,
        outbound_trunk=trunk,
        trunk_failover_seconds=30.0,
    )
    engine = TelephonyEngine(settings, InProcessBus(), DictCredentialStore({}), prompts_dir=data / "prompts")
    engine.qualify_interval = 0
    await engine.start()
    db = Database(url)
    interviewer = Interviewer(db, PromptLibrary(data / "prompts"), data / "survey-voice", key_seconds=6.0)
    dialer = Dialer(db, engine, interviewer, clock=FileClock(clock), tick=0.3)
    await dialer.start()
    print("ready", dialer.recovered, flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    url, port, rtp, data, trunk, clock = sys.argv[1:]
    asyncio.run(main(url, int(port), int(rtp), Path(data), trunk, Path(clock)))
