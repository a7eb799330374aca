"""`hotline telephony` (the engine in a process of its own) puts its events on the Redis bus the
settings name, like `hotline serve`, so the consoles' nodes see them: a real redis-server, the real
command, a SIP password guesser whose lockout alert is read off the Redis channel."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from hotline.store.db import Database
from tests.parallel import rtp_block
from tests.redisbus.server import RedisServer
from tests.sip.harness import free_port
from tests.sip_raw import register

pytestmark = pytest.mark.slow
HOTLINE = str(Path(sys.executable).with_name("hotline"))
CHANNEL = "hotline:test-telephony"


def test_telephony_process_publishes_on_the_redis_bus(
    sqlite_db: Database, tmp_path: Path, redis_server: RedisServer
) -> None:
    sip_port, rtp = free_port(), rtp_block(100)
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": sqlite_db.url,
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_LOG_JSON": "false",
        "HOTLINE_SIP__HOST": "127.0.0.1",
        "HOTLINE_SIP__PORT": str(sip_port),
        "HOTLINE_SIP__RTP_PORT_MIN": str(rtp),
        "HOTLINE_SIP__RTP_PORT_MAX": str(rtp + 98),
        "HOTLINE_SIP__AUTH_MAX_FAILURES": "2",
        "HOTLINE_HA__BUS_URL": redis_server.url,
        "HOTLINE_HA__BUS_CHANNEL": CHANNEL,
        "HOTLINE_HA__NODE": "telephony-1",
    }
    listener = redis.Redis.from_url(redis_server.url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(CHANNEL)
    log = (tmp_path / "telephony.log").open("wb")
    proc = subprocess.Popen([HOTLINE, "telephony"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as guesser:
            guesser.bind(("127.0.0.1", 0))
            guesser.settimeout(0.5)
            deadline = time.monotonic() + 60
            status = None
            while status is None:  # the engine is listening once a REGISTER gets an answer
                assert proc.poll() is None, (tmp_path / "telephony.log").read_text()[-2000:]
                assert time.monotonic() < deadline, "hotline telephony never answered"
                try:
                    status = register(guesser, sip_port, "1001", "guess-0")
                except TimeoutError:
                    continue
            guesser.settimeout(5)
            while status != 403:  # guessed until locked out
                assert time.monotonic() < deadline, f"never locked out (last status {status})"
                status = register(guesser, sip_port, "1001", "guess-n")
        alert = None
        while alert is None:
            assert time.monotonic() < deadline, "no lockout alert on the Redis bus"
            message = listener.get_message(timeout=1.0)
            if message is None:
                continue
            event = json.loads(message["data"])
            if event.get("t") == "security.alert_raised":
                alert = event
        assert alert["o"] == "telephony-1" and alert["d"]["source_ip"] == "127.0.0.1"
        assert alert["d"]["kind"] == "sip_auth_lockout"
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        listener.close()
