"""Work orders over HTTP: list/filter/search, detail with timeline, one POST per lifecycle action,
the department portal, return visits, saved views, Excel export, bulk dispatch and assistance
(configuration: `workorder_config.py`). Thin: the work is in `hotline.workorders`."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from hotline.schemas import Page
from hotline.store.base import utcnow
from hotline.web.auth import Principal, require
from hotline.web.deps import ListDep, SessionDep
from hotline.workorders import assist, export, inbox, queries, service, views
from hotline.workorders.lifecycle import act, record_return_visit
from hotline.workorders.models import WorkOrder
from hotline.workorders.queries import Filters, build, page
from hotline.workorders.schemas import (
    ActionIn,
    BulkDispatchIn,
    LinkIn,
    LinkOut,
    ReturnVisitIn,
    SavedViewIn,
    SuggestIn,
    WorkOrderDetail,
    WorkOrderIn,
    WorkOrderOut,
    WorkOrderPatch,
    event_out,
    order_out,
)
from hotline.workorders.states import Action, State, allowed_actions

router = APIRouter(prefix="/api/workorders", tags=["workorders"])

Reader = Annotated[Principal, Depends(require("workorders.read"))]
Writer = Annotated[Principal, Depends(require("workorders.write"))]
Handler = Annotated[Principal, Depends(require("workorders.handle"))]


def who_of(p: Principal) -> service.Who:
    return service.Who(p.actor, p.permissions, p.department_id)


def filters(
    state: str | None = Query(None, max_length=200),
    overdue: bool | None = None,
    department_id: int | None = Query(None, ge=1, le=2**31 - 1),
    category_id: int | None = Query(None, ge=1, le=2**31 - 1),
    caller_id: int | None = Query(None, ge=1, le=2**31 - 1),
    type: str | None = Query(None, max_length=16),
    channel: str | None = Query(None, max_length=16),
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: str | None = Query(
        None,
        max_length=200,
        description="text, a name or phone digits: every term must occur; most relevant first "
        "(sort=-id: newest first); only common words is a 422",
    ),
    view: int | None = Query(None, ge=1, le=2**31 - 1, description="a saved view's id"),
    bucket: str | None = Query(
        None,
        max_length=32,
        description="an overview bucket (GET /api/workorders/overview): to_receive, to_reply, due_soon, "
        "done, at_department (department); to_dispatch, returned, overdue, extension, redo (center)",
    ),
) -> Filters:
    return Filters(
        state,
        overdue,
        department_id,
        category_id,
        caller_id,
        type,
        channel,
        created_from,
        created_to,
        q,
        view,
        bucket,
    )


FiltersDep = Annotated[Filters, Depends(filters)]


def portal_who(p: Principal) -> service.Who:
    """A handler on the department portal: their department only, confidential callers hidden."""
    return service.Who(p.actor, p.permissions - {"workorders.read"}, p.department_id)


# --- static paths first (they would otherwise match /{order_id}) ------------------------------


@router.get("/views", response_model=list[dict[str, Any]])
def list_views(p: Reader, session: SessionDep) -> list[dict[str, Any]]:
    return [views.view_out(v) for v in views.list_views(session, p.user_id)]


@router.post("/views", status_code=201, response_model=dict[str, Any])
def create_view(body: SavedViewIn, p: Reader, session: SessionDep) -> dict[str, Any]:
    return views.view_out(views.create_view(session, p.actor, p.user_id, body.name, body.filters))


@router.delete("/views/{view_id}", status_code=204)
def delete_view(view_id: int, p: Reader, session: SessionDep) -> Response:
    views.delete_view(session, p.actor, p.user_id, view_id)
    return Response(status_code=204)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/export.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
def export_xlsx(f: FiltersDep, p: Reader, session: SessionDep) -> Response:
    return Response(
        export.export_orders(session, who_of(p), f, utcnow()),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="workorders.xlsx"'},
    )


@router.get("/portal", response_model=Page[WorkOrderOut])
def portal_list(params: ListDep, f: FiltersDep, p: Handler, session: SessionDep) -> dict[str, Any]:
    """The department portal: only the principal's department, confidential callers hidden."""
    w = portal_who(p)
    return page(session, build(session, w, f, utcnow()), params, lambda o: order_out(o, w))


