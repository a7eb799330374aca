"""An agent's own phone: desk by default, browser on request (audited); the browser phone's SIP
account (the agent's own HA1) only for their own browser phone on a server that can carry one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.config import SipSettings
from hotline.people.models import User
from hotline.store.db import Database
from hotline.telephony.phones import browser_phone, set_phone_mode

BRIDGED = SipSettings(enabled=False, webrtc_bridge="127.0.0.1:2223", ws_port=5066)


def test_agent_chooses_the_browser_phone(client: TestClient, auth: Any, db: Database) -> None:
    agent = auth("agent")
    mine = client.get("/api/telephony/phone", headers=agent)
    assert mine.status_code == 200, mine.text
    assert mine.json()["mode"] == "desk" and mine.json()["ha1"] is None
    # no engine here: the server cannot carry a browser phone, the choice is kept anyway
    assert mine.json()["available"] is False
    changed = client.put("/api/telephony/phone", json={"mode": "browser"}, headers=agent)
    assert changed.status_code == 200 and changed.json()["mode"] == "browser"
    assert changed.json()["ha1"] is None  # not available on this server: no account handed out
    assert client.put("/api/telephony/phone", json={"mode": "fax"}, headers=agent).status_code == 422
    with db.session() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "agent_phone")).all()
        assert [(e.action, e.after) for e in entries] == [("update", {"mode": "browser"})]


def test_the_account_is_the_agents_own(db: Database) -> None:
    with db.session() as s:
        user = s.scalars(select(User).order_by(User.id)).first()
        assert user is not None
        user.extension, user.sip_ha1 = "2001", "0" * 32
        s.flush()
        desk = browser_phone(s, user.id, BRIDGED, 5066)
        assert desk["available"] and desk["ha1"] is None and desk["ws_url"] == "ws://127.0.0.1:5066"
        set_phone_mode(s, Actor(user.id, user.username), user.id, "browser")
        mine = browser_phone(s, user.id, BRIDGED, 5066)
        assert mine["ha1"] == user.sip_ha1 and mine["extension"] == user.extension
        assert mine["realm"] == "hotline"
        tls = browser_phone(s, user.id, BRIDGED.model_copy(update={"ws_certfile": "x.pem"}), 5067)
        assert tls["ws_url"] == "wss://127.0.0.1:5067"
