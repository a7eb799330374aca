"""Opinion monitoring's events (docs/events.md), published once the write committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("opinion.alert_raised")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpinionAlertRaised(BusEvent):
    """A story became high-risk: the people on duty are to look at it (one alert per story)."""

    alert_id: int
    group_id: int
    item_id: int
    risk: float
    title: str


@topic("opinion.incident_opened")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpinionIncidentOpened(BusEvent):
    """An opinion incident (舆情事件) was opened, from an alert or by hand."""

    incident_id: int
    title: str
    level: str


@topic("opinion.incident_moved")
@dataclass(frozen=True, slots=True, kw_only=True)
class OpinionIncidentMoved(BusEvent):
    """An incident took a step of its workflow (verified, reported, responded, closed)."""

    incident_id: int
    action: str
    state: str
