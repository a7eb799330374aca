"""The event bus across processes: `RedisBus`, the in-process bus extended over Redis pub/sub.

Several `hotline serve` nodes (or web processes) share one Redis: each node still delivers its own
events to its own subscribers at once (the in-process semantics every domain relies on), and also
publishes them, as JSON, on one Redis channel; each node delivers the events of the others to the
subscribers that asked for them (`subscribe(..., remote=True)`: consoles, configuration reloads).
A node never handles another node's facts about its calls or files by accident.

Redis pub/sub keeps nothing for a subscriber that is away, so a broken link loses events: the bus
reconnects by itself (back-off up to a second) and then publishes `bus.resynced`, on which every
console reloads its whole state (a snapshot) instead of trusting what it missed. Events published
while the link is down are dropped (counted), not queued: the resync replaces them.

`bus_for(settings)` picks the bus: `ha.bus_url` empty keeps the in-process default.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import socket
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from hotline.bus import Event, InProcessBus, get_bus
from hotline.config import Settings
from hotline.events import BusEvent, catalogue
from hotline.redisbus.topics import BusResynced

log = logging.getLogger(__name__)

# What a broken or refused Redis link raises (OSError: a refused connect before redis wraps it).
LINK_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)
MAX_BACKOFF = 1.0


def default_node() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def encode(event: Event, node: str) -> bytes:
    message = {"o": node, "t": event.topic, "d": event.data, "at": event.at.isoformat()}
    # default=str: a payload is JSON-able by contract; a stray date must not stop the bus.
    return json.dumps(message, ensure_ascii=False, default=str).encode()


def decode(raw: bytes | str, types: dict[str, type[BusEvent]]) -> Event:
    message = json.loads(raw)
    topic, data = str(message["t"]), dict(message["d"])
    return Event(
        topic,
        data,
        at=datetime.fromisoformat(message["at"]),
        body=rebuild(types.get(topic), data),
        origin=str(message["o"]),
    )


def rebuild(cls: type[BusEvent] | None, data: dict[str, Any]) -> BusEvent | None:
    """The typed event back from its payload (None for an unknown topic or a payload that does
    not fit: subscribers of remote events read `Event.data`, the body is a convenience)."""
    if cls is None:
        return None
    try:
        return cls(**{name: data[key] for name, key in cls.NAMES})
    except (KeyError, TypeError):
        return None


class RedisBus(InProcessBus):
    """`InProcessBus` plus one Redis channel shared by every node; `start()` on the loop that
    should run the link (the web server's), `stop()` at shutdown."""

    def __init__(self, url: str, *, channel: str = "hotline:events", node: str = "") -> None:
        super().__init__()
        self.url = url
        self.channel = channel
        self.node = node or default_node()
        self.sent = 0
        self.received = 0
        self.dropped = 0
        self.reconnects = 0
        self._types: dict[str, type[BusEvent]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._up = False
        self._ever_up = False
        self._connected: asyncio.Event | None = None
        self._wake: asyncio.Event | None = None
        self._outbox: collections.deque[bytes] = collections.deque(maxlen=10_000)
        self._link_tasks: list[asyncio.Task[None]] = []

    @property
    def up(self) -> bool:
        """The link is subscribed (events flow both ways)."""
        return self._up

    async def start(self, wait: float = 5.0) -> None:
        """Open the link; wait up to `wait` seconds for it (a node starts even without Redis,
        serving its own events, and joins once Redis answers)."""
        self._types = catalogue()
        self._loop = asyncio.get_running_loop()
        self._connected = asyncio.Event()
        self._wake = asyncio.Event()
        self._link_tasks = [asyncio.ensure_future(self._read()), asyncio.ensure_future(self._write())]
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), wait)
        if not self._up:
            log.warning("event bus: Redis at %s not reachable yet; retrying", self.url)

    async def stop(self) -> None:
        for task in self._link_tasks:
            task.cancel()
        await asyncio.gather(*self._link_tasks, return_exceptions=True)
        self._link_tasks = []
        self._up = False
        self._loop = None

    async def wait_up(self, timeout: float) -> bool:
        if self._connected is None:
            return False
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), timeout)
        return self._up

    # --- out ------------------------------------------------------------------------------------

    def publish(self, event: BusEvent) -> Event:
        envelope = super().publish(event)
        loop = self._loop
        if loop is None:
            return envelope  # not started (a script): this process only
        if not self._up:
            self.dropped += 1  # the resync after reconnecting stands for it
            return envelope
        self._outbox.append(encode(envelope, self.node))
        if asyncio.events._get_running_loop() is loop:
            self._kick()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed at shutdown
                loop.call_soon_threadsafe(self._kick)
        return envelope

    def _kick(self) -> None:
        if self._wake is not None:
            self._wake.set()

    async def _write(self) -> None:
        assert self._wake is not None
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1.0, socket_timeout=2.0)
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._outbox:
                    message = self._outbox[0]
                    try:
                        await client.publish(self.channel, message)
                    except LINK_ERRORS as exc:
                        # The reader notices the same break and resyncs; what is queued is stale.
                        log.warning("event bus: publish failed (%s), %d dropped", exc, len(self._outbox))
                        self.dropped += len(self._outbox)
                        self._outbox.clear()
                        break
                    self._outbox.popleft()
                    self.sent += 1
        finally:
            await client.aclose()

    # --- in -------------------------------------------------------------------------------------

    async def _read(self) -> None:
        assert self._connected is not None
        delay = 0.05
        while True:
            client = aioredis.Redis.from_url(self.url, socket_connect_timeout=1.0, health_check_interval=1)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self.channel)
                delay = 0.05
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    if message.get("type") == "message":
                        self._receive(message["data"])
                    elif message.get("type") == "subscribe":
                        # Also after redis-py's own silent reconnect: the confirmation is how we know.
                        self._subscribed()
            except LINK_ERRORS as exc:
                if self._up:
                    log.warning("event bus: lost Redis (%s); reconnecting", exc)
                self._up = False
                self._connected.clear()
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()
                with contextlib.suppress(Exception):
                    await client.aclose()
            await asyncio.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF)

    def _subscribed(self) -> None:
        assert self._connected is not None
        again = self._ever_up
        self._up = self._ever_up = True
        self._connected.set()
        if again:
            self.reconnects += 1
            log.warning("event bus: reconnected to Redis; consoles resync")
            bus = self  # named so: hotline/events/scan.py finds publish sites as `bus.publish`
            bus.publish(BusResynced(node=self.node, reason="reconnected"))

    def _receive(self, raw: bytes | str) -> None:
        try:
            event = decode(raw, self._types)
        except (ValueError, KeyError, TypeError):
            log.warning("event bus: unreadable message dropped")
            return
        if event.origin == self.node:
            return  # our own, delivered here when published
        self.received += 1
        self.dispatch(event)


def bus_for(settings: Settings) -> InProcessBus:
    """The bus `settings` ask for: Redis when `ha.bus_url` is set, else the process-wide default."""
    if settings.ha.bus_url:
        return RedisBus(settings.ha.bus_url, channel=settings.ha.bus_channel, node=settings.ha.node)
    return get_bus()


async def connect(bus: InProcessBus) -> None:
    """Start `bus`'s link if it has one (a no-op for the in-process bus)."""
    if isinstance(bus, RedisBus):
        await bus.start()


async def disconnect(bus: InProcessBus) -> None:
    if isinstance(bus, RedisBus):
        await bus.stop()
