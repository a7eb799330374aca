"""Repeat callers (重复来电) and knowledge usage (知识库使用): every figure, in total and by each
dimension, equals a naive recount from the raw rows (calls, the work orders they were filed as,
knowledge uses, citations and searches) for days, months and a range across midnight and month
boundaries; the drill-down lists exactly the calls and orders behind a figure; bad parameters are
a 422 naming the field. On SQLite and PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, text

from hotline.analytics import knowledge_use, repeats
from hotline.analytics.periods import Kind, Period, month
from hotline.calls.models import Call
from hotline.knowledge.models import Article, ArticleEvent, ArticleLink, SearchLog
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder, WorkOrderLink
from tests.analytics.helpers import add_order, categories, local_day

BASE = datetime(2025, 9, 30, 16, tzinfo=UTC)  # local midnight of 1 Oct 2025, a month's first day
OFFSETS = st.integers(-4 * 86_400, 4 * 86_400)
_uuids = iter(range(10**9))


def _users(db: Database) -> list[int]:
    with db.session() as s:
        return [int(r[0]) for r in s.execute(text("SELECT id FROM users ORDER BY id LIMIT 2"))]


def _clear(db: Database) -> None:
    with db.session() as s:
        for model in (WorkOrderLink, ArticleEvent, ArticleLink, SearchLog, Call):
            s.execute(delete(model))
        s.execute(delete(Article).where(Article.category.like("测试/%")))
        s.execute(delete(WorkOrder).where(WorkOrder.number.like("T%")))


def _periods(days: set[date]) -> list[Period]:
    out = [Period(Kind.day, d, d) for d in sorted(days)]
    out += [month(d) for d in sorted({d.replace(day=1) for d in days})]
    return [*out, Period(Kind.custom, date(2025, 9, 26), date(2025, 10, 4))]


# --- repeat callers -------------------------------------------------------------------------------

call_st = st.tuples(
    st.sampled_from(["13800000001", "13800000002", "13800000003"]),
    OFFSETS,
    st.sampled_from(["q1", "q2", None]),
    st.sampled_from([None, 0, 1]),  # agent: none, or one of two users
    st.sampled_from([None, 0, 1]),  # filed as a work order of category 0 or 1, or none
)


def _add_calls(db: Database, specs: list[tuple[Any, ...]]) -> None:
    users, cats = _users(db), categories(db)
    with db.session() as s:
        for number, offset, queue, agent, cat in specs:
            uuid = f"r-{next(_uuids)}"
            s.add(
                Call(
                    uuid=uuid,
                    caller_number=number,
                    queue=queue,
                    agent_id=None if agent is None else users[agent],
                    started_at=BASE + timedelta(seconds=offset),
                    state="ended",
                )
            )
            if cat is not None:
                order = add_order(s, created_at=BASE, category_id=cats[cat])
                s.add(WorkOrderLink(workorder_id=order.id, kind="call", ref=uuid))


def _naive_repeats(db: Database, period: Period, within: int, key: Callable[[Call], Any]) -> dict[Any, Any]:
    with db.session() as s:
        calls = list(s.scalars(select(Call)))
        cat = {
            ref: c
            for ref, c in s.execute(
                select(WorkOrderLink.ref, WorkOrder.category_id).join(
                    WorkOrder, WorkOrder.id == WorkOrderLink.workorder_id
                )
            )
        }
    rows: dict[Any, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    numbers: dict[Any, set[str]] = defaultdict(set)
    repeaters: dict[Any, set[str]] = defaultdict(set)
    for c in calls:
        if not c.caller_number or not period.first <= local_day(c.started_at) <= period.last:
            continue
        before = [
            p
            for p in calls
            if p.caller_number == c.caller_number
            and (p.started_at, p.id) < (c.started_at, c.id)
            and c.started_at - p.started_at <= timedelta(days=within)
        ]
        same = [p for p in before if cat.get(c.uuid) is not None and cat.get(p.uuid) == cat.get(c.uuid)]
        r = rows[key(c)]
        r["calls"] += 1
        r["repeat_calls"] += bool(before)
        r["same_matter_repeats"] += bool(same)
        numbers[key(c)].add(c.caller_number)
        if before:
            repeaters[key(c)].add(c.caller_number)
    out = {}
    for k, r in rows.items():
        n = r["calls"]
        out[k] = {
            "calls": n,
            "repeat_calls": r["repeat_calls"],
            "repeat_rate": round(r["repeat_calls"] / n, 4),
            "same_matter_repeats": r["same_matter_repeats"],
            "same_matter_rate": round(r["same_matter_repeats"] / n, 4),
            "callers": len(numbers[k]),
            "repeat_callers": len(repeaters[k]),
        }
    return out


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(calls=st.lists(call_st, min_size=1, max_size=25), within=st.sampled_from([1, 3, 7]))
def test_repeat_callers_equal_naive_recount(db: Database, calls: list[tuple[Any, ...]], within: int) -> None:
    _clear(db)
    _add_calls(db, calls)
    days = {local_day(BASE + timedelta(seconds=c[1])) for c in calls}
    with db.session() as s:
        for period in _periods(days):
            got = repeats.report(s, period, within, None, None)
            want = _naive_repeats(db, period, within, lambda c: None)
            assert got["totals"] == want.get(None, repeats.figures({})), period
            by_q = repeats.report(s, period, within, "queue", None)["rows"]
            want_q = _naive_repeats(db, period, within, lambda c: c.queue or "")
            assert {r["key"]: r["figures"] for r in by_q} == want_q
            by_agent = repeats.report(s, period, within, "agent", None)["rows"]
            want_a = _naive_repeats(db, period, within, lambda c: c.agent_id or 0)
            assert {r["key"]: r["figures"] for r in by_agent} == want_a
            only_q1 = repeats.report(s, period, within, None, "q1")["totals"]
            assert only_q1 == _naive_repeats(db, period, within, lambda c: c.queue).get(
                "q1", repeats.figures({})
            )
            # the drill-down: exactly the repeat calls (and those about the same matter) behind it
            for same in (False, True):
                d = repeats.drill(s, period, within, None, None, same, pii=False)
                assert d["total"] == got["totals"]["same_matter_repeats" if same else "repeat_calls"]
                assert len(d["items"]) == d["total"]
                assert all(
                    i["previous_started_at"] < i["started_at"] or i["previous_started_at"] == i["started_at"]
                    for i in d["items"]
                )


# --- knowledge usage ------------------------------------------------------------------------------

use_st = st.tuples(
    st.sampled_from(["call", "call", "order", "search"]),
    st.integers(0, 2),  # article
    st.sampled_from([None, 0, 1]),  # agent
    st.sampled_from(["c1", "c2", "c3", None]),  # call
    OFFSETS,
    st.sampled_from([0, 0, 3]),  # search results
)
ARTICLE_CATEGORIES = ("测试/低保", "测试/低保", "测试/养老")


def _add_uses(db: Database, specs: list[tuple[Any, ...]]) -> None:
    users = _users(db)
    with db.session() as s:
        arts = [
            Article(title=f"文章{i}", category=c, state="published") for i, c in enumerate(ARTICLE_CATEGORIES)
        ]
        s.add_all(arts)
        s.flush()
        for kind, art, agent, call, offset, results in specs:
            at = BASE + timedelta(seconds=offset)
            user = None if agent is None else users[agent]
            if kind == "call":
                s.add(ArticleEvent(article_id=arts[art].id, kind="use", user_id=user, call_id=call, at=at))
            elif kind == "order":  # one work order each (a pair is cited once)
                order = add_order(s, created_at=BASE)
                s.add(ArticleLink(article_id=arts[art].id, work_order_id=str(order.id), created_at=at))
            else:
                s.add(SearchLog(query="低保怎么办", results=results, user_id=user, at=at))
            s.add(ArticleEvent(article_id=arts[art].id, kind="view", user_id=user, at=at))  # not a use


def _naive_knowledge(db: Database, period: Period, by: str | None) -> dict[Any, Any]:
    with db.session() as s:
        cats = {a.id: a.category for a in s.scalars(select(Article))}
        uses = [e for e in s.scalars(select(ArticleEvent)) if e.kind == "use"]
        links = list(s.scalars(select(ArticleLink)))
        searches = list(s.scalars(select(SearchLog)))

    def inside(at: datetime) -> bool:
        return period.first <= local_day(at) <= period.last

    def key(article_id: int, user: int | None) -> Any:
        return {None: None, "article": article_id, "category": cats[article_id], "agent": user or 0}[by]

    rows: dict[Any, dict[str, Any]] = defaultdict(
        lambda: {"uses": 0, "links": 0, "calls": set(), "arts": set(), "s": 0, "s0": 0}
    )
    for e in uses:
        if inside(e.at):
            r = rows[key(e.article_id, e.user_id)]
            r["uses"] += 1
            r["arts"].add(e.article_id)
            if e.call_id:
                r["calls"].add(e.call_id)
    for link in links:
        if inside(link.created_at):
            r = rows[key(link.article_id, None)]
            r["links"] += 1
            r["arts"].add(link.article_id)
    if by in (None, "agent"):
        for q in searches:
            if inside(q.at):
                r = rows[None if by is None else q.user_id or 0]
                r["s"] += 1
                r["s0"] += q.results == 0
    return {
        k: {
            "uses": r["uses"],
            "calls": len(r["calls"]),
            "order_links": r["links"],
            "articles": len(r["arts"]),
            "searches": r["s"],
            "no_answer_searches": r["s0"],
            "no_answer_rate": round(r["s0"] / r["s"], 4) if r["s"] else None,
        }
        for k, r in rows.items()
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(uses=st.lists(use_st, min_size=1, max_size=25))
def test_knowledge_usage_equals_naive_recount(db: Database, uses: list[tuple[Any, ...]]) -> None:
    _clear(db)
    _add_uses(db, uses)
    days = {local_day(BASE + timedelta(seconds=u[4])) for u in uses}
    with db.session() as s:
        for period in _periods(days):
            got = knowledge_use.report(s, period, None)
            assert got["totals"] == _naive_knowledge(db, period, None).get(None, knowledge_use.figures({})), (
                period
            )
            for by in ("article", "category", "agent"):
                rows = knowledge_use.report(s, period, by)["rows"]
                assert {r["key"]: r["figures"] for r in rows} == _naive_knowledge(db, period, by), (
                    period,
                    by,
                )
            d = knowledge_use.drill(s, period, None, None, None, pii=False)
            assert d["total_calls"] <= got["totals"]["calls"]  # only calls with a CDR are listed
            assert d["total_orders"] == got["totals"]["order_links"] == len(d["orders"])


def test_reports_and_drills_over_http(
    db: Database, client: TestClient, auth: Callable[[str], dict[str, str]]
) -> None:
    _clear(db)
    _add_calls(
        db,
        [
            ("13800000009", 0, "q1", 0, 0),
            ("13800000009", 3600, "q1", 0, 0),
            ("13800000009", 7200, "q2", 1, 1),
        ],
    )
    _add_uses(
        db, [("call", 0, 0, "c1", 60, 0), ("order", 1, None, None, 60, 0), ("search", 0, 0, None, 60, 0)]
    )
    h = auth("analyst")
    q = "period=day&date=2025-10-01"
    r = client.get(f"/api/analytics/repeats?{q}&within=1&by=queue", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["totals"]["calls"] == 3
        and body["totals"]["repeat_calls"] == 2
        and body["totals"]["same_matter_repeats"] == 1
    )
    assert body["totals"]["repeat_callers"] == 1 and [row["key"] for row in body["rows"]] == ["q1", "q2"]
    d = client.get(f"/api/analytics/repeats/drill?{q}&within=1&same_matter=true", headers=h).json()
    assert d["total"] == 1 and d["items"][0]["caller_number"] != "13800000009"  # masked for analysts
    assert d["items"][0]["previous_started_at"].startswith("2025-09-30T16:00")
    k = client.get(f"/api/analytics/knowledge?{q}&by=article", headers=h).json()
    assert [(row["label"], row["figures"]["uses"], row["figures"]["order_links"]) for row in k["rows"]] == [
        ("文章0", 1, 0),
        ("文章1", 0, 1),
    ]
    assert k["totals"]["no_answer_searches"] == 1 and k["totals"]["no_answer_rate"] == 1.0
    kd = client.get(f"/api/analytics/knowledge/drill?{q}&category=测试/低保", headers=h).json()
    assert kd["total_orders"] == 1 and kd["orders"][0]["number"].startswith("T")
    for url, field in (
        ("/api/analytics/repeats?by=district", "by"),
        ("/api/analytics/repeats?within=0", "within"),
        ("/api/analytics/knowledge?by=queue", "by"),
        ("/api/analytics/knowledge?period=custom&start=2020-01-01&end=2025-01-01", "period"),
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 422, url
        assert r.json().get("field", "") == field or field in r.text, (url, r.text)
    assert client.get("/api/analytics/repeats", headers=auth("agent")).status_code == 403
