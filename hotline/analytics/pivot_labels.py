"""Readable Chinese labels of a pivot's dimension values (a category's path, a department's,
queue's or agent's name, 调休上班 for a day type), for the builder's table and its Excel export:
codes never reach a spreadsheet. Rollup keys use 0 / "" for none, labelled 未分类, 未派单 etc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.acd.models import AcdQueue
from hotline.analytics.daytypes import DAY_TYPE_ZH
from hotline.people.models import User
from hotline.workorders.labels import CHANNEL_ZH, category_paths, department_names
from hotline.workorders.states import STATE_ZH, State

WEEKDAY_ZH = {1: "星期一", 2: "星期二", 3: "星期三", 4: "星期四", 5: "星期五", 6: "星期六", 7: "星期日"}
STATES = {s.value: s for s in State}


def _state(v: Any) -> str:
    state = STATES.get(v)
    return STATE_ZH.get(state, str(v)) if state is not None else str(v)


def labeller(session: Session, dimension: str) -> Callable[[Any], str]:
    """value -> label for one dimension (names read once per pivot)."""
    if dimension == "category":
        names = category_paths(session)
        return lambda v: names.get(v, "未分类" if not v else str(v))
    if dimension == "department":
        deps = department_names(session)
        return lambda v: deps.get(v, "未派单" if not v else str(v))
    if dimension == "queue":
        queues = {n: label for n, label in session.execute(select(AcdQueue.name, AcdQueue.label))}
        return lambda v: queues.get(v, v or "无队列")
    if dimension == "agent":
        users = {i: n for i, n in session.execute(select(User.id, User.display_name))}
        return lambda v: "无座席" if not v else users.get(v, f"座席 {v}")
    if dimension == "state":
        return _state
    if dimension == "channel":
        return lambda v: CHANNEL_ZH.get(v, v)
    if dimension == "day_type":
        return lambda v: next((zh for t, zh in DAY_TYPE_ZH.items() if t.value == v), str(v))
    if dimension == "district":
        return lambda v: v or "未填区县"
    if dimension == "hour":
        return lambda v: f"{int(v):02d}:00"
    if dimension == "half_hour":
        return lambda v: f"{int(v) // 2:02d}:{30 * (int(v) % 2):02d}"
    if dimension == "weekday":
        return lambda v: WEEKDAY_ZH.get(v, str(v))
    if dimension == "week":
        return lambda v: f"{str(v)[:4]}年第{int(str(v)[6:])}周"
    if dimension == "month":
        return lambda v: f"{str(v)[:4]}年{int(str(v)[5:7])}月"
    return str
