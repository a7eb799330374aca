"""Emergency alerts as the supervisors' wallboard shows them: one per emergency call, with the state
of each leg of the fan-out (120, family contacts), kept until a supervisor acknowledges it.

The board listens to the call center's bus ("emergency.raised", "emergency.leg_changed",
"emergency.connected", "call.ended") so it needs no hook in the call flow, and it is part of the
live socket's snapshot: a wallboard reloaded mid-emergency shows the alert again. Acknowledging
publishes "emergency.acknowledged" so every wallboard clears it at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotline.bus import Bus, Event
from hotline.calls.topics import (
    EmergencyAcknowledged,
    EmergencyConnected,
    EmergencyEnded,
    EmergencyLegChanged,
    EmergencyRaised,
)
from hotline.errors import NotFound
from hotline.sip.topics import CallEnded


def legs_list(legs: dict[str, str]) -> list[dict[str, str]]:
    """Legs as [{number, status}]: numbers are values, so masking for viewers without pii.read works."""
    return [{"number": number, "status": status} for number, status in legs.items()]


class EmergencyBoard:
    def __init__(self, bus: Bus, clock: Callable[[], float]) -> None:
        self.bus = bus
        self.clock = clock
        self.alerts: dict[str, dict[str, Any]] = {}

    def subscribe(self) -> list[Callable[[], None]]:
        return [
            self.bus.subscribe(EmergencyRaised, self._on_alert),
            self.bus.subscribe(EmergencyLegChanged, self._on_leg),
            self.bus.subscribe(EmergencyConnected, self._on_connected),
            self.bus.subscribe(CallEnded, self._on_ended),
        ]

    def _on_alert(self, event: Event) -> None:
        d = event.data
        self.alerts[str(d["call_id"])] = {
            "call_id": d["call_id"],
            "caller": d.get("caller"),
            "caller_name": d.get("caller_name"),
            "legs": {str(x["number"]): str(x["status"]) for x in d.get("legs") or []},
            "connected": None,
            "ended": False,
            "since": self.clock(),
        }

    def _on_leg(self, event: Event) -> None:
        alert = self.alerts.get(str(event.data.get("call_id")))
        if alert is not None:
            alert["legs"][str(event.data["number"])] = event.data["status"]

    def _on_connected(self, event: Event) -> None:
        alert = self.alerts.get(str(event.data.get("call_id")))
        if alert is not None:
            alert["connected"] = event.data.get("number")

    def _on_ended(self, event: Event) -> None:
        alert = self.alerts.get(str(event.data.get("call_id")))
        if alert is not None and not alert["ended"]:
            alert["ended"] = True
            self.bus.publish(EmergencyEnded(call_id=alert["call_id"]))

    def view(self) -> list[dict[str, Any]]:
        now = self.clock()
        return [
            {**a, "legs": legs_list(a["legs"]), "age": round(now - a["since"], 1)}
            for a in self.alerts.values()
        ]

    def acknowledge(self, call_id: str, by: str) -> dict[str, Any]:
        alert = self.alerts.pop(call_id, None)
        if alert is None:
            raise NotFound(f"no emergency alert for call {call_id}", "该紧急告警不存在或已确认")
        self.bus.publish(EmergencyAcknowledged(call_id=call_id, by=by))
        return {"call_id": call_id, "acknowledged_by": by}
