"""Web traffic cannot stop the phones: with every web connection held by requests in progress,
a REGISTER and a trunk INVITE are still answered, the API says 503 + Retry-After (not a 30-second
stall and a 500), and the health endpoints still answer.

The web pool is exhausted for real: `limit` requests sit inside an endpoint holding their session
and the pool's remaining connections are checked out by the test.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.config import SipSettings
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.sip.message import SipResponse, parse_message
from hotline.store.db import Database
from hotline.web.admission import Admission
from hotline.web.app import create_app
from hotline.web.deps import get_session
from tests.conftest import make_settings
from tests.parallel import rtp_block
from tests.sip.harness import free_port
from tests.sip_raw import register, request

EXTENSION, SIP_PASSWORD = "2001", "agent-sip-2001"
SDP = (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)


def wait_until(pred: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.02)
    return pred()


def find_admission(app: FastAPI) -> Admission:
    stack: Any = app.middleware_stack
    while stack is not None and not isinstance(stack, Admission):
        stack = getattr(stack, "app", None)
    assert isinstance(stack, Admission)
    return stack


def sip_final(sock: socket.socket, timeout: float) -> SipResponse:
    """The next final response on the socket within `timeout` (a deadline, not a measurement)."""
    sock.settimeout(timeout)
    while True:
        msg = parse_message(sock.recvfrom(65535)[0])
        assert isinstance(msg, SipResponse)
        if msg.status >= 200:
            return msg


@pytest.fixture
def center_app(db: Database, tmp_root: Path) -> Iterator[tuple[TestClient, FastAPI, int]]:
    with db.session() as s:
        create_user(
            s,
            Actor(None, "t"),
            UserIn(
                username="phone2001",
                display_name="坐席",
                password="password-x",
                role=Role.agent,
                extension=EXTENSION,
                sip_password=SIP_PASSWORD,
            ),
        )
    port = free_port()
    rtp = rtp_block(100)
    sip = SipSettings(host="127.0.0.1", port=port, rtp_port_min=rtp, rtp_port_max=rtp + 98)
    settings = make_settings(db, tmp_root / f"iso{port}", sip=sip, http_queue=0)
    app = create_app(settings, db)
    release = threading.Event()

    @app.get("/api/test/hold")
    def hold(session: Session = Depends(get_session, scope="function")) -> dict[str, str]:
        session.execute(text("SELECT 1"))  # the request now holds a pooled connection
        release.wait(60)
        return {"status": "released"}

    # Before the console's catch-all route (mounted when frontend/dist is built), or it would
    # answer this path with the console's index page at once.
    app.router.routes.insert(0, app.router.routes.pop())

    with TestClient(app, base_url="https://testserver", raise_server_exceptions=False) as client:
        app.state.release_holds = release
        yield client, app, port
        release.set()


def test_phones_and_health_answer_while_web_requests_hold_every_connection(
    center_app: tuple[TestClient, FastAPI, int], db: Database, auth: Callable[[str], dict[str, str]]
) -> None:
    client, app, sip_port = center_app
    admission = find_admission(app)
    holders = [
        threading.Thread(target=client.get, args=("/api/test/hold",), daemon=True)
        for _ in range(admission.limit)
    ]
    for t in holders:
        t.start()
    assert wait_until(lambda: admission.active == admission.limit)
    spare = [db.engine.connect() for _ in range(db.capacity - admission.limit)]
    try:
        # The web pool is empty now: every connection is held by a request or by us.
        busy = client.get("/api/callers", headers=auth("agent"))
        assert busy.status_code == 503
        assert busy.headers["retry-after"].isdigit()
        assert busy.headers["content-type"].startswith("application/problem+json")
        assert busy.json()["code"] == "busy" and busy.json()["title_zh"]
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 200, ready.text

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
            phone.bind(("127.0.0.1", 0))
            phone.settimeout(10)
            assert register(phone, sip_port, EXTENSION, SIP_PASSWORD) == 200

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as trunk:
            trunk.bind(("127.0.0.1", 0))
            invite = request(
                "INVITE", sip_port, trunk.getsockname(), "12345", "Content-Type: application/sdp\r\n", SDP
            )
            trunk.sendto(invite, ("127.0.0.1", sip_port))
            answer = sip_final(trunk, timeout=15)
            assert answer.status == 200, answer.status
    finally:
        for conn in spare:
            conn.close()
        app.state.release_holds.set()
        for t in holders:
            t.join(30)
    assert client.get("/api/callers", headers=auth("agent")).status_code == 200
