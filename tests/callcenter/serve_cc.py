"""A standalone call-center process for the crash test: engine + call center on a database.

Run: python -m tests.callcenter.serve_cc DB_URL SIP_PORT RTP_BASE DATA_DIR AGENT_ID [AGENT_ID...]
Prints "ready" once it listens and the agents are logged in, then serves until killed.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from hotline.bus import InProcessBus
from hotline.calls.center import start_callcenter
from hotline.config import SipSettings
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.store.db import Database
from tests.sip.harness import PASSWORDS, TRUNK_IP


async def main(url: str, port: int, rtp: int, data: Path, agents: list[int]) -> None:
    settings = SipSettings(
        host="127.0.0.1", port=port, trunk_peers=[TRUNK_IP], rtp_port_min=rtp, rtp_port_max=rtp + 400
    )
    bus = InProcessBus()
    engine = TelephonyEngine(
        settings, bus, DictCredentialStore(PASSWORDS), recordings_dir=data / "recordings", prompts_dir=data
    )
    engine.qualify_interval = 0  # SIPp phones here do not answer OPTIONS probes
    await engine.start()
    center = await start_callcenter(engine, Database(url), bus, recordings_dir=data / "recordings")
    for agent in agents:
        if center.acd.agents[agent].state.value == "logged_out":  # a restart restores agents' states
            center.control.login(agent)
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    url, port, rtp, data, *agents = sys.argv[1:]
    asyncio.run(main(url, int(port), int(rtp), Path(data), [int(a) for a in agents]))
