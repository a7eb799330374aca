"""The opinion incident's workflow as a transition table, and each step's deadline.

found → verify → verified → report → reported → respond → responded → close → closed; a false
alarm is `dismiss`ed to closed from found or verified (with a note). Each state's clock: a found
incident is verified within 2 hours, reported (to the bureau's leadership) within 4, answered in
public within 24 (6 for a major one), and closed within 72 once answered.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from hotline.statetable import StateTable


class IncidentState(StrEnum):
    found = "found"
    verified = "verified"
    reported = "reported"
    responded = "responded"
    closed = "closed"


class IncidentAction(StrEnum):
    verify = "verify"
    report = "report"
    respond = "respond"
    close = "close"
    dismiss = "dismiss"


S, A = IncidentState, IncidentAction
TABLE: StateTable[IncidentState, IncidentAction] = StateTable(
    "opinion incident",
    {
        (S.found, A.verify): S.verified,
        (S.found, A.dismiss): S.closed,
        (S.verified, A.report): S.reported,
        (S.verified, A.dismiss): S.closed,
        (S.reported, A.respond): S.responded,
        (S.responded, A.close): S.closed,
    },
    what_zh="舆情事件",
)

LABELS_ZH = {
    S.found: "已发现",
    S.verified: "已核实",
    S.reported: "已上报",
    S.responded: "已回应",
    S.closed: "已办结",
}


def deadline(state: IncidentState, level: str) -> timedelta | None:
    """How long the incident may stay in `state` (None: closed, no clock)."""
    if state is S.reported:
        return timedelta(hours=6 if level == "major" else 24)
    return {
        S.found: timedelta(hours=2),
        S.verified: timedelta(hours=4),
        S.responded: timedelta(hours=72),
    }.get(state)
