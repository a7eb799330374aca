"""What the IVR and the screen pop know about a caller, looked up once per call by phone number,
and the IVR environment built on it (`environment`, `simulate`: the simulator walks a flow for a
caller number exactly as a live call would).

Open work orders come from a lookup the caller passes (`OpenWorkOrders`: the call center's
`open_work_orders`, which the work-orders plug-in sets, and the same for the web simulator through
`calls.plugin.OPEN_WORK_ORDERS`), so this package does not reach into another domain's tables.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.calls.models import Call
from hotline.ivr import runtime
from hotline.ivr.flow import Flow
from hotline.ivr.interpreter import CallerFacts, Environment
from hotline.ivr.simulate import Simulation
from hotline.people.service import lookup_by_phone
from hotline.store.base import utcnow

REPEAT_WINDOW_HOURS = 24
OpenWorkOrders = Callable[[Session, int], int]  # (session, caller id) -> open orders


def no_open_work_orders(session: Session, caller_id: int) -> int:
    """Without the work-orders domain in the process, a caller has none."""
    return 0


def open_work_orders(
    session: Session, caller_id: int | None, lookup: OpenWorkOrders = no_open_work_orders
) -> int:
    if caller_id is None:
        return 0
    try:
        return lookup(session, caller_id)
    except Exception:  # a failing lookup must never stop a call
        return 0


def caller_facts(
    session: Session, number: str, repeat_hours: float = REPEAT_WINDOW_HOURS, call_uuid: str | None = None
) -> CallerFacts:
    """What the IVR knows of the caller; `call_uuid` is the call being routed (its own CDR may
    already be written, and is no earlier call)."""
    facts = CallerFacts(number=number)
    callers = lookup_by_phone(session, number)
    if callers:
        caller = callers[0]
        facts.caller_id = caller.id
        facts.name = caller.name
        if caller.care_profile is not None:
            facts.care_level = caller.care_profile.priority_level
        facts.emergency_contacts = [c.phone for c in caller.emergency_contacts]
    since = utcnow() - timedelta(hours=repeat_hours)
    query = select(func.count(Call.id)).where(Call.caller_number == number, Call.started_at >= since)
    if call_uuid is not None:
        query = query.where(Call.uuid != call_uuid)
    recent = session.scalar(query)
    facts.repeat = bool(recent)
    return facts


def environment(
    session: Session,
    number: str,
    at: datetime | None = None,
    queue_load: Callable[[str], int] | None = None,
    call_uuid: str | None = None,
    open_orders: OpenWorkOrders = no_open_work_orders,
) -> Environment:
    """The IVR environment for a call from `number` (no number: an unknown caller)."""
    facts = caller_facts(session, number, call_uuid=call_uuid) if number else CallerFacts(number="")
    orders = open_work_orders(session, facts.caller_id, open_orders)
    return runtime.environment(session, facts, orders, at, queue_load)


def simulate(
    session: Session,
    flow: Flow,
    digits: list[str],
    number: str = "",
    at: datetime | None = None,
    queue_load: dict[str, int] | None = None,
    open_orders: OpenWorkOrders = no_open_work_orders,
) -> Simulation:
    """Walk `flow` with `digits` for a caller from `number`, as a live call would (the simulator)."""
    facts = caller_facts(session, number) if number else CallerFacts(number="")
    orders = open_work_orders(session, facts.caller_id, open_orders)
    return runtime.simulate_flow(session, flow, digits, facts, orders, at, queue_load)
