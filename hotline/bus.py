"""The event bus: how the parts tell each other what happened.

Domains publish facts (`CallEnded`, `AgentStateChanged`, `WorkOrderDispatched`: the typed events of
the catalogue, `hotline.events`, documented in docs/events.md) and others react, so no domain
reaches into another's tables. A subscriber gets an `Event`: the topic, the event's payload dict
and the typed event itself. `InProcessBus` is the embedded default: subscribers get events in
publish order on the asyncio loop they subscribed from, whichever thread publishes (a request's
worker thread, the call-record writer, the mailbox): the bus makes that hop, once per event and
loop, so no subscriber has to. `hotline.redisbus.RedisBus` extends it across processes: each node
delivers its own events as here and also hears the other nodes' events, which reach only the
subscribers that asked for them (`subscribe(..., remote=True)`: consoles, configuration reloads),
so a fact about one node's calls or files is never handled twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from hotline.events import BusEvent, catalogue
from hotline.store.db import after_commit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """One fact as subscribers get it: a dotted topic ("call.ended"), its JSON-able payload and
    the typed event it came from."""

    topic: str
    data: dict[str, Any] = field(default_factory=dict)
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    body: BusEvent | None = None
    # The node that published it when it came from another process (`hotline.redisbus`); "" here.
    origin: str = ""


Handler = Callable[[Event], Awaitable[None] | None]
Pattern = str | type[BusEvent]


def pattern_of(what: Pattern) -> str:
    """A subscription's fnmatch pattern: an event type stands for its topic."""
    return what if isinstance(what, str) else what.TOPIC


class Bus(Protocol):
    def publish(self, event: BusEvent) -> Event: ...

    def subscribe(
        self, pattern: Pattern, handler: Handler, *, remote: bool = False
    ) -> Callable[[], None]: ...

    def queue(
        self, pattern: Pattern = "*", maxsize: int = 10_000, *, remote: bool = False
    ) -> Subscription: ...


# The running loop of this thread, or None (asyncio's own fast accessor: no exception raised).
_running_loop = asyncio.events._get_running_loop


class Subscription:
    """An asyncio queue of events matching a pattern; close it when done."""

    def __init__(self, bus: InProcessBus, pattern: str, maxsize: int, remote: bool = False) -> None:
        self.pattern = pattern
        self.remote = remote
        self.loop = _running_loop()
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
    """Topic-pattern publish/subscribe (fnmatch patterns: "call.*") delivering on subscribers' loops.

    A handler subscribed on a running loop is called on that loop: directly when the publisher
    is on it (so it has run when `publish` returns, as before), otherwise through one
    `call_soon_threadsafe` per event and loop, which keeps publish order. A handler subscribed
    outside any loop (a script, a synchronous test) is called in the publisher's thread.
    """

    def __init__(self) -> None:
        self._handlers: list[tuple[str, Handler, asyncio.AbstractEventLoop | None, bool]] = []
        self._queues: set[Subscription] = set()
        self._tasks: set[asyncio.Future[None]] = set()

    def publish(self, event: BusEvent) -> Event:
        envelope = Event(event.TOPIC, event.payload(), body=event)
        self.dispatch(envelope)
        return envelope

    def dispatch(self, envelope: Event) -> None:
        """Deliver `envelope` to this process's matching subscribers (an event from another node,
        `envelope.origin` set, only to those subscribed with `remote=True`)."""
        here = _running_loop()
        elsewhere: dict[asyncio.AbstractEventLoop, list[Handler | Subscription]] | None = None
        topic = envelope.topic
        foreign = bool(envelope.origin)
        for pattern, handler, loop, remote in list(self._handlers):
            if foreign and not remote:
                continue
            if fnmatch.fnmatchcase(topic, pattern):
                if loop is None or loop is here:
                    self._call(handler, envelope)
                else:
                    elsewhere = elsewhere or {}
                    elsewhere.setdefault(loop, []).append(handler)
        for sub in list(self._queues):
            if foreign and not sub.remote:
                continue
            if fnmatch.fnmatchcase(topic, sub.pattern):
                if sub.loop is None or sub.loop is here:
                    sub.offer(envelope)
                else:
                    elsewhere = elsewhere or {}
                    elsewhere.setdefault(sub.loop, []).append(sub)
        for loop, targets in (elsewhere or {}).items():
            # A loop that already closed (its part stopped without unsubscribing) hears nothing.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._deliver, targets, envelope)

    def _deliver(self, targets: list[Handler | Subscription], event: Event) -> None:
        for target in targets:
            if isinstance(target, Subscription):
                target.offer(event)
            else:
                self._call(target, event)

    def _call(self, handler: Handler, event: Event) -> None:
        try:
            result = handler(event)
            if asyncio.iscoroutine(result):
                # Keep a reference: the loop holds tasks only weakly.
                task = asyncio.ensure_future(result)
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        except Exception:
            log.exception("bus handler failed for %s", event.topic)

    def subscribe(self, pattern: Pattern, handler: Handler, *, remote: bool = False) -> Callable[[], None]:
        """Call `handler` for each event whose topic matches (an event type, or a pattern);
        `remote=True` adds the events other nodes publish (a shared bus, `hotline.redisbus`)."""
        if isinstance(pattern, str) and not any(c in pattern for c in "*?[") and pattern not in catalogue():
            # A plug-in outside hotline/ (which tests/events does not scan) naming a topic that
            # does not exist, or no longer does, would otherwise wait in silence.
            log.warning("subscribed to %r, which no catalogued event has (see docs/events.md)", pattern)
        entry = (pattern_of(pattern), handler, _running_loop(), remote)
        self._handlers.append(entry)

        def unsubscribe() -> None:
            if entry in self._handlers:
                self._handlers.remove(entry)

        return unsubscribe

    def queue(self, pattern: Pattern = "*", maxsize: int = 10_000, *, remote: bool = False) -> Subscription:
        sub = Subscription(self, pattern_of(pattern), maxsize, remote)
        self._queues.add(sub)
        return sub


_default: InProcessBus | None = None


def get_bus() -> InProcessBus:
    """The process-wide bus (created on first use)."""
    global _default
    if _default is None:
        _default = InProcessBus()
    return _default


def publish_on_commit(session: Session, event: BusEvent, bus: Bus | None = None) -> None:
    """Publish `event` once `session`'s outermost transaction commits (in the order queued); never
    if it, or the savepoint the event was queued in, rolls back. How every write announces itself.
    The bus: `bus`, else the one the session's database was given by the plug-in host
    (`session.info["bus"]`), else the process-wide default (scripts and tests without a host)."""
    target = bus if bus is not None else session.info.get("bus")
    if target is None:  # not `or`: a bus without subscribers may be falsy (a test's list of events)
        target = get_bus()
    after_commit(session, lambda: target.publish(event))
