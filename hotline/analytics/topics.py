"""Analytics events (docs/events.md), published once the write committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("analytics.hotspot_detected")
@dataclass(frozen=True, slots=True, kw_only=True)
class HotspotDetected(BusEvent):
    """A new hotspot (热点) appeared: supervisors are alerted (the live console socket forwards it)."""

    id: int
    kind: str
    name: str
    orders: int
    district: str | None
    first_day: str