@router.get("/portal/notifications", response_model=list[dict[str, Any]])
def portal_notifications(
    p: Handler, session: SessionDep, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    """Warnings, supervision, escalations and dispatches for the principal's department."""
    if p.department_id is None:
        return []
    return [inbox.notification_out(n) for n in inbox.notifications(session, limit, p.department_id)]


@router.get("/portal/{order_id}", response_model=WorkOrderDetail)
def portal_detail(order_id: int, p: Handler, session: SessionDep) -> WorkOrderDetail:
    return _detail(session, portal_who(p), order_id)


@router.get("/return-visits", response_model=list[dict[str, Any]])
def pending_return_visits(
    _: Reader, session: SessionDep, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    return queries.pending_return_visits(session, limit)


@router.get("/notifications", response_model=list[dict[str, Any]])
def notifications(
    _: Reader, session: SessionDep, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    return [inbox.notification_out(n) for n in inbox.notifications(session, limit)]


@router.post("/suggest", response_model=dict[str, Any])
def suggest(body: SuggestIn, _: Writer, session: SessionDep) -> dict[str, Any]:
    probe = WorkOrder(
        title="", content=body.text, number="", caller_id=body.caller_id, contact_phone=body.contact_phone
    )
    return {
        "categories": assist.suggest(session, body.text, "category"),
        "departments": assist.suggest(session, body.text, "department"),
        "duplicate_of_id": assist.find_duplicate(session, probe, utcnow()),
    }


@router.post("/bulk-dispatch", response_model=list[WorkOrderOut])
def bulk_dispatch(body: BulkDispatchIn, p: Writer, session: SessionDep) -> list[WorkOrderOut]:
    """All or nothing: one stale or illegal order fails the whole batch (409 names it)."""
    w = who_of(p)
    out = []
    for item in body.items:
        o = act(
            session,
            w,
            item.id,
            Action.dispatch,
            item.version,
            department_id=body.department_id,
            note=body.note,
        )
        out.append(order_out(o, w))
    return out


# --- collection and one order ------------------------------------------------------------------


@router.get("", response_model=Page[WorkOrderOut])
def list_orders(params: ListDep, f: FiltersDep, p: Reader, session: SessionDep) -> dict[str, Any]:
    w = who_of(p)
    f = views.with_view(session, p.user_id, f)
    return page(session, build(session, w, f, utcnow()), params, lambda o: order_out(o, w))


@router.post("", response_model=WorkOrderOut, status_code=201)
def create_order(body: WorkOrderIn, p: Writer, session: SessionDep) -> WorkOrderOut:
    w = who_of(p)
    return order_out(service.create(session, w, service.NewOrder(**body.model_dump())), w)


def _detail(session: Session, w: service.Who, order_id: int) -> WorkOrderDetail:
    o = service.get_order(session, w, order_id)
    events, links = service.history(session, o)
    return WorkOrderDetail(
        **order_out(o, w).model_dump(),
        timeline=[event_out(e, o, w) for e in events],
        links=[LinkOut.model_validate(x) for x in links],
        allowed_actions=[a.value for a in allowed_actions(State(o.state))],
    )


@router.get("/{order_id}", response_model=WorkOrderDetail)
def get_order(order_id: int, p: Reader, session: SessionDep) -> WorkOrderDetail:
    return _detail(session, who_of(p), order_id)


@router.patch("/{order_id}", response_model=WorkOrderOut)
def patch_order(order_id: int, body: WorkOrderPatch, p: Writer, session: SessionDep) -> WorkOrderOut:
    changes = body.model_dump(exclude_unset=True)
    version = changes.pop("version")
    w = who_of(p)
    return order_out(service.update(session, w, order_id, version, changes), w)


@router.post("/{order_id}/links", response_model=LinkOut, status_code=201)
def add_link(order_id: int, body: LinkIn, p: Writer, session: SessionDep) -> LinkOut:
    return LinkOut.model_validate(service.link(session, who_of(p), order_id, body.kind, body.ref, body.label))


@router.post("/{order_id}/return-visit", response_model=WorkOrderOut)
def return_visit(order_id: int, body: ReturnVisitIn, p: Writer, session: SessionDep) -> WorkOrderOut:
    w = who_of(p)
    o = record_return_visit(
        session, w, order_id, body.version, body.satisfaction, body.method, body.note, body.call_id
    )
    return order_out(o, w)


def _action_route(action: Action, permission: str) -> None:
    def endpoint(
        order_id: int,
        body: ActionIn,
        session: SessionDep,
        # A default, not an alias: the permission is this closure's, which a string annotation
        # (postponed evaluation) could not see.
        p: Principal = Depends(require(permission)),
    ) -> WorkOrderOut:
        w = who_of(p)
        params = body.model_dump(exclude={"version"}, exclude_none=True)
        return order_out(act(session, w, order_id, action, body.version, **params), w)

    endpoint.__name__ = f"workorder_{action.name}"
    router.add_api_route(
        f"/{{order_id}}/{action.value.replace('_', '-')}",
        endpoint,
        methods=["POST"],
        response_model=WorkOrderOut,
        summary=f"{action.value} (state machine action)",
    )


# close and reopen happen through /return-visit (they need the satisfaction it records).
# The route's permission is the loosest the table asks for this action; the table then checks the
# exact (state, action) permission (e.g. cancelling a dispatched order needs workorders.supervise).
ROUTE_PERMISSION = {
    Action.accept: "workorders.write",
    Action.resolve_on_call: "workorders.write",
    Action.dispatch: "workorders.write",
    Action.receive: "workorders.handle",
    Action.return_: "workorders.handle",
    Action.request_extension: "workorders.handle",
    Action.approve_extension: "workorders.supervise",
    Action.refuse_extension: "workorders.supervise",
    Action.reply: "workorders.handle",
    Action.start_return_visit: "workorders.write",
    Action.supervise: "workorders.supervise",
    Action.merge: "workorders.write",
    Action.cancel: "workorders.write",
}
for _action, _perm in ROUTE_PERMISSION.items():
    _action_route(_action, _perm)
