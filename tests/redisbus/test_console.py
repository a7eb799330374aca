"""Two web processes on one Redis: a wallboard on node B shows node A's events, and after Redis
is killed and restarted it gets its whole state again (a new snapshot) without reconnecting."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.config import HaSettings
from hotline.plugins import load
from hotline.redisbus import RedisBus
from hotline.sip.topics import SecurityAlertRaised
from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings
from tests.redisbus.server import RedisServer

pytestmark = pytest.mark.slow


def node(db: Database, tmp_root: Path, url: str, name: str) -> TestClient:
    settings = make_settings(db, tmp_root, ha=HaSettings(bus_url=url, node=name))
    # The console's own routers and the live socket's: what this test needs of a node.
    plugins = [load("hotline.web.plugin"), load("hotline.calls.plugin")]
    return TestClient(create_app(settings, db, plugins=plugins), base_url="https://testserver")


def alert(source_ip: str) -> SecurityAlertRaised:
    return SecurityAlertRaised(
        kind="sip_auth_lockout", source_ip=source_ip, extension="1001", seconds=60, failures=5
    )


def next_of(sock: Any, kind: str) -> dict[str, Any]:
    while (msg := sock.receive_json())["type"] != kind:
        pass
    return dict(msg)


def test_wallboard_on_another_node_is_live_and_resyncs(
    sqlite_db: Database, tmp_root: Path, redis_server: RedisServer
) -> None:
    with (
        node(sqlite_db, tmp_root, redis_server.url, "a") as a,
        node(sqlite_db, tmp_root, redis_server.url, "b") as b,
    ):
        bus_a = a.app.state.services.bus  # type: ignore[attr-defined]
        bus_b = b.app.state.services.bus  # type: ignore[attr-defined]
        assert isinstance(bus_a, RedisBus) and isinstance(bus_b, RedisBus) and bus_a.up and bus_b.up
        with b.websocket_connect("/api/calls/ws?token=token-analyst") as wall:
            assert wall.receive_json()["type"] == "snapshot"
            bus_a.publish(alert("203.0.113.7"))
            assert next_of(wall, "security.alert_raised")["data"]["source_ip"] == "203.0.113.7"

            redis_server.kill()
            redis_server.start()
            # b's link comes back and the wallboard reloads everything (no page reload, no new socket)
            assert next_of(wall, "snapshot")["type"] == "snapshot"
            deadline = time.monotonic() + 10
            while not bus_a.up:
                assert time.monotonic() < deadline, "node a did not reconnect"
                time.sleep(0.02)
            bus_a.publish(alert("203.0.113.8"))
            assert next_of(wall, "security.alert_raised")["data"]["source_ip"] == "203.0.113.8"
