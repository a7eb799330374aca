"""Driving a channel order through the department's answer and its closing, for reply tests."""

from __future__ import annotations

from hotline.people.models import Department
from hotline.store.db import Database
from hotline.workorders.lifecycle import act
from hotline.workorders.service import SYSTEM_WHO


def answer(db: Database, order_id: int, text: str = "您的低保申请已审核通过，下月起发放。") -> None:
    """accept → dispatch → receive → reply: the department's answer is on the order."""
    with db.session() as s:
        dept = Department(code=f"d{order_id}", name="民政局社会救助科")
        s.add(dept)
        s.flush()
        for action, params in (
            ("accept", {}),
            ("dispatch", {"department_id": dept.id}),
            ("receive", {}),
            ("reply", {"note": text}),
        ):
            act(s, SYSTEM_WHO, order_id, action, None, **params)


def close(db: Database, order_id: int) -> None:
    with db.session() as s:
        act(s, SYSTEM_WHO, order_id, "start_return_visit", None)
        act(s, SYSTEM_WHO, order_id, "close", None, satisfaction="satisfied")
