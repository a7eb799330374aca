"""The telephony engine and the surveys' campaign dialler as one process, for bench/surveys_campaign.py.

Usage: python -m bench.surveys_campaign_proc DB_URL SIP_PORT RTP_MIN RTP_MAX DATA_DIR TRUNK STATS_JSON
The dialler's clock stands at 10:00 on a Thursday (Shanghai). Prints "ready" once dialling; on
SIGTERM writes the RTP counters of every ended leg (received packets, sequence gaps) to STATS_JSON.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotline.bus import Event, InProcessBus
from hotline.config import SipSettings
from hotline.media.prompts import PromptLibrary
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.store.db import Database
from hotline.surveys.dialer import Dialer
from hotline.surveys.ivrcall import Interviewer

THURSDAY_10H = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


async def main(argv: list[str]) -> None:
    url, port, lo, hi, data, trunk, out = argv
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("hotline.surveys").setLevel(logging.INFO)
    stats: dict[str, Any] = {
        "legs_ended": 0,
        "rx_packets": 0,
        "lost": 0,
        "foreign_dropped": 0,
        "causes": {},
        "answered": 0,
    }

    def on_event(e: Event) -> None:
        if e.topic == "leg.ended":
            stats["legs_ended"] += 1
            cause = e.data.get("cause", "")
            stats["causes"][cause] = stats["causes"].get(cause, 0) + 1
            rtp = e.data.get("rtp") or {}
            stats["rx_packets"] += rtp.get("rx_packets", 0)
            stats["lost"] += rtp.get("lost", 0)
            stats["foreign_dropped"] += rtp.get("foreign_dropped", 0)
        elif e.topic == "leg.answered":
            stats["answered"] += 1

    bus = InProcessBus()
    bus.subscribe("*", on_event)
    settings = SipSettings(
        host="127.0.0.1",
        port=int(port),
        rtp_port_min=int(lo),
        rtp_port_max=int(hi),
        outbound_trunk=trunk,
        rate_limit_per_second=100_000,
        rtp_timeout_seconds=60,
        trunk_failover_seconds=30,
    )
    engine = TelephonyEngine(settings, bus, DictCredentialStore({}), prompts_dir=Path(data) / "prompts")
    engine.qualify_interval = 0
    await engine.start()
    db = Database(url)
    interviewer = Interviewer(db, PromptLibrary(Path(data) / "prompts"), Path(data) / "survey-voice")
    dialer = Dialer(db, engine, interviewer, clock=lambda: THURSDAY_10H, tick=0.5)
    await dialer.start()
    done = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, done.set)
    print("ready", flush=True)
    await done.wait()
    await dialer.stop()
    Path(out).write_text(json.dumps(stats))


if __name__ == "__main__":
    try:
        import uvloop  # as `hotline serve` runs
    except ImportError:
        asyncio.run(main(sys.argv[1:]))
    else:
        uvloop.run(main(sys.argv[1:]))
