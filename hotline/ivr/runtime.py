"""Building an IVR run's environment from the database: business hours, queue load, the caller.

Shared by the simulator (CLI and API) and the live call center so both walk a flow the same way.
Who the caller is (`CallerFacts`: care profile, repeat call, open work orders) is looked up by the
call center (`hotline.calls.facts`), which owns the call history, and handed in here.
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
from hotline.ivr.flow import Flow, validate
from hotline.ivr.interpreter import CallerFacts, Environment
from hotline.ivr.service import draft, flow_by_name, published_definition
from hotline.ivr.simulate import Simulation, simulate
from hotline.store.base import utcnow


def environment(
    session: Session,
    facts: CallerFacts,
    open_orders: int = 0,
    at: datetime | None = None,
    queue_load: Callable[[str], int] | None = None,
) -> Environment:
    """The run's environment for a caller already looked up (`facts`, with `open_orders` of theirs)."""
    schedules = hours_by_name(session)

    def open_now(hours: str | None, when: datetime) -> bool:
        schedule = schedules.get(hours or "")
        return True if schedule is None else is_open(schedule, when)

    return Environment(
        caller=facts,
        now=at or utcnow(),
        is_open=open_now,
        queue_load=queue_load or (lambda queue: 0),
        open_work_orders=lambda caller: open_orders,
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
    facts: CallerFacts,
    open_orders: int = 0,
    at: datetime | None = None,
    queue_load: dict[str, int] | None = None,
) -> Simulation:
    loads = queue_load or {}
    env = environment(session, facts, open_orders, at, lambda q: loads.get(q, 0))
    # Queue targets are named by their labels in the Chinese transcript (codes mean nothing there).
    labels = {name: label for name, label in session.execute(select(AcdQueue.name, AcdQueue.label))}
    return simulate(flow, env, digits, labels)
