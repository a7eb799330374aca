"""A restart keeps the phones reachable and the agents' states: registrations saved with their
expiry are put back before the engine listens, and each agent returns ready or not ready (with the
reason) as they were, through a real stop and start of the app on the same database."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hotline.acd.schemas import QueueIn, SkillIn
from hotline.acd.service import create_queue, set_skills
from hotline.acd.states import AgentState
from hotline.audit.service import Actor
from hotline.calls.center import CallCenter
from hotline.calls.plugin import CENTER
from hotline.config import SipSettings
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.store.db import Database
from hotline.telephony.plugin import ENGINE
from hotline.web.app import create_app
from tests.conftest import make_settings
from tests.parallel import rtp_block
from tests.sip.harness import free_port
from tests.sip_raw import register

ACTOR = Actor(None, "t")
PHONES = {"2101": "sip-pass-2101", "2102": "sip-pass-2102"}


def make_agents(db: Database) -> dict[str, int]:
    ids = {}
    with db.session() as s:
        create_queue(s, ACTOR, QueueIn(name="general", label="综合"))
        for ext, password in PHONES.items():
            user = create_user(
                s,
                ACTOR,
                UserIn(
                    username=f"agent{ext}",
                    display_name=ext,
                    password="password-x",
                    role=Role.agent,
                    extension=ext,
                    sip_password=password,
                ),
            )
            set_skills(s, ACTOR, user.id, [SkillIn(queue="general", level=1)])
            ids[ext] = user.id
    return ids


def on_center(client: TestClient, fn: Callable[[CallCenter], Any]) -> Any:
    center = client.app.state.services.find(CENTER)  # type: ignore[attr-defined]
    assert center is not None
    return client.portal.call(center.run, lambda: fn(center))  # type: ignore[union-attr]


def test_registrations_and_agent_states_survive_a_restart(db: Database, tmp_root: Path) -> None:
    agents = make_agents(db)
    port = free_port()
    rtp = rtp_block(40)
    sip = SipSettings(host="127.0.0.1", port=port, rtp_port_min=rtp, rtp_port_max=rtp + 38, qualify_seconds=0)
    settings = make_settings(db, tmp_root / f"restart{port}", sip=sip)

    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.1", 0))
    phone.settimeout(10)
    try:
        with TestClient(create_app(settings, db)) as client:
            assert register(phone, port, "2101", PHONES["2101"], expires=600) == 200
            on_center(client, lambda c: c.control.login(agents["2101"]))
            on_center(client, lambda c: c.control.login(agents["2102"]))
            on_center(client, lambda c: c.control.not_ready(agents["2102"], "meeting"))
            on_center(client, lambda c: c.writer.flush())

        with TestClient(create_app(settings, db)) as client:
            engine = client.app.state.services.find(ENGINE)  # type: ignore[attr-defined]
            bindings = engine.registrar.lookup("2101")
            assert [b.source.addr for b in bindings] == [phone.getsockname()]
            assert 500 < bindings[0].remaining() <= 600
            assert engine.registrar.lookup("2102") == []
            states = on_center(
                client,
                lambda c: {a: (c.acd.agents[a].state, c.acd.agents[a].reason) for a in agents.values()},
            )
            assert states[agents["2101"]][0] is AgentState.ready
            assert states[agents["2102"]] == (AgentState.not_ready, "meeting")
    finally:
        phone.close()
