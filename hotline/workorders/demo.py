"""Demo work orders for `hotline demo load`: the default category tree with default departments,
and ~20 orders driven through the real lifecycle into every state (some backdated so they are
overdue and supervised), then one classifier training run. All content is fictional."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.people.models import Caller, Department, User
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.store.base import utcnow
from hotline.workorders import assist
from hotline.workorders.config import load_default_categories
from hotline.workorders.deadlines import sweep_deadlines
from hotline.workorders.lifecycle import act, record_return_visit
from hotline.workorders.models import Category
from hotline.workorders.service import NewOrder, Who, create

TOP_DEPT = {"01": "YLFWC", "02": "SHJZC", "03": "CLFLC", "04": "ETFLC", "05": "SHSWC"}

# (type, category code, title, content, path to drive it along, days ago created)
ORDERS: list[tuple[str, str, str, str, str, int]] = [
    (
        "inquiry",
        "0103",
        "高龄津贴申领条件",
        "我父亲今年八十岁，想问高龄津贴怎么申领，需要什么材料。",
        "resolve",
        0,
    ),
    ("inquiry", "0201", "低保申请流程", "家里老人生病没有收入，想了解最低生活保障的申请流程。", "resolve", 1),
    (
        "help_request",
        "0104",
        "社区助餐点太远",
        "独居老人腿脚不便，社区助餐点太远，希望能送餐上门。",
        "accepted",
        0,
    ),
    (
        "complaint",
        "0102",
        "养老院收费不合理",
        "某养老院临时上调护理费，没有提前告知家属，请核实。",
        "dispatched",
        0,
    ),
    (
        "help_request",
        "0301",
        "两项补贴未到账",
        "残疾人两项补贴已经三个月没有到账了，请帮忙查询。",
        "received",
        1,
    ),
    (
        "help_request",
        "0203",
        "临时救助审批慢",
        "家里突发火灾，申请临时救助两周了还没有结果。",
        "received_ext",
        2,
    ),
    (
        "suggestion",
        "0303",
        "无障碍坡道被占用",
        "小区无障碍坡道长期被电动车占用，轮椅无法通行。",
        "returned",
        1,
    ),
    ("complaint", "0101", "上门服务人员态度差", "居家养老上门服务人员态度恶劣，服务时间不足。", "replied", 3),
    (
        "help_request",
        "0402",
        "留守儿童无人照看",
        "邻居家孩子父母外出务工，长期无人照看，希望社区关注。",
        "return_visit",
        4,
    ),
    ("inquiry", "0401", "孤儿基本生活费标准", "想咨询孤儿基本生活费的发放标准和时间。", "closed", 6),
    ("praise", "0104", "表扬社区食堂", "社区长者食堂饭菜可口价格实惠，特此表扬。", "closed", 8),
    (
        "complaint",
        "0202",
        "特困供养护理不到位",
        "特困供养人员在敬老院护理不到位，家属多次反映无果。",
        "reopened",
        9,
    ),
    ("help_request", "0302", "康复服务预约不上", "孩子需要康复训练，定点机构一直预约不上。", "overdue", 20),
    ("complaint", "0201", "低保金停发", "母亲的低保金这个月突然停发，没有任何通知。", "overdue", 25),
    ("inquiry", "0501", "婚姻登记预约", "想预约下周的结婚登记，网上约不上。", "cancelled", 2),
    (
        "complaint",
        "0201",
        "低保金停发（重复来电）",
        "母亲的低保金这个月突然停发，没有任何通知，再次来电。",
        "merged",
        1,
    ),
    ("emergency", "0101", "独居老人摔倒", "独居老人在家摔倒，已联系120，需要社区上门协助。", "dispatched", 0),
    ("report", "0502", "殡葬服务乱收费", "某殡仪服务点存在乱收费现象，举报核查。", "dispatched", 5),
    ("inquiry", "0599", "政策文件咨询", "想咨询最新的养老服务补贴政策文件。", "draft", 0),
    (
        "help_request",
        "0103",
        "护理补贴申请",
        "失能老人申请护理补贴，社区说材料不全，想确认需要哪些材料。",
        "closed",
        12,
    ),
]


def _who(session: Session, username: str, fallback: Role) -> Who:
    user = session.scalar(select(User).where(User.username == username))
    role = Role(user.role) if user else fallback
    return Who(
        Actor(user.id if user else None, username),
        ROLE_PERMISSIONS[role],
        user.department_id if user else None,
    )


def load(session: Session, actor: Actor) -> None:
    depts = {d.code: d.id for d in session.scalars(select(Department))}
    load_default_categories(session, actor, {k: depts[v] for k, v in TOP_DEPT.items() if v in depts})
    cats = {c.code: c for c in session.scalars(select(Category))}
    callers = list(session.scalars(select(Caller.id).order_by(Caller.id).limit(20)))
    agent = _who(session, "agent1", Role.agent)
    sup = _who(session, "banzhang", Role.supervisor)
    now = utcnow()
    merged_target = None
    for i, (type_, code, title, content, path, days_ago) in enumerate(ORDERS):
        cat = cats[code]
        dept_id = cat.default_department_id or depts.get("MZJ")
        handler = Who(Actor(None, "承办人"), ROLE_PERMISSIONS[Role.department_handler], dept_id)
        at = now - timedelta(days=days_ago, hours=i)
        data = NewOrder(
            type=type_,
            title=title,
            content=content,
            urgency="emergency" if type_ == "emergency" else "normal",
            category_id=cat.id,
            caller_id=callers[i % len(callers)] if callers else None,
            district="南湖区" if i % 2 else "东城区",
            confidential=i % 7 == 3,
            call_ids=[f"demo-call-{i + 1}"],
            accept=path != "draft",
        )
        o = create(session, agent, data, now=at)
        if path in ("draft", "accepted"):
            continue
        if path == "resolve":
            act(session, agent, o.id, "resolve_on_call", o.version, now=at, note="电话中已解答政策")
            continue
        if path == "cancelled":
            act(session, agent, o.id, "cancel", o.version, now=at, note="来电人已自行办理")
            continue
        if path == "merged":
            assert merged_target is not None
            act(session, agent, o.id, "merge", o.version, now=at, into_id=merged_target)
            continue
        o = act(session, agent, o.id, "dispatch", o.version, now=at, department_id=dept_id)
        if path == "overdue" and code == "0201":
            merged_target = o.id  # the repeat call below is merged into this one
        if path == "overdue":  # a supervisor's 督办 with its text, as the handler will see it
            note = "来电人多次催办，请今日内签收并联系来电人"
            o = act(session, sup, o.id, "supervise", o.version, now=now - timedelta(days=1), note=note)
        if path in ("dispatched", "overdue"):
            continue
        if path == "returned":
            act(session, handler, o.id, "return", o.version, now=at, note="不属于本单位职责，建议转城管部门")
            continue
        o = act(session, handler, o.id, "receive", o.version, now=at)
        if path == "received":
            continue
        if path == "received_ext":
            o = act(
                session, handler, o.id, "request_extension", o.version, now=at, days=5, note="需要入户调查"
            )
            act(session, sup, o.id, "approve_extension", o.version, now=at)
            continue
        o = act(session, handler, o.id, "reply", o.version, now=at, note="已核实情况并处理，详见答复。")
        if path == "replied":
            continue
        if path == "return_visit":
            act(session, agent, o.id, "start_return_visit", o.version, now=at)
            continue
        satisfied = "unsatisfied" if path == "reopened" else "satisfied"
        record_return_visit(session, agent, o.id, o.version, satisfied, now=at, note="电话回访")
    sweep_deadlines(session, now)
    assist.train(session, "category")
    assist.train(session, "department")
