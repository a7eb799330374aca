"""The event catalogue: every bus topic as one typed, frozen dataclass, registered by its topic.

Each domain declares its events in its own `topics.py` (`hotline/sip/topics.py`, ...) with
`@topic("call.ended")`; `catalogue()` imports them all, so adding a domain touches no central list.
Topics follow one rule, checked at registration: `<domain>.<what_happened>`, lower case, told in
the past tense (`workorder.dispatched`, `agent.state_changed`, `workorder.resolved_on_call`).

Why frozen dataclasses and not pydantic models: events are built by our own code (never parsed
from outside), many of them on the telephony loop's hot path (each leg's ringing, answer and
hang-up), so validation would only cost time; frozen (and slotted) instances are immutable facts
that are cheap to build, and `payload()` is the JSON-able dict subscribers and consoles receive.

`hotline.bus.publish_on_commit(session, event)` is how a database write announces itself: the event is
published once the session's outermost transaction commits, in the order it was queued, never if
that transaction (or the savepoint it was queued in) rolls back.
"""

from __future__ import annotations

import dataclasses
import importlib
import operator
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

# Past participles that do not end in -ed (kept short on purpose: prefer a regular verb).
IRREGULAR = {"held", "sent", "written", "lost", "begun", "done", "taken", "given"}
TOPIC_RULE = re.compile(r"[a-z]+\.[a-z][a-z_]*[a-z]")


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class BusEvent:
    """Base of every catalogued event; `TOPIC` is set by `@topic`."""

    TOPIC: ClassVar[str] = ""
    # Field name -> payload key, where the wire name is not a Python identifier ("from").
    KEYS: ClassVar[dict[str, str]] = {}
    # (field, payload key) pairs and a getter of all fields, computed once by `@topic` (payloads
    # are built on the telephony hot path).
    NAMES: ClassVar[tuple[tuple[str, str], ...]] = ()
    _KEYS: ClassVar[tuple[str, ...]] = ()
    _GET: ClassVar[Callable[[Any], tuple[Any, ...]]] = staticmethod(lambda _: ())

    def payload(self) -> dict[str, Any]:
        """The JSON-able dict subscribers read as `Event.data` (and consoles as `data`)."""
        return dict(zip(self._KEYS, type(self)._GET(self)))  # noqa: B905 (same length by construction)


def payload_names(cls: type[BusEvent]) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, cls.KEYS.get(f.name, f.name)) for f in dataclasses.fields(cls))


E = TypeVar("E", bound=type[BusEvent])
_CATALOGUE: dict[str, type[BusEvent]] = {}


def check_topic(name: str) -> None:
    """One naming rule for every topic: `domain.what_happened`, told with a past participle."""
    if not TOPIC_RULE.fullmatch(name):
        raise ValueError(f"topic {name!r} is not 'domain.what_happened' in lower case")
    words = name.split(".", 1)[1].split("_")
    if not any(w.endswith("ed") or w in IRREGULAR for w in words):
        raise ValueError(f"topic {name!r} says no past participle (e.g. 'call.ended')")


def topic(name: str, *, catalogued: bool = True) -> Callable[[E], E]:
    """Class decorator: register an event type under its topic (one type per topic).

    `catalogued=False` makes a publishable type that stays out of the catalogue (and its naming
    rule): for tests' own toy events only."""
    if catalogued:
        check_topic(name)

    def register(cls: E) -> E:
        existing = _CATALOGUE.get(name)
        if catalogued and existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"topic {name!r} is already {existing.__module__}.{existing.__qualname__}")
        cls.TOPIC = name
        cls.NAMES = payload_names(cls)
        cls._KEYS = tuple(key for _, key in cls.NAMES)
        fields = [field for field, _ in cls.NAMES]
        # attrgetter of one name returns the value itself, not a 1-tuple.
        getter = operator.attrgetter(*fields) if len(fields) > 1 else None
        cls._GET = staticmethod(
            getter if getter is not None else (lambda e: (getattr(e, fields[0]),) if fields else ())
        )
        if catalogued:
            _CATALOGUE[name] = cls
        return cls

    return register


def catalogue() -> dict[str, type[BusEvent]]:
    """Every topic -> its event type, with every domain's `topics.py` imported (sorted by topic)."""
    import hotline

    for root in hotline.__path__:
        # Only packages that have a topics.py: importing the others would load them for nothing.
        for path in sorted(Path(root).glob("*/topics.py")):
            importlib.import_module(f"hotline.{path.parent.name}.topics")
    return dict(sorted(_CATALOGUE.items()))
