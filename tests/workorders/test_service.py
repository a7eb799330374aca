"""Service behaviour on both databases: the full loop, numbers under concurrency, optimistic
locking, deadlines on the working-day calendar, the sweep, search and duplicate flags."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from hotline.errors import Conflict
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.workorders import search
from hotline.workorders.calendar import LOCAL, WorkCalendar
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.lifecycle import act, record_return_visit
from hotline.workorders.models import Notification, ReturnVisit, WorkOrder, WorkOrderEvent
from hotline.workorders.numbers import next_number
from hotline.workorders.queries import Filters, build
from hotline.workorders.service import SYSTEM_WHO, get_order, update
from tests.workorders.helpers import new_order, who


def test_full_loop_with_return_visit_and_reopen(db: Database) -> None:
    with db.session() as s:
        o = new_order(s, "独居老人申请助餐服务，社区食堂太远")
        assert o.state == "accepted" and o.number.startswith("GD")
        agent, dept, sup = who("agent"), who("department_handler"), who("supervisor")
        o = act(s, agent, o.id, "dispatch", o.version, department_id=1)
        assert o.due_at == o.receive_due_at
        o = act(s, dept, o.id, "receive", o.version)
        assert o.due_at == o.reply_due_at
        o = act(s, dept, o.id, "request_extension", o.version, days=3, note="需上门核实")
        old = o.reply_due_at
        o = act(s, sup, o.id, "approve_extension", o.version)
        assert o.reply_due_at is not None and old is not None and o.reply_due_at > old
        o = act(s, dept, o.id, "reply", o.version, note="已安排送餐上门")
        assert s.scalar(select(func.count()).select_from(ReturnVisit)) == 1
        o = record_return_visit(s, agent, o.id, o.version, "unsatisfied", note="送餐不准时")
        assert o.state == "dispatched" and o.department_id == 1
        o = act(s, dept, o.id, "receive", o.version)
        o = act(s, dept, o.id, "reply", o.version, note="已更换送餐员")
        o = record_return_visit(s, agent, o.id, o.version, "satisfied")
        assert o.state == "closed" and o.satisfaction == "satisfied"
        steps = s.scalars(
            select(WorkOrderEvent.action)
            .where(WorkOrderEvent.workorder_id == o.id)
            .order_by(WorkOrderEvent.id)
        ).all()
        assert steps[:3] == ["create", "accept", "dispatch"] and steps[-1] == "close"


def test_department_sees_only_its_orders(db: Database) -> None:
    from hotline.errors import NotFound

    with db.session() as s:
        o = new_order(s)
        o = act(s, who("agent"), o.id, "dispatch", o.version, department_id=2)
        with pytest.raises(NotFound):
            act(s, who("department_handler"), o.id, "receive", o.version)
        # A handler without a department sees nothing, not the department-less drafts.
        draft = new_order(s, "尚未派单的工单")
        nobody = who("department_handler", department_id=None)
        with pytest.raises(NotFound):
            get_order(s, nobody, draft.id)
        q = build(s, nobody, Filters(), utcnow())
        assert s.scalars(q.stmt).all() == []


def test_numbers_are_unique_under_concurrency(db: Database) -> None:
    now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    got: list[str] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                with db.session() as s:
                    got.append(next_number(s, now))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(got) == [f"GD20261124-{i:04d}" for i in range(1, 61)]


def test_stale_version_is_409(db: Database) -> None:
    with db.session() as s:
        o = new_order(s)
        oid, v = o.id, o.version
    with db.session() as s:
        update(s, SYSTEM_WHO, oid, v, {"title": "第一次修改"})
    with db.session() as s, pytest.raises(Conflict) as exc:
        update(s, SYSTEM_WHO, oid, v, {"title": "过期的修改"})
    assert exc.value.status == 409 and "version" in exc.value.detail


def test_sweep_warns_supervises_escalates_once(db: Database) -> None:
    with db.session() as s:
        o = new_order(s)
        o = act(s, who("agent"), o.id, "dispatch", o.version, department_id=1)
        assert o.warn_at and o.due_at and o.escalate_at
        warn, due, esc = o.warn_at, o.due_at, o.escalate_at
        oid = o.id
    with db.session() as s:
        assert sweep_deadlines(s, warn - timedelta(seconds=1)) == {
            "warning": 0,
            "supervision": 0,
            "escalation": 0,
        }
        assert sweep_deadlines(s, warn)["warning"] == 1
        assert sweep_deadlines(s, due + timedelta(seconds=1))["supervision"] == 1
        assert sweep_deadlines(s, due + timedelta(seconds=2))["supervision"] == 0
        assert sweep_deadlines(s, esc + timedelta(seconds=1))["escalation"] == 1
    with db.session() as s:
        kinds = s.scalars(select(Notification.kind).where(Notification.workorder_id == oid)).all()
        assert sorted(kinds) == ["dispatch", "escalation", "supervision", "warning"]
        row = s.get(WorkOrder, oid)
        assert row is not None and row.supervised and row.alert_level == 3
        events = s.scalars(
            select(WorkOrderEvent).where(WorkOrderEvent.workorder_id == oid).order_by(WorkOrderEvent.id)
        ).all()
        auto = [(e.action, e.note, e.at) for e in events if e.action in ("supervise", "escalate")]
        assert [(a, n) for a, n, _ in auto] == [
            ("supervise", "已超过当前环节时限，系统自动督办，请尽快办理"),
            ("escalate", "超期未办结，已升级督办"),
        ]
        assert auto[0][2] == due + timedelta(seconds=1)  # dated when the sweep ran, not when written


def test_search_and_duplicates(db: Database) -> None:
    with db.session() as s:
        a = new_order(s, "我想申请低保，家里老人生病没有收入")
        b = new_order(s, "养老院床位紧张，想咨询入住条件")
        c = new_order(s, "我想申请低保，家里老人生病没有收入来源")
        assert search.search_ids(s, "低保") == [c.id, a.id]
        assert search.search_ids(s, "养老") == [b.id]
        assert search.search_ids(s, "低保 床位") == []
        assert c.duplicate_of_id == a.id and b.duplicate_of_id is None


def test_deadline_skips_national_day() -> None:
    cal = WorkCalendar()
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # Wednesday before the 国庆 holiday
    due = cal.deadline(start, 1).astimezone(LOCAL).date()
    assert due > date(2026, 10, 7) and chinese_calendar.is_workday(due)
    assert WorkCalendar({date(2026, 10, 1): True}).deadline(start, 1).astimezone(LOCAL).date() == date(
        2026, 10, 1
    )


@settings(max_examples=200, deadline=None)
@given(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 20)),
    st.integers(min_value=1, max_value=20),
    st.sets(st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 2, 28)), max_size=5),
)
def test_deadlines_never_on_a_holiday(start: datetime, days: int, extra_holidays: set[date]) -> None:
    cal = WorkCalendar(dict.fromkeys(extra_holidays, False))
    due = cal.deadline(start.replace(tzinfo=UTC), days).astimezone(LOCAL).date()
    assert due not in extra_holidays and cal.is_workday(due)
    if due.year <= 2026:  # chinese_calendar 2026 data; later years fall back to weekends + overrides
        assert chinese_calendar.is_workday(due)
    assert cal.workdays_between(start.replace(tzinfo=UTC).astimezone(LOCAL).date(), due) == days


def test_emergency_is_same_day(db: Database) -> None:
    with db.session() as s:
        o = new_order(s, "老人摔倒需要紧急救助", urgency="emergency")
        now = utcnow()
        o = act(s, who("agent"), o.id, "dispatch", o.version, department_id=1, now=now)
        assert o.reply_due_at is not None
        assert o.reply_due_at.astimezone(LOCAL).date() == now.astimezone(LOCAL).date()


def test_text_search_pages_with_filters(db: Database) -> None:
    from hotline.web.pagination import ListParams
    from hotline.workorders.queries import Filters, build, page

    with db.session() as s:
        made = [new_order(s, f"第{i}位老人申请低保补助材料") for i in range(7)]
        new_order(s, "咨询养老院床位")
        for o in made[::2]:
            act(s, who("agent"), o.id, "dispatch", o.version, department_id=1)
        seen: list[int] = []
        cursor = None
        while True:
            p = ListParams.__new__(ListParams)
            p.limit, p.cursor, p.sort = 2, cursor, None
            res = page(
                s,
                build(s, SYSTEM_WHO, Filters(q="老人 低保", state="dispatched"), utcnow()),
                p,
                lambda o: o.id,
            )
            seen += res["items"]
            cursor = res["next_cursor"]
            if cursor is None:
                break
        assert seen == [o.id for o in reversed(made[::2])]


def test_extensions_are_decided_before_the_deadline(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        o = new_order(s)
        o = act(s, who("agent"), o.id, "dispatch", o.version, department_id=1)
        o = act(s, who("department_handler"), o.id, "receive", o.version)
        assert o.reply_due_at is not None
        late = o.reply_due_at + timedelta(minutes=1)
        with pytest.raises(Conflict):
            act(
                s,
                who("department_handler"),
                o.id,
                "request_extension",
                o.version,
                now=late,
                days=2,
                note="晚了",
            )
        o = act(s, who("department_handler"), o.id, "request_extension", o.version, days=2, note="需调查")
        with pytest.raises(Conflict) as exc:
            act(s, who("supervisor"), o.id, "approve_extension", o.version, now=late)
        assert "超过答复时限" in exc.value.detail_zh
        o = act(s, who("supervisor"), o.id, "refuse_extension", o.version)
        assert not o.extension_pending
        with pytest.raises(Conflict):
            act(s, who("supervisor"), o.id, "approve_extension", o.version)  # nothing pending any more


def test_timeline_is_dated_when_the_step_happened(db: Database) -> None:
    """An order created and dispatched at a given time (demo data, imports) shows that time in its
    timeline, not the moment the rows were written (review: 创建 12-04 on an order of 11-28)."""
    from hotline.workorders.service import NewOrder, create

    then = datetime(2026, 11, 28, 1, 30, tzinfo=UTC)
    with db.session() as s:
        o = create(s, SYSTEM_WHO, NewOrder(type="inquiry", title="补贴", content="咨询养老补贴"), now=then)
        o = act(s, who("agent"), o.id, "dispatch", o.version, now=then + timedelta(hours=1), department_id=1)
        rows = s.execute(
            select(WorkOrderEvent.action, WorkOrderEvent.at)
            .where(WorkOrderEvent.workorder_id == o.id)
            .order_by(WorkOrderEvent.id)
        ).all()
        assert [(a, at) for a, at in rows] == [
            ("create", then),
            ("accept", then),
            ("dispatch", then + timedelta(hours=1)),
        ]
