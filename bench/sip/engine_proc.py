"""The engine as its own process for benchmarks (so SIPp, Kamailio and the engine share 2 cores fairly).

Usage: python -m bench.sip.engine_proc PORT RTP_MIN RTP_MAX STATS_JSON [--record DIR]
Extensions 1001..1009 use password "bench". Trunk peer: 127.0.0.2. On SIGTERM it writes call and RTP
counters (answered calls, relayed packets, loss, recordings) to STATS_JSON and exits.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from hotline.bus import Event, InProcessBus
from hotline.config import SipSettings
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.sip.leg import Leg
from hotline.sip.routing import default_route


async def main(argv: list[str]) -> None:
    port, lo, hi, out = int(argv[0]), int(argv[1]), int(argv[2]), Path(argv[3])
    record_dir = Path(argv[argv.index("--record") + 1]) if "--record" in argv else None
    bus = InProcessBus()
    stats: dict[str, Any] = {
        "calls_ended": 0,
        "legs_answered": 0,
        "rx_packets": 0,
        "lost": 0,
        "recordings": 0,
    }
    stats["causes"] = {}

    def on_event(e: Event) -> None:
        if e.topic == "call.ended":
            stats["calls_ended"] += 1
            stats["recordings"] += 1 if e.data.get("recording") else 0
        elif e.topic == "leg.ended":
            cause = e.data.get("cause", "")
            stats["causes"][cause] = stats["causes"].get(cause, 0) + 1
            stats["rx_packets"] += e.data.get("rtp", {}).get("rx_packets", 0)
            stats["lost"] += e.data.get("rtp", {}).get("lost", 0)
        elif e.topic == "leg.answered":
            stats["legs_answered"] += 1

    bus.subscribe("*", on_event)
    settings = SipSettings(
        host="127.0.0.1",
        port=port,
        trunk_peers=["127.0.0.2"],
        rtp_port_min=lo,
        rtp_port_max=hi,
        rate_limit_per_second=100_000,
        rtp_timeout_seconds=60,
    )
    creds = DictCredentialStore({f"100{i}": "bench" for i in range(1, 10)})
    engine = TelephonyEngine(settings, bus, creds, recordings_dir=record_dir)
    engine.ring_timeout = 30
    # SIPp's built-in uas does not answer OPTIONS: qualifying it would unregister the bench "phone".
    engine.qualify_interval = 0
    if record_dir is not None:

        async def route(leg: Leg) -> None:
            leg.call.record()
            await default_route(engine, leg)

        engine.on_inbound = route
    await engine.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    await stop.wait()
    stats["engine"] = dict(engine.stats)
    stats["open_calls"] = len(engine.calls)
    await engine.stop()
    out.write_text(json.dumps(stats))


if __name__ == "__main__":
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(main(sys.argv[1:]))
