"""IVR flow storage: create flows, save drafts, publish, roll back; every write audited.

A flow has numbered versions. Saving edits the current draft (or starts one from the published
version); publishing validates the draft and points the flow at it; rolling back points the flow
at an older version. The telephony side reads `published_definition` per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update, check_version
from hotline.bus import publish_on_commit
from hotline.config import get_settings
from hotline.dialplan.plan import DialPlan
from hotline.errors import Conflict, NotFound
from hotline.ivr.flow import check, rung_numbers, validate
from hotline.ivr.models import IvrFlow, IvrFlowVersion
from hotline.ivr.topics import FlowPublished
from hotline.store.base import utcnow
from hotline.store.pagination import PageRequest, paginate

T = TypeVar("T")


def flows_page(session: Session, params: PageRequest, to_out: Callable[[IvrFlow], T]) -> dict[str, Any]:
    return paginate(session, select(IvrFlow), params, {"name": IvrFlow.name}, IvrFlow.id, to_out, "name")


def get_flow(session: Session, flow_id: int) -> IvrFlow:
    flow = session.get(IvrFlow, flow_id)
    if flow is None:
        raise NotFound(f"no IVR flow {flow_id}", f"IVR 流程 {flow_id} 不存在")
    return flow


def flow_by_name(session: Session, name: str) -> IvrFlow:
    flow = session.scalar(select(IvrFlow).where(IvrFlow.name == name))
    if flow is None:
        raise NotFound(f"no IVR flow named {name!r}", f"IVR 流程 {name} 不存在")
    return flow


def get_version(session: Session, flow_id: int, number: int) -> IvrFlowVersion:
    row = session.scalar(
        select(IvrFlowVersion).where(IvrFlowVersion.flow_id == flow_id, IvrFlowVersion.number == number)
    )
    if row is None:
        raise NotFound(f"flow {flow_id} has no version {number}", f"流程 {flow_id} 没有版本 {number}")
    return row


def versions(session: Session, flow_id: int) -> list[IvrFlowVersion]:
    stmt = select(IvrFlowVersion).where(IvrFlowVersion.flow_id == flow_id).order_by(IvrFlowVersion.number)
    return list(session.scalars(stmt))


def draft(session: Session, flow_id: int) -> IvrFlowVersion | None:
    stmt = select(IvrFlowVersion).where(IvrFlowVersion.flow_id == flow_id, IvrFlowVersion.status == "draft")
    return session.scalar(stmt)


def create_flow(
    session: Session,
    actor: Actor,
    name: str,
    definition: dict[str, Any],
    description: str | None = None,
    numbers: str = "*",
) -> IvrFlow:
    check_errors, _ = check(definition)
    del check_errors  # a draft may be incomplete; publishing is what validates
    if session.scalar(select(IvrFlow.id).where(IvrFlow.name == name)) is not None:
        raise Conflict(f"an IVR flow named {name!r} exists", f"已存在名为 {name} 的流程")
    flow = IvrFlow(name=name, description=description, numbers=numbers)
    session.add(flow)
    session.flush()
    session.add(
        IvrFlowVersion(
            flow_id=flow.id, number=1, status="draft", definition=definition, created_by=actor.name
        )
    )
    session.flush()
    record(session, actor, "create", "ivr_flow", flow.id, None, snapshot(flow))
    return flow


def save_draft(
    session: Session,
    actor: Actor,
    flow_id: int,
    definition: dict[str, Any],
    comment: str | None = None,
    expected_version: int | None = None,
) -> IvrFlowVersion:
    flow = get_flow(session, flow_id)
    check_version(flow, expected_version, "IVR flow")
    row = draft(session, flow_id)
    before = snapshot(row) if row else None
    if row is None:
        number = (
            session.scalar(select(func.max(IvrFlowVersion.number)).where(IvrFlowVersion.flow_id == flow_id))
            or 0
        ) + 1
        row = IvrFlowVersion(flow_id=flow_id, number=number, status="draft", created_by=actor.name)
        session.add(row)
    row.definition = definition
    row.comment = comment
    flow.updated_at = utcnow()
    session.flush()
    record(session, actor, "save_draft", "ivr_flow", flow_id, before, snapshot(row))
    return row


def publish(session: Session, actor: Actor, flow_id: int, number: int | None = None) -> IvrFlow:
    """Publish the draft (or version `number`, which is how a rollback works)."""
    flow = get_flow(session, flow_id)
    if number is None:
        row = draft(session, flow_id)
        if row is None:
            raise Conflict("there is no draft to publish", "没有可发布的草稿")
    else:
        row = get_version(session, flow_id, number)
    parsed = validate(row.definition)
    # A flow rings numbers for every caller: the dial plan is checked before it can go live.
    refused = DialPlan(get_settings().dial_plan).check_flow_numbers(rung_numbers(parsed))
    if refused is not None:
        raise refused.error()
    before = snapshot(flow)
    if flow.published_number is not None and flow.published_number != row.number:
        old = get_version(session, flow_id, flow.published_number)
        old.status = "archived"
    row.status = "published"
    row.published_at = utcnow()
    flow.published_number = row.number
    session.flush()
    record(
        session,
        actor,
        "publish" if number is None else "rollback",
        "ivr_flow",
        flow_id,
        before,
        snapshot(flow),
    )
    publish_on_commit(session, FlowPublished(flow_id=flow_id, number=row.number))
    return flow


def update_flow(
    session: Session,
    actor: Actor,
    flow_id: int,
    expected_version: int,
    numbers: str | None = None,
    description: str | None = None,
) -> IvrFlow:
    """Change which dialled numbers a flow answers (takes effect on the next call) or its description."""
    flow = get_flow(session, flow_id)
    with audited_update(session, actor, flow, expected_version, "IVR flow", "ivr_flow"):
        if numbers is not None:
            wanted = [n.strip() for n in numbers.split(",") if n.strip()]
            for other in session.scalars(select(IvrFlow).where(IvrFlow.id != flow_id)):
                taken = sorted(set(wanted) & {n.strip() for n in other.numbers.split(",")})
                if taken:
                    raise Conflict(
                        f"number(s) {', '.join(taken)} already answered by flow {other.name!r}",
                        f"号码 {'、'.join(taken)} 已由流程“{other.name}”接听",
                    )
            flow.numbers = ",".join(wanted)
        if description is not None:
            flow.description = description
    return flow


def delete_flow(session: Session, actor: Actor, flow_id: int) -> None:
    """Delete a flow and its versions; the default ("*") flow cannot go (calls would find no flow)."""
    flow = get_flow(session, flow_id)
    if "*" in [n.strip() for n in flow.numbers.split(",")]:
        raise Conflict(
            f"flow {flow.name!r} answers every other number and cannot be deleted",
            f"流程“{flow.name}”是默认流程（接听其他所有号码），不能删除",
        )
    before = snapshot(flow)
    session.execute(delete(IvrFlowVersion).where(IvrFlowVersion.flow_id == flow_id))
    session.delete(flow)
    session.flush()
    record(session, actor, "delete", "ivr_flow", flow_id, before, None)


def published_definition(session: Session, flow: IvrFlow) -> dict[str, Any]:
    if flow.published_number is None:
        raise Conflict(f"IVR flow {flow.name!r} has no published version", f"流程 {flow.name} 尚未发布")
    return dict(get_version(session, flow.id, flow.published_number).definition)


def flow_for_number(session: Session, dialled: str) -> IvrFlow | None:
    """The published flow answering a dialled number ("*" flows answer any)."""
    flows = list(
        session.scalars(select(IvrFlow).where(IvrFlow.published_number.is_not(None)).order_by(IvrFlow.id))
    )
    for flow in flows:
        if dialled in [n.strip() for n in flow.numbers.split(",")]:
            return flow
    return next((f for f in flows if "*" in f.numbers), None)
