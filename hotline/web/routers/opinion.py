"""Opinion monitoring over HTTP: sources with their fetch status, items with their groups, risk
and related work orders and articles, topic rules and their tester, alerts for the people on duty.
Thin: the work is in `hotline.opinion`; incidents are `opinion_incidents.py`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response

from hotline.errors import Invalid
from hotline.opinion import alerts, briefs, items, jobs, related, rulebook, sources
from hotline.opinion.rulebook import RuleIn, RulePatch, RuleTest
from hotline.opinion.sources import SourceIn, SourcePatch
from hotline.web.auth import Principal, require
from hotline.web.deps import DbDep, IdPath, SessionDep, SettingsDep

router = APIRouter(prefix="/api/opinion", tags=["opinion"])

OpinionRead = Annotated[Principal, Depends(require("opinion.read"))]
OpinionWrite = Annotated[Principal, Depends(require("opinion.write"))]
OpinionHandle = Annotated[Principal, Depends(require("opinion.handle"))]


@router.get("/sources", response_model=list[dict[str, Any]])
def list_sources(_: OpinionRead, session: SessionDep) -> list[dict[str, Any]]:
    """Every source with its last fetch: status (ok, not_modified, failed, blocked, never) and why."""
    return sources.listing(session)


@router.post("/sources", response_model=dict[str, Any], status_code=201)
def create_source(body: SourceIn, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    return sources.create(session, p.actor, body)


@router.patch("/sources/{source_id}", response_model=dict[str, Any])
def update_source(
    source_id: IdPath, body: SourcePatch, p: OpinionWrite, session: SessionDep
) -> dict[str, Any]:
    return sources.update(session, p.actor, source_id, body)


@router.post("/sources/{source_id}/fetch", response_model=dict[str, Any])
def fetch_source_now(source_id: IdPath, p: OpinionWrite, session: SessionDep, db: DbDep) -> dict[str, Any]:
    """Fetch the source now and process what came; answers with its status (and why it failed)."""
    jobs.run_source(db, source_id)
    return sources.fetched_now(session, p.actor, source_id)


@router.get("/items", response_model=list[dict[str, Any]])
def list_items(
    _: OpinionRead,
    session: SessionDep,
    source_id: int | None = Query(None, ge=1, le=2**31 - 1),
    group_id: int | None = Query(None, ge=1, le=2**31 - 1),
    rule_id: int | None = Query(None, ge=1, le=2**31 - 1),
    min_risk: float | None = Query(None, ge=0, le=100),
    q: str | None = Query(None, max_length=100),
    originals: bool = Query(False, description="leave out reposts and copies (near-duplicates)"),
    before: int | None = Query(None, ge=1, le=2**31 - 1, description="the last id of the page shown"),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    return items.page(
        session,
        source_id=source_id,
        group_id=group_id,
        rule_id=rule_id,
        min_risk=min_risk,
        q=q,
        originals_only=originals,
        before=before,
        limit=limit,
    )


@router.get("/items/{item_id}", response_model=dict[str, Any])
def get_item(item_id: IdPath, _: OpinionRead, session: SessionDep) -> dict[str, Any]:
    return items.one(session, item_id)


@router.get("/groups", response_model=list[dict[str, Any]])
def list_groups(
    _: OpinionRead,
    session: SessionDep,
    min_size: int = Query(1, ge=1, le=10_000),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    """Near-duplicate groups, latest activity first, with their size (spread) and highest risk."""
    return items.groups(session, limit, min_size)


@router.get("/items/{item_id}/related", response_model=dict[str, Any])
def item_related(
    item_id: IdPath, _: OpinionRead, session: SessionDep, settings: SettingsDep, db: DbDep
) -> dict[str, Any]:
    """Work orders and knowledge articles about the same matter (read through their own searches)."""
    item = items.get(session, item_id)
    return related.for_item(session, item, settings.data_dir, db.url)


@router.get("/rules", response_model=list[dict[str, Any]])
def list_rules(_: OpinionRead, session: SessionDep) -> list[dict[str, Any]]:
    return rulebook.listing(session)


@router.post("/rules", response_model=dict[str, Any], status_code=201)
def create_rule(body: RuleIn, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    return rulebook.create(session, p.actor, body)


@router.patch("/rules/{rule_id}", response_model=dict[str, Any])
def update_rule(rule_id: IdPath, body: RulePatch, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    return rulebook.update(session, p.actor, rule_id, body)


@router.post("/rules/test", response_model=dict[str, Any])
def test_rule(body: RuleTest, _: OpinionRead, session: SessionDep) -> dict[str, Any]:
    """Try an expression before saving it: on a text, and on the latest items."""
    return rulebook.test(session, body)


@router.get("/alerts", response_model=dict[str, Any])
def list_alerts(
    _: OpinionRead, session: SessionDep, open_only: bool = Query(False), limit: int = Query(50, ge=1, le=200)
) -> dict[str, Any]:
    """The bell: open alerts first, and how many are open."""
    return alerts.listing(session, open_only, limit)


@router.post("/alerts/{alert_id}/ack", response_model=dict[str, Any])
def acknowledge_alert(alert_id: IdPath, p: OpinionHandle, session: SessionDep) -> dict[str, Any]:
    return alerts.acknowledge(session, p.actor, alert_id)


def _brief_day(first: date) -> date:
    if not 2000 <= first.year <= 2100:
        raise Invalid("a day between the years 2000 and 2100", "日期须在 2000 至 2100 年之间")
    return first


FIRST = Query(..., description="the day (daily) or the Monday (weekly) the brief covers")


@router.get("/briefs/{kind}.xlsx", response_class=Response, responses={200: {"content": {briefs.XLSX: {}}}})
def brief_workbook(
    kind: Literal["daily", "weekly"], _: OpinionRead, session: SessionDep, first: date = FIRST
) -> Response:
    """A daily or weekly opinion brief (舆情日报/周报) as Excel, the same the subscribers get."""
    data = briefs.workbook(session, kind, _brief_day(first))
    name = f"opinion-{kind}-{first.isoformat()}.xlsx"
    return Response(
        data, media_type=briefs.XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/briefs/{kind}.pdf", response_class=Response, responses={200: {"content": {briefs.PDF: {}}}})
def brief_document(
    kind: Literal["daily", "weekly"], _: OpinionRead, session: SessionDep, first: date = FIRST
) -> Response:
    """The same brief as PDF (503 `font_missing` where Noto Sans CJK is not installed)."""
    from hotline.opinion.briefcontent import content
    from hotline.opinion.briefpdf import brief_pdf

    data = brief_pdf(content(session, kind, _brief_day(first)))
    name = f"opinion-{kind}-{first.isoformat()}.pdf"
    return Response(
        data, media_type=briefs.PDF, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/brief-subscriptions", response_model=list[dict[str, Any]])
def list_brief_subscriptions(_: OpinionWrite, session: SessionDep) -> list[dict[str, Any]]:
    return briefs.subscriptions(session)


@router.post("/brief-subscriptions", response_model=dict[str, Any], status_code=201)
def subscribe_brief(body: briefs.SubscriptionIn, p: OpinionWrite, session: SessionDep) -> dict[str, Any]:
    """Mail this address the daily and/or weekly brief (at 08:00 after each period)."""
    return briefs.subscribe(session, p.actor, body)


@router.delete("/brief-subscriptions/{subscription_id}", status_code=204, response_class=Response)
def unsubscribe_brief(subscription_id: IdPath, p: OpinionWrite, session: SessionDep) -> Response:
    briefs.unsubscribe(session, p.actor, subscription_id)
    return Response(status_code=204)
