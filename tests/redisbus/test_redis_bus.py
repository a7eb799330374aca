"""The Redis bus against a real redis-server: events cross nodes to the subscribers that asked for
them, a node's own events are not delivered twice, and after Redis is killed and restarted both
nodes reconnect by themselves and announce `bus.resynced` (consoles then reload their state)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest

from hotline.bus import Event
from hotline.people.topics import SipCredentialsChanged
from hotline.redisbus import RedisBus, decode, encode
from hotline.redisbus.topics import BusResynced
from tests.redisbus.server import RedisServer

pytestmark = pytest.mark.slow


async def until(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def test_round_trip_keeps_the_typed_event() -> None:
    event = SipCredentialsChanged(extensions=["1001"])
    sent = Event(event.TOPIC, event.payload(), body=event)
    back = decode(encode(sent, "node-a"), {event.TOPIC: SipCredentialsChanged})
    assert (back.topic, back.data, back.origin, back.at) == (
        event.TOPIC,
        {"extensions": ["1001"]},
        "node-a",
        sent.at,
    )
    assert back.body == event


def test_events_cross_nodes_and_survive_a_redis_restart(redis_server: RedisServer) -> None:
    async def scenario() -> None:
        a = RedisBus(redis_server.url, node="a")
        b = RedisBus(redis_server.url, node="b")
        await a.start()
        await b.start()
        try:
            remote: list[Event] = []
            local: list[Event] = []
            own: list[Event] = []
            b.subscribe("*", remote.append, remote=True)
            b.subscribe("*", local.append)  # the default: this node's events only
            a.subscribe("*", own.append, remote=True)

            a.publish(SipCredentialsChanged(extensions=["1001"]))
            await until(lambda: len(remote) == 1)
            assert remote[0].origin == "a" and remote[0].body == SipCredentialsChanged(extensions=["1001"])
            assert local == []  # another node's fact, not for a local-only subscriber
            assert [e.origin for e in own] == [""]  # delivered once, at publish, not echoed back

            redis_server.kill()
            await until(lambda: not a.up and not b.up)
            a.publish(SipCredentialsChanged(extensions=["lost"]))  # nobody can hear it: dropped
            assert a.dropped >= 1
            redis_server.start()
            await until(lambda: a.up and b.up)
            assert a.reconnects == 1 and b.reconnects == 1
            # b resyncs its own consoles and hears a's resync: both nodes' consoles reload.
            await until(
                lambda: {e.data["node"] for e in remote if e.topic == BusResynced.TOPIC} == {"a", "b"}
            )
            assert not any(e.data.get("extensions") == ["lost"] for e in remote)

            a.publish(SipCredentialsChanged(extensions=["1002"]))
            await until(lambda: any(e.data.get("extensions") == ["1002"] for e in remote))
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())
