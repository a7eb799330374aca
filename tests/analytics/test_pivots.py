"""The report builder: a pivot's figures equal the standard report's and a naive recomputation,
unknown dimensions and measures are a 422 naming the field, an empty period answers zeros with a
note, saved reports are the owner's (shared ones readable by all, changed only by the owner, every
write audited, a stale copy a 409), and the Excel export holds the page's figures, escaped."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.analytics import pivots, reports, rollup
from hotline.analytics.periods import Kind, Period
from hotline.audit.models import AuditEntry
from hotline.exports import cell
from hotline.store.db import Database
from tests.analytics.helpers import Line, add_lines, add_order, categories, naive_orders

OCT1 = datetime(2025, 9, 30, 16, tzinfo=UTC)  # local midnight, 1 Oct 2025 (National Day)
Q = "period=month&date=2025-10-15"


def _history(db: Database) -> list[int]:
    cats = categories(db)
    with db.session() as s:
        for i in range(9):
            add_order(
                s,
                created_at=OCT1 + timedelta(days=i * 3, hours=3),
                district=["东城区", "西城区", "=HYPERLINK(1)"][i % 3],
                category_id=cats[i % 2],
                channel="phone" if i < 5 else "web",
                state="closed" if i % 2 else "dispatched",
                closed_at=OCT1 + timedelta(days=i * 3, hours=5) if i % 2 else None,
                satisfaction="satisfied" if i % 4 == 1 else None,
            )
        add_order(s, created_at=OCT1 - timedelta(days=2), district="东城区", channel="web", state="accepted")
    add_lines(
        db,
        [
            Line("enter", "q1", OCT1 + timedelta(hours=2)),
            Line("connect", "q1", OCT1 + timedelta(hours=2, seconds=10), agent_id=1, wait=10),
            Line("complete", "q1", OCT1 + timedelta(hours=2, seconds=200), agent_id=1, data={"talk": 190}),
            Line("enter", "q2", OCT1 + timedelta(days=10, hours=3)),
            Line("abandon", "q2", OCT1 + timedelta(days=10, hours=3, seconds=30), wait=30),
        ],
    )
    rollup.catch_up(db)
    return cats


def test_pivot_matches_the_report_and_raw_rows(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _history(db)
    h = auth("analyst")
    measures = "orders,closed,on_time_rate,visited,satisfaction_rate"
    r = client.get(
        f"/api/analytics/pivot?rollup=orders&dimensions=district,channel&measures={measures}&{Q}", headers=h
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert [d["key"] for d in body["dimensions"]] == ["district", "channel"]
    report = client.get(f"/api/analytics/orders?{Q}", headers=h).json()
    assert body["totals"] == {m: report["totals"][m] for m in measures.split(",")}
    first, last = date(2025, 10, 1), date(2025, 10, 31)
    for row in body["rows"]:
        district, channel = row["keys"]
        naive = naive_orders(db, first, last, district=district, channel=channel)
        assert row["figures"] == {m: naive[m] for m in measures.split(",")}, row
    labels = {tuple(r["labels"]) for r in body["rows"]}
    assert ("东城区", "电话") in labels and ("西城区", "网上留言") in labels
    # month and day type are folded from the days: National Day week is 节假日
    r = client.get(
        f"/api/analytics/pivot?rollup=orders&dimensions=month,day_type&measures=orders&{Q}", headers=h
    ).json()
    by_type = {row["labels"][1]: row["figures"]["orders"] for row in r["rows"]}
    assert r["rows"][0]["labels"][0] == "2025年10月"
    assert sum(by_type.values()) == 9 and by_type["节假日"] == 3  # 1, 4, 7 Oct


def test_call_pivot_counts_the_center_once_and_by_queue(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _history(db)
    h = auth("analyst")
    base = "/api/analytics/pivot?rollup=calls&measures=offered,answered,answer_rate,asa"
    r = client.get(f"{base}&dimensions=queue,hour&{Q}", headers=h)
    assert r.status_code == 200, r.text
    rows = {tuple(row["keys"]): row["figures"] for row in r.json()["rows"]}
    assert rows[("q1", 2)] == {"offered": 1, "answered": 1, "answer_rate": 1.0, "asa": 10.0}
    assert rows[("q2", 3)]["answer_rate"] == 0.0
    r = client.get(f"{base}&dimensions=agent&{Q}", headers=h).json()
    assert r["totals"] == {"offered": 2, "answered": 1, "answer_rate": 0.5, "asa": 10.0}
    assert [row["labels"][0] for row in r["rows"]] == ["无座席", r["rows"][1]["labels"][0]]


def test_bad_specs_are_422_naming_the_field(
    client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    h = auth("analyst")
    cases = {
        "rollup=orders&dimensions=district,shoe_size&measures=orders": ("dimensions", "shoe_size"),
        "rollup=orders&dimensions=queue&measures=orders": ("dimensions", "queue"),
        "rollup=orders&dimensions=district&measures=orders,asa": ("measures", "asa"),
        "rollup=orders&dimensions=district&measures=": ("measures", None),
        "rollup=orders&dimensions=&measures=orders": ("dimensions", None),
        "rollup=orders&dimensions=day,day&measures=orders": ("dimensions", None),
        "rollup=orders&dimensions=day,month,week,weekday&measures=orders": ("dimensions", None),
        "rollup=cdrs&dimensions=day&measures=orders": ("rollup", None),
        "rollup=orders&dimensions=day&measures=orders&queue=q1": ("queue", None),
        "rollup=calls&dimensions=day&measures=offered&state=closed": ("state", None),
        "rollup=orders&dimensions=day&measures=orders&state=lost": ("state", None),
    }
    for query, (field, value) in cases.items():
        r = client.get(f"/api/analytics/pivot?{query}", headers=h)
        assert r.status_code == 422, (query, r.text)
        assert r.json()["field"] == field, (query, r.json())
        if value is not None:
            assert value in r.json()["detail"]


def test_empty_period_answers_zeros_with_a_note(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    r = client.get(
        "/api/analytics/pivot?rollup=orders&dimensions=district&measures=orders,on_time_rate&period=year&date=2001-01-01",
        headers=auth("analyst"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["empty"] and body["rows"] == [] and body["note_zh"] == "该期间没有数据，各项指标均为零"
    assert body["totals"] == {"orders": 0, "on_time_rate": None}


def test_saved_reports_are_the_owners_and_audited(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    analyst, admin, supervisor = auth("analyst"), auth("admin"), auth("supervisor")
    spec = {
        "rollup": "orders",
        "dimensions": ["district"],
        "measures": ["orders", "on_time_rate"],
        "filters": {"channel": "phone"},
        "period": {"kind": "month", "date": "2025-10-15"},
    }
    r = client.post("/api/analytics/saved-reports", json={"name": "区县月报", "spec": spec}, headers=analyst)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["mine"] and not mine["shared"] and mine["version"] == 1
    bad = {**spec, "dimensions": ["shoe_size"]}
    r = client.post("/api/analytics/saved-reports", json={"name": "坏", "spec": bad}, headers=analyst)
    assert r.status_code == 422 and r.json()["field"] == "dimensions"
    custom = {**spec, "period": {"kind": "custom", "start": "2025-10-01"}}
    r = client.post("/api/analytics/saved-reports", json={"name": "坏", "spec": custom}, headers=analyst)
    assert r.status_code == 422 and r.json()["field"] == "end"
    far = {**spec, "period": {"kind": "week", "date": "9999-12-31"}}
    r = client.post("/api/analytics/saved-reports", json={"name": "坏", "spec": far}, headers=analyst)
    assert r.status_code == 422 and r.json()["field"] == "date"  # periods stop at 2199
    # private: others do not see it
    assert client.get("/api/analytics/saved-reports", headers=admin).json() == []
    assert client.get(f"/api/analytics/saved-reports/{mine['id']}/run", headers=admin).status_code == 404
    # readers without analytics.write cannot save
    assert (
        client.post(
            "/api/analytics/saved-reports", json={"name": "x", "spec": spec}, headers=supervisor
        ).status_code
        == 403
    )
    # shared: readable by all, changed only by the owner; a stale copy is a 409
    url = f"/api/analytics/saved-reports/{mine['id']}"
    r = client.patch(url, json={"version": 1, "shared": True, "name": "区县月报（共享）"}, headers=analyst)
    assert r.status_code == 200, r.text
    assert r.json()["shared"] and r.json()["version"] == 2
    assert client.patch(url, json={"version": 1, "name": "旧"}, headers=analyst).status_code == 409
    listed = client.get("/api/analytics/saved-reports", headers=supervisor).json()
    assert [(x["name"], x["mine"]) for x in listed] == [("区县月报（共享）", False)]
    assert client.get(f"{url}/run", headers=supervisor).status_code == 200
    assert client.patch(url, json={"version": 2, "name": "改"}, headers=admin).status_code == 403
    assert client.delete(url, headers=admin).status_code == 403
    r = client.get(f"{url}/export.xlsx", headers=supervisor)
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None and ws["A1"].value == "区县月报（共享）" and "2025-10-01" in str(ws["B1"].value)
    assert client.delete(url, headers=analyst).status_code == 204
    assert client.get(url, headers=analyst).status_code == 404
    with db.session() as s:
        actions = list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.entity == "saved_report").order_by(AuditEntry.id)
            )
        )
    assert actions == ["saved_report.create", "saved_report.update", "saved_report.delete"]


def test_excel_export_holds_the_pages_figures_escaped(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _history(db)
    h = auth("analyst")
    query = f"rollup=orders&dimensions=district&measures=orders,closed,on_time_rate&{Q}"
    page = client.get(f"/api/analytics/pivot?{query}", headers=h).json()
    r = client.get(f"/api/analytics/pivot.xlsx?{query}", headers=h)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    lines = [list(row) for row in ws.iter_rows(values_only=True)]
    header = lines.index(["区县", "工单数", "办结", "按时办结率"])
    body = lines[header + 1 : header + 1 + len(page["rows"])]
    assert body == [[*(cell(x) for x in row["labels"]), *row["figures"].values()] for row in page["rows"]]
    assert ["'=HYPERLINK(1)", 3, 1, 1.0] in lines  # a citizen's formula stays text
    assert lines[header + 1 + len(page["rows"])] == ["合计", *page["totals"].values()]
    # a reader without analytics.export cannot download
    assert client.get(f"/api/analytics/pivot.xlsx?{query}", headers=auth("agent")).status_code == 403


def test_whole_months_and_the_days_around_them_add_up(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    """A custom period from 29 Sep to 2 Nov reads October from the month table and the days
    around it from the day table; by month × district every cell equals the raw rows."""
    _history(db)
    with db.session() as s:
        for day in (28, 29):  # 29 and 30 Sep local
            add_order(s, created_at=datetime(2025, 9, day, 20, tzinfo=UTC), district="西城区", channel="sms")
        add_order(s, created_at=datetime(2025, 11, 1, 1, tzinfo=UTC), district="西城区", channel="sms")
    rollup.catch_up(db)
    q = "rollup=orders&dimensions=month,district&measures=orders,closed,satisfaction_rate"
    r = client.get(
        f"/api/analytics/pivot?{q}&period=custom&start=2025-09-29&end=2025-11-02", headers=auth("analyst")
    )
    assert r.status_code == 200, r.text
    spans = {
        "2025-09": (date(2025, 9, 29), date(2025, 9, 30)),
        "2025-10": (date(2025, 10, 1), date(2025, 10, 31)),
    }
    spans["2025-11"] = (date(2025, 11, 1), date(2025, 11, 2))
    spec = pivots.Spec("orders", ("month", "district"), ("orders",), {})
    period = Period(Kind.custom, date(2025, 9, 29), date(2025, 11, 2))
    assert [
        (p[0].time, p[1].isoformat(), p[2].isoformat()) for p in pivots._parts(reports.ORDERS, spec, period)
    ] == [
        ("day", "2025-09-29", "2025-09-30"),
        ("day", "2025-11-01", "2025-11-02"),
        ("month", "2025-10-01", "2025-10-01"),
    ]
    seen = 0
    for row in r.json()["rows"]:
        month, district = row["keys"]
        naive = naive_orders(db, *spans[month], district=district)
        assert row["figures"] == {m: naive[m] for m in ("orders", "closed", "satisfaction_rate")}, row
        seen += naive["orders"]
    assert seen == r.json()["totals"]["orders"] == 9 + 3 + 1  # October, 29-30 Sep, 1 Nov
    # By month × channel: October from the month × channel × state table, each cell still the raw rows.
    spec = pivots.Spec("orders", ("month", "channel"), ("orders",), {})
    assert pivots._parts(reports.ORDERS, spec, period)[-1][0] is reports.ORDER_MONTHS_CHANNEL
    q = "rollup=orders&dimensions=month,channel&measures=orders,closed"
    r = client.get(
        f"/api/analytics/pivot?{q}&period=custom&start=2025-09-29&end=2025-11-02", headers=auth("analyst")
    )
    assert r.status_code == 200, r.text
    for row in r.json()["rows"]:
        month, channel = row["keys"]
        naive = naive_orders(db, *spans[month], channel=channel)
        assert row["figures"] == {m: naive[m] for m in ("orders", "closed")}, row
    assert r.json()["totals"]["orders"] == 13
    # Filtered on a district, by channel: the table with every key; calls by agent: month × agent.
    spec = pivots.Spec("orders", ("channel",), ("orders",), {"district": "西城区"})
    assert pivots._parts(reports.ORDERS, spec, period)[-1][0] is reports.ORDER_MONTHS
    spec = pivots.Spec("calls", ("month", "agent"), ("offered",), {})
    assert pivots._parts(reports.CALLS, spec, period)[-1][0] is reports.CALL_AGENT_MONTHS
