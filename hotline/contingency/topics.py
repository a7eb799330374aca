"""Events of the emergency modes (see docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("contingency.mode_switched")
@dataclass(frozen=True, slots=True, kw_only=True)
class ModeSwitched(BusEvent):
    """A supervisor switched an emergency mode on (`on`) or off; running call centers reload the
    modes in force, wallboards show them."""

    mode_id: int
    kind: str
    reason: str
    on: bool
    ends_at: str  # ISO 8601, UTC


@topic("contingency.callback_collected")
@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackCollected(BusEvent):
    """A caller left a number while callback collection was on; the worklist has a new row."""

    callback_id: int
    mode_id: int | None
    call_id: str
    number: str


@topic("contingency.alert_raised")
@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRaised(BusEvent):
    """A fault the people on duty must hear of (the console shows it; SMS and mail follow)."""

    alert_id: int
    kind: str
    key: str
    text: str
