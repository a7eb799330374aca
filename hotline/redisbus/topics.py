"""Events of the shared bus itself (see docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic

# `reason` of a new leader's resync: consoles reconnect (their socket may predate its call center).
LEADER_CHANGED = "leader_changed"


@topic("bus.resynced")
@dataclass(frozen=True, slots=True, kw_only=True)
class BusResynced(BusEvent):
    """A node's link to the shared bus came back after a break (`reconnected`): events published
    meanwhile may be lost, so every console (on that node and the others) reloads its whole state;
    or a node took the leader lease over (`leader_changed`): consoles reconnect to get its call
    center."""

    node: str
    reason: str
