"""The screen pop: what the agent's console shows when a call rings them.

Caller identity, care profile, emergency contacts, the last calls from this number, the number of
open work orders (pluggable lookup) and the IVR path taken. Personal data is masked later, per
viewer, by the WebSocket layer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.calls.alerts import legs_list
from hotline.calls.facts import OpenWorkOrders, no_open_work_orders, open_work_orders
from hotline.calls.live import LiveCall
from hotline.calls.models import Call
from hotline.people.service import get_caller

LAST_CALLS = 5


def screen_pop(
    session: Session, live: LiveCall, open_orders: OpenWorkOrders = no_open_work_orders
) -> dict[str, Any]:
    facts = live.facts
    caller: dict[str, Any] | None = None
    if facts.caller_id is not None:
        row = get_caller(session, facts.caller_id)
        care = row.care_profile
        caller = {
            "id": row.id,
            "name": row.name,
            "district": row.district,
            "address": row.address,
            "care_profile": None
            if care is None
            else {
                "priority_level": care.priority_level,
                "living_alone": care.living_alone,
                "age": care.age,
                "disability_level": care.disability_level,
                "assistance_status": care.assistance_status,
                "health_notes": care.health_notes,
            },
            "emergency_contacts": [
                {"name": c.name, "relation": c.relation, "phone": c.phone} for c in row.emergency_contacts
            ],
        }
    last = session.scalars(
        select(Call)
        .where(Call.caller_number == live.caller_number, Call.uuid != live.uuid)
        .order_by(Call.started_at.desc())
        .limit(LAST_CALLS)
    )
    return {
        "call_id": live.uuid,
        "caller_number": live.caller_number,
        "queue": live.queue,
        "priority": live.priority,
        "callback": live.callback_number is not None,
        "caller": caller,
        "repeat": facts.repeat,
        "open_work_orders": open_work_orders(session, facts.caller_id, open_orders),
        "last_calls": [
            {
                "call_id": c.uuid,
                "started_at": c.started_at.isoformat(),
                "queue": c.queue,
                "agent_id": c.agent_id,
                "outcome": c.outcome,
            }
            for c in last
        ],
        "ivr_path": [step.get("node") for step in live.ivr_path],
        # an emergency fan-out in progress: the console shows a banner with each leg's state
        "emergency": bool(live.emergency_legs),
        "emergency_legs": legs_list(live.emergency_legs),
    }
