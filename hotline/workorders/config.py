"""Configuration of the work-order domain: the category tree (GB/T 39666-2020 style codes, which a
center may renumber), deadline policies per type and urgency, and calendar overrides."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.errors import Conflict, Invalid
from hotline.people.models import Department
from hotline.workorders.deadlines import TYPES, URGENCIES
from hotline.workorders.models import CalendarOverride, Category, DeadlinePolicy

# code, name, parent code; top level first. Codes are configurable: load your own tree instead.
DEFAULT_CATEGORIES: list[tuple[str, str, str | None]] = [
    ("01", "养老服务", None),
    ("0101", "居家养老", "01"),
    ("0102", "机构养老", "01"),
    ("0103", "养老补贴", "01"),
    ("0104", "助餐助浴", "01"),
    ("02", "社会救助", None),
    ("0201", "最低生活保障", "02"),
    ("0202", "特困供养", "02"),
    ("0203", "临时救助", "02"),
    ("03", "残疾人福利", None),
    ("0301", "残疾人两项补贴", "03"),
    ("0302", "康复服务", "03"),
    ("0303", "无障碍设施", "03"),
    ("04", "儿童福利", None),
    ("0401", "孤儿保障", "04"),
    ("0402", "留守困境儿童", "04"),
    ("05", "其他", None),
    ("0501", "婚姻登记", "05"),
    ("0502", "殡葬服务", "05"),
    ("0599", "其他事项", "05"),
]


def create_category(
    session: Session,
    actor: Actor,
    code: str,
    name: str,
    parent_id: int | None = None,
    default_department_id: int | None = None,
) -> Category:
    if session.scalar(select(Category.id).where(Category.code == code)) is not None:
        raise Conflict(f"category code {code} exists", f"分类编码 {code} 已存在")
    if parent_id is not None and session.get(Category, parent_id) is None:
        raise Invalid(f"parent category {parent_id} does not exist", "上级分类不存在")
    if default_department_id is not None and session.get(Department, default_department_id) is None:
        raise Invalid(f"department {default_department_id} does not exist", "承办单位不存在")
    c = Category(code=code, name=name, parent_id=parent_id, default_department_id=default_department_id)
    session.add(c)
    session.flush()
    record(session, actor, "workorder_category.create", "workorder_category", c.id, None, snapshot(c))
    return c


def load_default_categories(
    session: Session, actor: Actor, departments: dict[str, int] | None = None
) -> None:
    """Create the default tree (skipping codes already present); `departments` maps top codes to ids."""
    by_code = {c.code: c for c in session.scalars(select(Category))}
    for code, name, parent in DEFAULT_CATEGORIES:
        if code in by_code:
            continue
        dept = (departments or {}).get(code[:2])
        parent_id = by_code[parent].id if parent else None
        by_code[code] = create_category(session, actor, code, name, parent_id, dept)


def set_policy(
    session: Session,
    actor: Actor,
    type: str,
    urgency: str,
    receive_days: int,
    reply_days: int,
    close_days: int,
) -> DeadlinePolicy:
    if type not in TYPES or (urgency != "*" and urgency not in URGENCIES):
        raise Invalid("unknown type or urgency", "工单类型或紧急程度无效")
    pol = session.scalar(
        select(DeadlinePolicy).where(DeadlinePolicy.type == type, DeadlinePolicy.urgency == urgency)
    )
    before = snapshot(pol) if pol else None
    if pol is None:
        pol = DeadlinePolicy(type=type, urgency=urgency, receive_days=0, reply_days=0, close_days=0)
        session.add(pol)
    pol.receive_days, pol.reply_days, pol.close_days = receive_days, reply_days, close_days
    session.flush()
    record(session, actor, "workorder_policy.set", "workorder_policy", pol.id, before, snapshot(pol))
    return pol


def set_calendar_override(
    session: Session, actor: Actor, day: date, workday: bool, note: str | None
) -> CalendarOverride:
    row = session.get(CalendarOverride, day)
    before = snapshot(row) if row else None
    if row is None:
        row = CalendarOverride(day=day, workday=workday, note=note)
        session.add(row)
    row.workday, row.note = workday, note
    session.flush()
    record(
        session, actor, "workorder_calendar.set", "workorder_calendar", day.isoformat(), before, snapshot(row)
    )
    return row


def categories(session: Session) -> list[Category]:
    """The active categories by code (the tree: each names its parent)."""
    return list(session.scalars(select(Category).where(Category.active).order_by(Category.code)))


def policies(session: Session) -> list[DeadlinePolicy]:
    return list(session.scalars(select(DeadlinePolicy).order_by(DeadlinePolicy.type, DeadlinePolicy.urgency)))


def calendar_overrides(session: Session) -> list[CalendarOverride]:
    return list(session.scalars(select(CalendarOverride).order_by(CalendarOverride.day)))
