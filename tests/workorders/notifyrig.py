"""Helpers for the mail/SMS notification tests: handlers with preferences, a dispatched order, and
an aiosmtpd server standing in for the mail relay."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from aiosmtpd.controller import Controller

from hotline.audit.service import Actor
from hotline.people.models import User
from hotline.people.permissions import Role
from hotline.people.schemas import UserIn
from hotline.people.service import create_user
from hotline.store.db import Database
from hotline.workorders import notify_prefs
from hotline.workorders.lifecycle import act
from hotline.workorders.service import SYSTEM_WHO, NewOrder, create
from tests.channels.mailrig import Relay
from tests.pg import free_port

ADMIN = Actor(None, "test-admin")
URL = "https://hotline.example.gov.cn"


def user(db: Database, name: str, role: Role = Role.department_handler, department_id: int | None = 1) -> int:
    with db.session() as s:
        u = create_user(
            s,
            ADMIN,
            UserIn(
                username=name,
                display_name=name,
                password=f"password-{name}",
                role=role,
                department_id=department_id if role is Role.department_handler else None,
            ),
        )
        return u.id


def prefs(db: Database, user_id: int, **kw: object) -> None:
    with db.session() as s:
        u = s.get(User, user_id)
        assert u is not None
        notify_prefs.put(s, ADMIN, u, notify_prefs.NotifyPrefsIn(**kw))  # type: ignore[arg-type]


def dispatched(
    db: Database, department_id: int = 1, title: str = "独居老人申请助餐服务", now: datetime | None = None
) -> tuple[int, str]:
    """A new order accepted and dispatched to the department: (id, number)."""
    with db.session() as s:
        order = create(
            s,
            SYSTEM_WHO,
            NewOrder(
                type="help_request",
                title=title,
                content="市民王某（13912345678）反映独居老人吃饭难，希望申请社区助餐服务。",
                contact_name="王某",
                contact_phone="13912345678",
            ),
            now,
        )
        act(s, SYSTEM_WHO, order.id, "dispatch", None, now=now, department_id=department_id)
        return order.id, order.number


@contextmanager
def relay() -> Iterator[tuple[Relay, int]]:
    r = Relay()
    ctl = Controller(r, hostname="127.0.0.1", port=free_port())
    ctl.start()
    try:
        yield r, ctl.port
    finally:
        ctl.stop()
