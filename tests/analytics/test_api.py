"""The report API: monthly report with 环比/同比, holidays as their own day type, an empty period
answered with zeros and a note, impossible filters as 422 naming the field, over-long ranges
refused with the limit, drill-down from a district's figure to its orders, CSV of each rollup,
rebuild, and the plug-in keeping the rollups current from bus events."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from hotline.analytics import rollup
from hotline.analytics.plugin import PLUGIN
from hotline.bus import get_bus
from hotline.config import Settings
from hotline.plugins import Context
from hotline.store.db import Database
from tests.analytics.helpers import Line, add_lines, add_order, categories
from tests.workorders.helpers import new_order

OCT1 = datetime(2025, 9, 30, 16, tzinfo=UTC)  # local midnight, 1 Oct 2025 (National Day)


def _history(db: Database) -> None:
    cats = categories(db)
    with db.session() as s:
        for i in range(6):  # October 2025: 6 orders, 4 in 东城区
            add_order(
                s,
                created_at=OCT1 + timedelta(days=i, hours=3),
                district="东城区" if i < 4 else "西城区",
                category_id=cats[0],
                department_id=1,
                channel="phone",
                state="closed" if i % 2 else "dispatched",
                closed_at=OCT1 + timedelta(days=i, hours=5) if i % 2 else None,
            )
        # September 2025 (环比) 2 orders; October 2024 (同比) 3 orders
        for at in (OCT1 - timedelta(days=3), OCT1 - timedelta(days=2)):
            add_order(
                s, created_at=at, district="东城区", category_id=cats[0], channel="web", state="accepted"
            )
        for d in range(3):
            add_order(
                s, created_at=datetime(2024, 10, 10 + d, 4, tzinfo=UTC), district="东城区", state="accepted"
            )
    add_lines(
        db,
        [
            Line("enter", "q1", OCT1 + timedelta(hours=2)),
            Line("connect", "q1", OCT1 + timedelta(hours=2, seconds=10), agent_id=1, wait=10),
            Line("complete", "q1", OCT1 + timedelta(hours=2, seconds=200), agent_id=1, data={"talk": 190}),
            Line("enter", "q1", OCT1 + timedelta(days=10, hours=2)),  # 11 Oct: a make-up Saturday
            Line("abandon", "q1", OCT1 + timedelta(days=10, hours=2, seconds=30), wait=30),
        ],
    )
    rollup.catch_up(db)


def test_monthly_report_compares_and_drills(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _history(db)
    h = auth("analyst")
    r = client.get("/api/analytics/orders?period=month&date=2025-10-15&by=district", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["period"] == {"kind": "month", "first": "2025-10-01", "last": "2025-10-31", "days": 31}
    assert body["totals"]["orders"] == 6 and body["totals_previous"]["orders"] == 2
    assert body["totals_last_year"]["orders"] == 3
    assert body["mom"]["orders"] == 2.0 and body["yoy"]["orders"] == 1.0
    assert body["totals"]["closed"] == 3 and body["totals"]["on_time_rate"] == 1.0
    rows = {row["key"]: row for row in body["rows"]}
    assert rows["东城区"]["figures"]["orders"] == 4 and rows["东城区"]["mom"]["orders"] == 1.0
    # drill from 东城区's figure to the orders behind it
    r = client.get("/api/analytics/orders/drill?period=month&date=2025-10-15&district=东城区", headers=h)
    assert r.status_code == 200, r.text
    assert len(r.json()["items"]) == 4 and {o["district"] for o in r.json()["items"]} == {"东城区"}

    calls = client.get("/api/analytics/calls?period=month&date=2025-10-01&by=day_type", headers=h).json()
    assert calls["totals"]["offered"] == 2 and calls["totals"]["answered"] == 1
    assert calls["totals"]["service_level"] == 0.5 and calls["totals"]["aht"] == 190.0
    kinds = {row["key"]: row["figures"]["offered"] for row in calls["rows"]}
    assert kinds == {"holiday": 1, "makeup": 1}
    drilled = client.get("/api/analytics/calls/drill?period=day&date=2025-10-01&measure=answered", headers=h)
    assert drilled.status_code == 200 and drilled.json()["total"] == 1


def test_empty_period_bad_filters_and_limits(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    h = auth("analyst")
    empty = client.get("/api/analytics/calls?period=year&date=2020-05-01&by=hour", headers=h).json()
    assert empty["empty"] is True and empty["note_zh"] and empty["totals"]["offered"] == 0
    assert empty["totals"]["answer_rate"] is None and empty["rows"] == []
    for url, field in (
        ("/api/analytics/orders?state=flying", "state"),
        ("/api/analytics/orders?channel=pigeon", "channel"),
        ("/api/analytics/orders?by=queue", "by"),
        ("/api/analytics/orders?by=district&district=东城区", "by"),
        ("/api/analytics/calls?period=custom&start=2025-01-02", "end"),
        ("/api/analytics/calls?period=custom&start=2025-01-02&end=2025-01-01", "end"),
        ("/api/analytics/calls?period=month&start=2025-01-02", "start"),
        ("/api/analytics/calls?period=year&date=0001-06-01", "date"),
        ("/api/analytics/calls?period=week&date=9999-12-31", "date"),
        ("/api/analytics/orders?period=custom&start=0001-01-01&end=0001-01-31", "start"),
        ("/api/analytics/orders?period=custom&start=2199-12-01&end=9999-12-31", "end"),
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 422, (url, r.text)
        assert r.json().get("field") == field, (url, r.json())
    r = client.get("/api/analytics/calls?period=custom&start=2010-01-01&end=2025-01-01", headers=h)
    assert r.status_code == 422 and r.json()["limit_days"] == 3660 and "3660" in r.json()["detail"]


def test_csv_rebuild_status_and_permissions(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _history(db)
    r = client.get("/api/analytics/rollups/orders.csv?period=month&date=2025-10-01", headers=auth("analyst"))
    assert r.status_code == 200 and r.text.startswith("\ufeff日期(day)")
    assert len(r.text.strip().splitlines()) == 1 + 6
    assert client.get("/api/analytics/rollups/nope.csv", headers=auth("analyst")).status_code == 404
    assert client.get("/api/analytics/calls", headers=auth("agent")).status_code == 403
    assert client.get("/api/analytics/calls", headers=auth("supervisor")).status_code == 200
    assert client.post("/api/analytics/rebuild", headers=auth("analyst")).status_code == 403
    r = client.post("/api/analytics/rebuild", headers=auth("admin"))
    assert r.status_code == 200 and r.json()["lines"] == 5
    st = client.get("/api/analytics/status", headers=auth("analyst")).json()
    assert st["calls_mark"] == st["calls_head"] and st["orders_mark"] == st["orders_head"]


def test_plugin_rolls_up_on_bus_events(db: Database, tmp_path: object) -> None:
    """A work order created through the service reaches the rollup through the subscription."""
    settings = Settings(database_url=db.url, jobs_enabled=True, log_json=False)

    async def scenario() -> int:
        bus = get_bus()
        ctx = Context(settings, db, bus)
        undo = [bus.subscribe(p, h) for p, h in PLUGIN.subscriptions(ctx)]
        try:
            with db.session() as s:
                order = new_order(s, district="南山区")
                created = order.created_at
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                with db.session() as s:
                    from hotline.analytics.models import OrderDay

                    n = sum(r.orders for r in s.query(OrderDay).filter(OrderDay.district == "南山区"))
                if n:
                    assert created is not None
                    return n
                await asyncio.sleep(0.02)
            return 0
        finally:
            for u in undo:
                u()

    assert asyncio.run(scenario()) == 1


def test_analyst_renames_merges_and_dismisses_hotspots(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    from datetime import date

    from hotline.analytics.models import Hotspot

    with db.session() as s:
        made = [
            Hotspot(
                kind="cluster",
                status="open",
                name=f"热点{i}",
                terms=["餐点", "关闭", f"t{i}"],
                district="西城区",
                first_day=date(2025, 11, 9 + i),
                last_day=date(2025, 11, 10 + i),
                orders=10 + i,
                baseline=0.2,
                p_value=1e-9,
                districts={"西城区": 10 + i},
                trend={f"2025-11-{10 + i}": 10 + i},
                examples=[i],
            )
            for i in range(3)
        ]
        s.add_all(made)
        s.flush()
        a, b, c = (h.id for h in made)
    h = auth("analyst")
    assert client.get("/api/analytics/hotspots?status=open", headers=h).json()[0]["id"] == c
    r = client.post(f"/api/analytics/hotspots/{a}/rename", json={"name": "助餐点关闭"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "助餐点关闭"
    r = client.post(f"/api/analytics/hotspots/{b}/merge", json={"into_id": a}, headers=h)
    assert r.status_code == 200, r.text
    assert (
        r.json()["orders"] == 21
        and r.json()["districts"] == {"西城区": 21}
        and r.json()["examples"] == [0, 1]
    )
    assert client.post(f"/api/analytics/hotspots/{b}/dismiss", headers=h).status_code == 409
    assert (
        client.post(f"/api/analytics/hotspots/{c}/merge", json={"into_id": c}, headers=h).status_code == 422
    )
    assert client.post(f"/api/analytics/hotspots/{c}/dismiss", headers=h).json()["status"] == "dismissed"
    assert client.post(f"/api/analytics/hotspots/{a}/dismiss", headers=auth("supervisor")).status_code == 403
    assert [x["id"] for x in client.get("/api/analytics/hotspots?status=open", headers=h).json()] == [a]
    assert client.get("/api/analytics/hotspots?status=gone", headers=h).json()["field"] == "status"
    audit = client.get("/api/audit?limit=50", headers=auth("admin")).json()
    actions = {e["action"] for e in audit["items"]}
    assert {"hotspot.rename", "hotspot.merge", "hotspot.dismiss"} <= actions
