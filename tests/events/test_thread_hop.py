"""Subscribers run on the loop they subscribed from: the bus makes the thread hop, once per event
and loop, whichever thread publishes (a request's worker, the call-record writer, the mailbox)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from hotline.bus import Event, InProcessBus
from hotline.calls.topics import CdrWritten


def test_worker_thread_events_reach_loop_subscribers_on_the_loop_in_order() -> None:
    bus = InProcessBus()
    calls: list[tuple[str, int, str]] = []

    async def main() -> tuple[int, list[str], int]:
        loop = asyncio.get_running_loop()
        hops = 0
        real = loop.call_soon_threadsafe

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal hops
            hops += args[0] == bus._deliver  # not asyncio.to_thread's own wake-up
            return real(*args, **kwargs)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]
        bus.subscribe(CdrWritten, lambda e: calls.append(("first", threading.get_ident(), e.data["call_id"])))
        bus.subscribe("cdr.*", lambda e: calls.append(("second", threading.get_ident(), e.data["call_id"])))
        queue = bus.queue(CdrWritten)

        def writer() -> None:  # as the call-record writer's thread does
            for i in range(20):
                bus.publish(CdrWritten(call_id=f"c{i}", outcome="answered"))

        await asyncio.to_thread(writer)
        await asyncio.sleep(0.05)
        queued = [queue.queue.get_nowait().data["call_id"] for _ in range(queue.queue.qsize())]
        return threading.get_ident(), queued, hops

    loop_thread, queued, hops = asyncio.run(main())
    assert hops == 20  # one hop per event for both handlers and the queue on that loop
    assert {thread for _, thread, _ in calls} == {loop_thread}
    ids = [f"c{i}" for i in range(20)]
    assert [c for who, _, c in calls if who == "first"] == ids
    assert [c for who, _, c in calls if who == "second"] == ids
    assert queued == ids
    # both handlers see each event before the next one is delivered (publish order kept)
    assert [c for _, _, c in calls] == [c for c in ids for _ in (0, 1)]


def test_on_the_loop_delivery_is_immediate_and_outside_a_loop_stays_in_the_thread() -> None:
    bus = InProcessBus()
    outside: list[int] = []
    bus.subscribe(CdrWritten, lambda e: outside.append(threading.get_ident()))  # no loop: a script

    async def main() -> list[str]:
        seen: list[str] = []
        bus.subscribe(CdrWritten, lambda e: seen.append(e.data["call_id"]))
        bus.publish(CdrWritten(call_id="now", outcome="answered"))
        return list(seen)  # already there when publish returned, as before the bus hopped

    assert asyncio.run(main()) == ["now"]
    thread = threading.Thread(target=lambda: bus.publish(CdrWritten(call_id="t", outcome="x")))
    thread.start()
    thread.join()
    assert outside == [threading.get_ident(), thread.ident]


def test_a_closed_loop_hears_nothing_and_breaks_nothing() -> None:
    bus = InProcessBus()
    seen: list[Event] = []

    async def subscribe() -> None:
        bus.subscribe(CdrWritten, seen.append)

    asyncio.run(subscribe())  # that loop is closed now; its part never unsubscribed
    event = bus.publish(CdrWritten(call_id="late", outcome="answered"))
    assert event.topic == "cdr.written" and seen == []


def test_subscribing_to_a_topic_nobody_publishes_is_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    bus = InProcessBus()
    bus.subscribe("leg.hangup", lambda e: None)  # the name before the catalogue: now leg.ended
    bus.subscribe("leg.ended", lambda e: None)
    bus.subscribe("leg.*", lambda e: None)
    assert [r.getMessage() for r in caplog.records if r.name == "hotline.bus"] == [
        "subscribed to 'leg.hangup', which no catalogued event has (see docs/events.md)"
    ]
