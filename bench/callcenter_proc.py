"""The engine with the call center, as its own process for bench/callcenter_cps.py.

Usage: python -m bench.callcenter_proc DB_URL PORT RTP_MIN RTP_MAX DATA_DIR STATS_JSON [--bare]
Extensions 5000..5999 use password "bench"; trunk peer 127.0.0.2. With --bare the engine's default
routing rings the dialled extension and records (the reference); otherwise every call goes through
the IVR, the ACD and an agent, with CDRs and the queue log written. On SIGTERM it writes counters.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

from hotline.bus import Event, InProcessBus
from hotline.calls.center import start_callcenter
from hotline.config import SipSettings
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.sip.leg import Leg
from hotline.sip.routing import default_route
from hotline.store.db import Database


async def main(argv: list[str]) -> None:
    url, port, lo, hi, data, out = (
        argv[0],
        int(argv[1]),
        int(argv[2]),
        int(argv[3]),
        Path(argv[4]),
        Path(argv[5]),
    )
    bare = "--bare" in argv
    bus = InProcessBus()
    stats: dict[str, Any] = {"calls_ended": 0, "queue": {}}

    def on_event(e: Event) -> None:
        if e.topic == "call.ended":
            stats["calls_ended"] += 1
        elif e.topic == "queue.event_logged":
            kind = str(e.data.get("kind"))
            stats["queue"][kind] = stats["queue"].get(kind, 0) + 1

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
    creds = DictCredentialStore({str(5000 + i): "bench" for i in range(1000)})
    engine = TelephonyEngine(settings, bus, creds, recordings_dir=data / "recordings", prompts_dir=data)
    engine.ring_timeout = 30
    engine.qualify_interval = 0  # SIPp's built-in uas does not answer OPTIONS: no qualify probes
    if bare:

        async def route(leg: Leg) -> None:
            leg.call.record()
            await default_route(engine, leg)

        engine.on_inbound = route
    await engine.start()
    if not bare:
        center = await start_callcenter(engine, Database(url), bus, recordings_dir=data / "recordings")
        for agent_id in list(center.acd.agents):
            center.control.login(agent_id)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
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
