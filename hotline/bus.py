"""The event bus: how the parts tell each other what happened.

Domains publish facts ("call.ringing", "agent.state", "workorder.dispatched") and others react,
so no domain reaches into another's tables. `InProcessBus` is the embedded default: subscribers
get events on the asyncio loop in publish order. A Redis implementation can replace it at scale
behind the same `Bus` protocol.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One fact: a dotted topic ("call.answered") and a JSON-able payload."""

    topic: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))


Handler = Callable[[Event], Awaitable[None] | None]


class Bus(Protocol):
    def publish(self, topic: str, data: dict[str, Any] | None = None) -> Event: ...

    def subscribe(self, pattern: str, handler: Handler) -> Callable[[], None]: ...

    def queue(self, pattern: str = "*", maxsize: int = 10_000) -> Subscription: ...


class Subscription:
    """An asyncio queue of events matching a pattern; close it when done."""

    def __init__(self, bus: InProcessBus, pattern: str, maxsize: int) -> None:
        self.pattern = pattern
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.dropped = 0
        self._bus = bus

    def offer(self, event: Event) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # A slow consumer (a stalled browser) must never block the telephony loop.
            self.dropped += 1

    async def get(self, timeout: float | None = None) -> Event:
        return await asyncio.wait_for(self.queue.get(), timeout)

    def close(self) -> None:
        self._bus._queues.discard(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class InProcessBus:
    """Topic-pattern publish/subscribe on one asyncio loop (fnmatch patterns: "call.*")."""

    def __init__(self) -> None:
        self._handlers: list[tuple[str, Handler]] = []
        self._queues: set[Subscription] = set()
        self._tasks: set[asyncio.Future[None]] = set()

    def publish(self, topic: str, data: dict[str, Any] | None = None) -> Event:
        event = Event(topic, data or {})
        for pattern, handler in list(self._handlers):
            if fnmatch.fnmatchcase(topic, pattern):
                try:
                    result = handler(event)
                    if asyncio.iscoroutine(result):
                        # Keep a reference: the loop holds tasks only weakly.
                        task = asyncio.ensure_future(result)
                        self._tasks.add(task)
                        task.add_done_callback(self._tasks.discard)
                except Exception:
                    log.exception("bus handler failed for %s", topic)
        for sub in list(self._queues):
            if fnmatch.fnmatchcase(topic, sub.pattern):
                sub.offer(event)
        return event

    def subscribe(self, pattern: str, handler: Handler) -> Callable[[], None]:
        entry = (pattern, handler)
        self._handlers.append(entry)

        def unsubscribe() -> None:
            if entry in self._handlers:
                self._handlers.remove(entry)

        return unsubscribe

    def queue(self, pattern: str = "*", maxsize: int = 10_000) -> Subscription:
        sub = Subscription(self, pattern, maxsize)
        self._queues.add(sub)
        return sub


_default: InProcessBus | None = None


def get_bus() -> InProcessBus:
    """The process-wide bus (created on first use)."""
    global _default
    if _default is None:
        _default = InProcessBus()
    return _default
