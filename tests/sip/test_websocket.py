"""SIP over WebSocket (RFC 7118): a Python WebSocket client registers with digest like a browser
phone, an INVITE to its extension comes down the same socket, and handshakes from a forged origin
or without the `sip` subprotocol are refused."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from hotline.sip.auth import client_authorization
from hotline.sip.message import SipRequest, SipResponse, parse_message
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, EngineThread, free_port

ORIGIN = "http://127.0.0.1:8080"


@pytest.fixture
def ws_engine(tmp_path: Path) -> Iterator[EngineThread]:
    et = EngineThread(
        tmp_path,
        rtp_block(),
        ws_enabled=True,
        ws_port=free_port(kind=1),
        ws_origins=[ORIGIN],
    )
    et.start()
    try:
        yield et
    finally:
        et.stop()


def register(ws_port: int, ext: str, call_id: str, cseq: int, auth: str = "") -> str:
    lines = [
        f"REGISTER sip:127.0.0.1:{ws_port};transport=ws SIP/2.0",
        f"Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK{os.urandom(6).hex()}",
        "Max-Forwards: 70",
        f"To: <sip:{ext}@127.0.0.1>",
        f"From: <sip:{ext}@127.0.0.1>;tag=t{ext}",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        f"Contact: <sip:{ext}x@abc.invalid;transport=ws>;expires=600",
        "Expires: 600",
    ]
    if auth:
        lines.append(f"Authorization: {auth}")
    return "\r\n".join(lines) + "\r\nContent-Length: 0\r\n\r\n"


async def recv_sip(ws: ClientConnection) -> SipResponse | SipRequest:
    raw = await asyncio.wait_for(ws.recv(), 10)
    msg = parse_message(raw.encode() if isinstance(raw, str) else raw)
    assert isinstance(msg, SipResponse | SipRequest)
    return msg


async def registered(ws: ClientConnection, port: int, ext: str) -> SipResponse:
    call_id = os.urandom(8).hex()
    await ws.send(register(port, ext, call_id, 1))
    challenge = await recv_sip(ws)
    assert isinstance(challenge, SipResponse) and challenge.status == 401
    auth = client_authorization(
        challenge.get("WWW-Authenticate") or "",
        "REGISTER",
        f"sip:127.0.0.1:{port};transport=ws",
        ext,
        PASSWORDS[ext],
    )
    await ws.send(register(port, ext, call_id, 2, auth))
    ok = await recv_sip(ws)
    assert isinstance(ok, SipResponse)
    return ok


def test_register_over_websocket_and_the_binding_goes_with_the_socket(ws_engine: EngineThread) -> None:
    engine = ws_engine.engine
    assert engine is not None and engine.ws is not None
    port = engine.ws.port

    async def scenario() -> tuple[int, str, str]:
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=["sip"], origin=ORIGIN) as ws:  # type: ignore[list-item]
            assert ws.subprotocol == "sip"
            ok = await registered(ws, port, "2001")
            contacts = [b.contact for b in engine.contacts("2001")]
            # without a WebRTC bridge a browser cannot take media: the leg ends at once, nothing
            # is sent (test_webrtc_bridge.py rings one through the bridge)
            fut = asyncio.run_coroutine_threadsafe(engine.originate("2001", caller_id="1001"), ws_engine.loop)
            leg = await asyncio.wrap_future(fut)
            return ok.status, contacts[0], leg.cause

    status, contact, cause = asyncio.run(scenario())
    assert status == 200
    assert contact == "sip:2001x@abc.invalid;transport=ws"
    assert cause == "media_bridge"
    # the socket closed: the browser cannot be reached any more, so its binding goes at once
    assert ws_engine.wait_for(lambda: engine.contacts("2001") == [])


def test_wrong_password_over_websocket_is_refused(ws_engine: EngineThread) -> None:
    engine = ws_engine.engine
    assert engine is not None and engine.ws is not None
    port = engine.ws.port

    async def scenario() -> int:
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=["sip"], origin=ORIGIN) as ws:  # type: ignore[list-item]
            call_id = os.urandom(8).hex()
            await ws.send(register(port, "2001", call_id, 1))
            challenge = await recv_sip(ws)
            assert isinstance(challenge, SipResponse)
            auth = client_authorization(
                challenge.get("WWW-Authenticate") or "",
                "REGISTER",
                f"sip:127.0.0.1:{port};transport=ws",
                "2001",
                "wrong",
            )
            await ws.send(register(port, "2001", call_id, 2, auth))
            again = await recv_sip(ws)
            assert isinstance(again, SipResponse)
            return again.status

    assert asyncio.run(scenario()) == 401
    assert engine.contacts("2001") == []


@pytest.mark.parametrize(
    ("origin", "subprotocols", "status"),
    [
        ("http://evil.example", ["sip"], 403),  # a forged origin: another site's page
        (ORIGIN, None, 400),  # not SIP over WebSocket
    ],
)
def test_handshake_refused(
    ws_engine: EngineThread, origin: str, subprotocols: list[str] | None, status: int
) -> None:
    engine = ws_engine.engine
    assert engine is not None and engine.ws is not None
    port = engine.ws.port

    async def scenario() -> int:
        try:
            async with connect(f"ws://127.0.0.1:{port}", subprotocols=subprotocols, origin=origin):  # type: ignore[arg-type]
                return 101
        except InvalidStatus as exc:
            return exc.response.status_code

    assert asyncio.run(scenario()) == status
    assert engine.ws.refused == 1


def test_a_browser_cannot_place_calls_itself(ws_engine: EngineThread) -> None:
    engine = ws_engine.engine
    assert engine is not None and engine.ws is not None
    port = engine.ws.port

    async def scenario() -> int:
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=["sip"], origin=ORIGIN) as ws:  # type: ignore[list-item]
            invite = register(port, "2001", os.urandom(8).hex(), 1).replace("REGISTER", "INVITE")
            await ws.send(invite.replace("To: <sip:2001@127.0.0.1>", "To: <sip:12345@127.0.0.1>"))
            reply = await recv_sip(ws)
            assert isinstance(reply, SipResponse)
            return reply.status

    assert asyncio.run(scenario()) == 488
    assert engine.calls == {}
