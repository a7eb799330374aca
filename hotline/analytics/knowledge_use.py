"""Knowledge usage (知识库使用): which articles were used on calls ("answered with this") and
cited by work orders, by article, by category (the article's category path) or by agent, and the
searches that found nothing (知识缺口), with the calls and orders behind each figure. Counted from
the knowledge domain's rows of the period (read through `knowledge/feed.py`), defined in
docs/analytics.md. Work-order citations have no agent: by agent they are the row 0."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from hotline.analytics import rawreport
from hotline.analytics.daytypes import day_range
from hotline.analytics.periods import Period
from hotline.calls import history
from hotline.calls import stats as call_stats
from hotline.errors import Invalid
from hotline.knowledge import feed
from hotline.masking import mask_text
from hotline.workorders import stats as order_stats

BYS = ("article", "category", "agent")
COUNTS = ("uses", "order_links", "searches", "no_answer_searches")


def check(by: str | None) -> None:
    if by is not None and by not in BYS:
        raise Invalid(f"by must be one of {', '.join(BYS)}", f"分组 by 须为 {'、'.join(BYS)}", field="by")


def _key(use: feed.Use, by: str | None, cats: Mapping[int, tuple[str, str]]) -> Any:
    if by == "article":
        return use.article_id
    if by == "category":
        return cats.get(use.article_id, ("", ""))[1]
    if by == "agent":
        return use.user_id
    return None


def _sums(session: Session) -> Any:
    def sums(period: Period, by: str | None) -> rawreport.Sums:
        start, end = day_range(period.first, period.last)
        uses = feed.uses_between(session, start, end)
        cats = feed.articles(session, sorted({u.article_id for u in uses})) if by == "category" else {}
        counts: dict[Any, dict[str, float]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0.0))
        calls: dict[Any, set[str]] = defaultdict(set)
        articles: dict[Any, set[int]] = defaultdict(set)
        for u in uses:
            key = _key(u, by, cats)
            counts[key]["uses" if u.kind == "call" else "order_links"] += 1
            articles[key].add(u.article_id)
            if u.kind == "call" and u.ref:
                calls[key].add(u.ref)
        if by in (None, "agent"):  # searches have a user, not an article
            for user, results in feed.searches_between(session, start, end):
                c = counts[None if by is None else user]
                c["searches"] += 1
                c["no_answer_searches"] += results == 0
        for key, c in counts.items():
            c["calls"], c["articles"] = len(calls[key]), len(articles[key])
        return dict(counts)

    return sums


def figures(s: Mapping[str, float]) -> dict[str, Any]:
    searches = s.get("searches", 0)
    return {
        "uses": int(s.get("uses", 0)),
        "calls": int(s.get("calls", 0)),
        "order_links": int(s.get("order_links", 0)),
        "articles": int(s.get("articles", 0)),
        "searches": int(searches),
        "no_answer_searches": int(s.get("no_answer_searches", 0)),
        "no_answer_rate": rawreport.rate(s.get("no_answer_searches", 0), searches),
    }


def report(session: Session, period: Period, by: str | None) -> dict[str, Any]:
    check(by)
    names: dict[int, tuple[str, str]] = {}
    if by == "article":
        start, end = day_range(period.first, period.last)
        names = feed.articles(session, sorted({u.article_id for u in feed.uses_between(session, start, end)}))

    def label(v: Any) -> str:
        if by == "article":
            return names.get(v, (f"#{v}", ""))[0]
        if by == "category":
            return v or "未分类"
        return "（工单引用或无座席）" if not v else f"#{v}"

    return rawreport.build("knowledge", period, {}, by, _sums(session), figures, label)


def drill(
    session: Session,
    period: Period,
    article_id: int | None,
    category: str | None,
    agent_id: int | None,
    pii: bool,
    limit: int = 200,
) -> dict[str, Any]:
    """The calls on which the articles were used and the work orders citing them."""
    rawreport.check(period)
    start, end = day_range(period.first, period.last)
    uses = feed.uses_between(session, start, end)
    cats = feed.articles(session, sorted({u.article_id for u in uses})) if category is not None else {}
    picked = [
        u
        for u in uses
        if (article_id is None or u.article_id == article_id)
        and (category is None or cats.get(u.article_id, ("", ""))[1] == category)
        and (agent_id is None or u.user_id == agent_id)
    ]
    call_ids = sorted({u.ref for u in picked if u.kind == "call" and u.ref})
    order_ids = sorted({int(u.ref) for u in picked if u.kind == "order" and u.ref.isdigit()})
    orders = order_stats.numbers_of(session, order_ids[:limit])
    return {
        "total_calls": len(call_ids),
        "total_orders": len(order_ids),
        "calls": [
            history.cdr_out(r, pii).model_dump(mode="json")
            for r in call_stats.calls_by_uuid(session, call_ids, limit)
        ],
        "orders": [
            {"id": i, "number": n, "title": "（保密）" if c else mask_text(t)}
            for i, (n, t, c) in sorted(orders.items())
        ],
    }
