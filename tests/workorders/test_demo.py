"""The demo loader drives orders through the real lifecycle into every state, and trains the
suggester, which then points a 低保 question at social assistance."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from hotline.demo import DEMO_ACTOR, load_people
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.workorders import assist, demo
from hotline.workorders.models import Category, WorkOrder


def test_demo_orders_cover_the_lifecycle(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(url)
    sqlite_db = Database(url)
    with sqlite_db.session() as s:
        load_people(s)
        demo.load(s, DEMO_ACTOR)
    with sqlite_db.session() as s:
        states = set(s.scalars(select(WorkOrder.state)))
        assert states >= {"draft", "accepted", "dispatched", "received", "returned", "replied"}
        assert states >= {"return_visit", "closed", "cancelled", "merged"}
        assert s.scalar(select(WorkOrder.id).where(WorkOrder.supervised)) is not None
        assert s.scalar(select(WorkOrder.id).where(WorkOrder.duplicate_of_id.is_not(None))) is not None
        top = assist.suggest(s, "低保金停发了怎么办", "category")
        assert top, "the classifier was trained"
        codes = {c.id: c.code for c in s.scalars(select(Category))}
        assert codes[top[0]["id"]].startswith("02")
    sqlite_db.dispose()
