"""Each agent's phone: the console's browser phone or a desk phone, and what the browser phone needs.

The mode is a per-agent setting (``agent_phones``; no row: desk phone), changed by the agent for
themself (audited). The console asks for its own phone at sign-in: with ``browser`` it registers
JsSIP over the engine's SIP WebSocket with the agent's own digest HA1 (the browser never learns
the password, and the HA1 is only good for this realm; it is handed only to the signed-in agent
whose extension it is, over the console's own session). ``available`` says whether this server can
carry a browser phone at all (WebSocket transport and WebRTC bridge configured, engine running).
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.config import SipSettings
from hotline.people.service import get_user
from hotline.telephony.models import AgentPhone

PhoneMode = Literal["desk", "browser"]


def phone_mode(session: Session, user_id: int) -> PhoneMode:
    row = session.get(AgentPhone, user_id)
    return "browser" if row is not None and row.mode == "browser" else "desk"


def set_phone_mode(session: Session, actor: Actor, user_id: int, mode: PhoneMode) -> PhoneMode:
    row = session.get(AgentPhone, user_id)
    before = {"mode": row.mode} if row is not None else {"mode": "desk"}
    if row is None:
        row = AgentPhone(user_id=user_id, mode=mode)
        session.add(row)
    row.mode = mode
    session.flush()
    if before["mode"] != mode:
        record(session, actor, "update", "agent_phone", user_id, before, {"mode": mode})
    return mode


def ws_url(sip: SipSettings, ws_port: int) -> str:
    """Where the browser opens its SIP WebSocket: the public URL when set (a proxy in front)."""
    if sip.ws_public_url:
        return sip.ws_public_url
    scheme = "wss" if sip.ws_certfile or sip.ws_tls else "ws"
    return f"{scheme}://{sip.ws_host or sip.host}:{ws_port}"


def browser_phone_sources(sip: SipSettings) -> tuple[str, ...]:
    """What the console's Content-Security-Policy must let it connect to for the browser phone."""
    if not (sip.enabled and sip.ws_enabled and sip.webrtc_bridge):
        return ()
    url = ws_url(sip, sip.ws_port)
    scheme, _, rest = url.partition("://")
    return (f"{scheme}://{rest.split('/', 1)[0]}",)


def browser_phone(session: Session, user_id: int, sip: SipSettings, ws_port: int | None) -> dict[str, Any]:
    """The signed-in agent's own phone settings and, for a browser phone, its SIP account."""
    user = get_user(session, user_id)
    mode = phone_mode(session, user_id)
    available = ws_port is not None and bool(sip.webrtc_bridge)
    out: dict[str, Any] = {
        "mode": mode,
        "available": available,
        "extension": user.extension,
        "realm": sip.realm,
        "ws_url": ws_url(sip, ws_port) if ws_port is not None else None,
        "ha1": None,
        "ice_servers": list(sip.ice_servers),
        "ice_transport_policy": sip.ice_transport_policy,
    }
    if mode == "browser" and available and user.extension and user.sip_ha1:
        out["ha1"] = user.sip_ha1
    return out
