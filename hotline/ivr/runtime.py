"""Building an IVR run's environment from the database: caller facts, business hours, queue load.

Shared by the simulator (CLI and API) and the live call center so both walk a flow the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd.hours import is_open
from hotline.acd.models import AcdQueue
from hotline.acd.service import hours_by_name
from hotline.calls.facts import caller_facts, open_work_orders
from hotline.ivr.flow import Flow, validate
from hotline.ivr.interpreter import CallerFacts, Environment
from hotline.ivr.service import draft, flow_by_name, published_definition
from hotline.ivr.simulate import Simulation, simulate
from hotline.store.base import utcnow


def environment(
    session: Session,
    number: str,
    at: datetime | None = None,
    queue_load: Callable[[str], int] | None = None,
    call_uuid: str | None = None,
) -> Environment:
    schedules = hours_by_name(session)
    facts = caller_facts(session, number, call_uuid=call_uuid) if number else CallerFacts(number="")
    wo = open_work_orders(session, facts.caller_id)

    def open_now(hours: str | None, when: datetime) -> bool:
        schedule = schedules.get(hours or "")
        return True if schedule is None else is_open(schedule, when)

    return Environment(
        caller=facts,
        now=at or utcnow(),
        is_open=open_now,
        queue_load=queue_load or (lambda queue: 0),
        open_work_orders=lambda caller: wo,
    )


def load_flow(session: Session, name: str, use_draft: bool = False) -> Flow:
    flow = flow_by_name(session, name)
    definition: dict[str, Any]
    row = draft(session, flow.id) if use_draft else None
    definition = dict(row.definition) if row is not None else published_definition(session, flow)
    return validate(definition)


def simulate_flow(
    session: Session,
    flow: Flow,
    digits: list[str],
    caller: str = "",
    at: datetime | None = None,
    queue_load: dict[str, int] | None = None,
) -> Simulation:
    loads = queue_load or {}
    env = environment(session, caller, at, lambda q: loads.get(q, 0))
    # Queue targets are named by their labels in the Chinese transcript (codes mean nothing there).
    labels = {name: label for name, label in session.execute(select(AcdQueue.name, AcdQueue.label))}
    return simulate(flow, env, digits, labels)
