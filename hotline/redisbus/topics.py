"""Events of the shared bus itself (see docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("bus.resynced")
@dataclass(frozen=True, slots=True, kw_only=True)
class BusResynced(BusEvent):
    """A node's link to the shared bus came back after a break: events published meanwhile may be
    lost, so every console (on that node and the others) reloads its whole state."""

    node: str
    reason: str
