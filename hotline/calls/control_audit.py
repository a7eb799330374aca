"""The audit rows of call control, written in the request's transaction after the call center
did the action: transfers (to a queue or IVR node; numbers go through the dial plan's own
`dialplan.plan.audit`), supervisor listen/whisper/barge, forced hang-ups, emergency acknowledgements
and agent states set by a supervisor. A refused attempt to ring a number is audited in a
transaction of its own (`refused`), since the request's rolls back with the 403. What the call
center audits by itself, with no request to write it in (a callback checked against the dial
plan), is a journaled write (`by_center`) so a database outage keeps it like the call's records."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hotline.audit.service import SYSTEM, Actor, record
from hotline.calls.ops import durable
from hotline.dialplan.plan import Decision
from hotline.dialplan.plan import audit as audit_attempt
from hotline.store.db import Database


def dialled(
    session: Session, actor: Actor, action: str, decision: Decision, call_id: Any, **data: Any
) -> None:
    """An allowed attempt to ring a number (dial, consult, transfer, callback), the number masked."""
    audit_attempt(session, actor, action, decision, call_id, **data)


def refused(db: Database, actor: Actor, action: str, decision: Decision, call_id: Any, **data: Any) -> None:
    """A refused attempt, committed on its own (blocking: run it off the event loop)."""
    with db.session() as s:
        audit_attempt(s, actor, action, decision, call_id, **data)


@durable("calls.audit")
def by_center(
    session: Session, action: str, entity: str, entity_id: str | None, after: dict[str, Any]
) -> None:
    """An audit row the call center writes itself, through its call-record writer."""
    record(session, SYSTEM, action, entity, entity_id, None, after)


def transferred(session: Session, actor: Actor, call_id: Any, kind: str, target: str) -> None:
    """A blind transfer to a queue or an IVR node (no number to check)."""
    record(session, actor, "transfer", "call", call_id, None, {"kind": kind, "target": target})


def supervised(session: Session, actor: Actor, mode: str, call_id: Any, agent_id: int) -> None:
    record(session, actor, mode, "call", call_id, None, {"agent_id": agent_id})


def forced_hangup(session: Session, actor: Actor, call_id: str) -> None:
    record(session, actor, "hangup_force", "call", call_id)


def emergency_acknowledged(session: Session, actor: Actor, call_id: str) -> None:
    record(session, actor, "emergency_ack", "call", call_id)


def agent_state_set(session: Session, actor: Actor, agent_id: int, state: str, reason: str | None) -> None:
    record(session, actor, "set_state", "agent", agent_id, None, {"state": state, "reason": reason})
