"""Hotspot detection (热点发现), run for one local day at a time (the daily job runs it for today
and yesterday; re-running a day updates, never duplicates).

(a) **Spikes of category × district.** The day's orders of each category × district (from the
orders rollup) against the mean of the same cell over the previous 28 days *of the same class*
(working days — incl. make-up Saturdays — or days off — weekends and holidays), so a holiday's
quiet is never the baseline of a Monday. Test: one-sided exact Poisson, P(X ≥ count | λ) <
`ALPHA` (1e-6) with at least `MIN_SPIKE` (8) orders, λ floored at 0.2.

(b) **Clusters of similar texts.** The orders of the last 3 days (title + content, jieba words,
TF-IDF over those and the 28 days before) grouped by centroid clustering at cosine ≥ 0.35; the
members of a cluster holding both its top terms (at least `MIN_CLUSTER`, 8) are a hotspot when
their number is improbable against the baseline rate of orders holding those terms (same Poisson
test and `ALPHA`). It is
named by its top terms and keeps counts per day, districts and example orders.

A cluster found again on a later day (sharing ≥ 2 of its top terms with an open hotspot seen in
the last 3 days) updates that hotspot; a spike whose cell an open cluster already covers is that
cluster. A new hotspot is announced (`analytics.hotspot_detected`) to supervisors.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.analytics import textterms
from hotline.analytics.daytypes import LOCAL, DayType, day_range, day_type
from hotline.analytics.models import Hotspot, OrderDay
from hotline.analytics.topics import HotspotDetected
from hotline.audit.service import Actor, record
from hotline.bus import publish_on_commit
from hotline.store.base import utcnow
from hotline.workorders import stats

ALPHA = 1e-6
MIN_SPIKE = 8
MIN_CLUSTER = 8
LAMBDA_FLOOR = 0.2
BASELINE_DAYS = 28
WINDOW_DAYS = 3
SIMILARITY = 0.35
SYSTEM = Actor(None, "analytics.hotspots")


def _off(day: date) -> bool:
    return day_type(day) in (DayType.weekend, DayType.holiday)


@dataclass
class Found:
    kind: str
    name: str
    terms: list[str]
    category_id: int | None
    district: str | None
    orders: int
    baseline: float
    p_value: float
    districts: dict[str, int] = field(default_factory=dict)
    trend: dict[str, int] = field(default_factory=dict)
    examples: list[int] = field(default_factory=list)


def spikes(session: Session, day: date) -> list[Found]:
    first = day - timedelta(days=BASELINE_DAYS)
    rows = session.execute(
        select(OrderDay.category_id, OrderDay.district, OrderDay.day, func.sum(OrderDay.orders))
        .where(OrderDay.day >= first, OrderDay.day <= day)
        .group_by(OrderDay.category_id, OrderDay.district, OrderDay.day)
    ).all()
    cells: dict[tuple[int, str], dict[date, int]] = defaultdict(dict)
    for cat, district, d, n in rows:
        cells[(int(cat), str(district))][d] = int(n or 0)
    same = [first + timedelta(days=i) for i in range(BASELINE_DAYS)]
    same = [d for d in same if _off(d) == _off(day)] or same
    found = []
    for (cat, district), days in cells.items():
        count = days.get(day, 0)
        if count < MIN_SPIKE:
            continue
        lam = max(sum(days.get(d, 0) for d in same) / len(same), LAMBDA_FLOOR)
        p = textterms.poisson_sf(count, lam)
        if p < ALPHA:
            name = f"{district or '未填区县'} 工单激增"
            found.append(
                Found(
                    "spike",
                    name,
                    [],
                    cat or None,
                    district or None,
                    count,
                    round(lam, 3),
                    p,
                    {district: count},
                )
            )
    return found


def clusters(session: Session, day: date, cache: textterms.TokenCache) -> list[Found]:
    window_first = day - timedelta(days=WINDOW_DAYS - 1)
    base_first = window_first - timedelta(days=BASELINE_DAYS)
    start, mid = day_range(base_first, window_first - timedelta(days=1))
    _, end = day_range(window_first, day)
    base = stats.texts_between(session, start, mid)
    window = stats.texts_between(session, mid, end)
    base_words = [cache.get(o.id, f"{o.title} {o.content}") for o in base]
    win_words = [cache.get(o.id, f"{o.title} {o.content}") for o in window]
    weights = textterms.idf([*base_words, *win_words])
    vectors = [textterms.vector(w, weights) for w in win_words]
    found = []
    for members in textterms.leader_clusters(vectors, SIMILARITY):
        if len(members) < MIN_CLUSTER:
            continue
        terms = textterms.top_terms([vectors[i] for i in members])
        sig = set(terms[:2])
        # Like with like: the members holding both top terms against the baseline's rate of
        # orders holding them (a cluster joined through one shared word is not all new).
        members = [i for i in members if sig <= win_words[i]]
        hits = sum(1 for w in base_words if sig <= w)
        lam = max(hits * WINDOW_DAYS / BASELINE_DAYS, LAMBDA_FLOOR)
        p = textterms.poisson_sf(len(members), lam)
        if len(members) < MIN_CLUSTER or p >= ALPHA:
            continue
        orders = [window[i] for i in members]
        districts = Counter(o.district or "" for o in orders)
        cats = Counter(o.category_id for o in orders)
        found.append(
            Found(
                "cluster",
                " ".join(terms[:3]),
                terms,
                cats.most_common(1)[0][0],
                districts.most_common(1)[0][0] or None,
                len(orders),
                round(lam, 3),
                p,
                dict(districts),
                _local_trend(orders),
                sorted(o.id for o in orders)[:10],
            )
        )
    return found


def _local_trend(orders: list[stats.OrderText]) -> dict[str, int]:
    return dict(sorted(Counter(o.created_at.astimezone(LOCAL).date().isoformat() for o in orders).items()))


def detect(session: Session, day: date, cache: textterms.TokenCache | None = None) -> list[Hotspot]:
    """Find the day's hotspots and store them; returns the new ones (announced on commit)."""
    cache = cache or textterms.TokenCache()
    recent = list(
        session.scalars(
            select(Hotspot).where(
                Hotspot.status == "open", Hotspot.last_day >= day - timedelta(days=WINDOW_DAYS)
            )
        )
    )
    new: list[Hotspot] = []
    for f in clusters(session, day, cache):
        same = next(
            (h for h in recent if h.kind == "cluster" and len(set(h.terms) & set(f.terms)) >= 2), None
        )
        if same is not None:
            _update(same, f, day)
        else:
            new.append(_create(session, f, day))
            recent.append(new[-1])
    for f in spikes(session, day):
        same = next((h for h in recent if (h.category_id, h.district) == (f.category_id, f.district)), None)
        if same is not None:
            if same.kind == "spike":
                _update(same, f, day)
            continue
        new.append(_create(session, f, day))
        recent.append(new[-1])
    return new


def _update(h: Hotspot, f: Found, day: date) -> None:
    h.last_day = max(h.last_day, day)
    h.orders = max(h.orders, f.orders)
    if f.kind == "cluster":
        h.trend = {**(h.trend or {}), **f.trend}
        h.districts = f.districts
        h.examples = sorted({*(h.examples or []), *f.examples})[:10]
    else:
        h.trend = {**(h.trend or {}), day.isoformat(): f.orders}
    h.updated_at = utcnow()


def _create(session: Session, f: Found, day: date) -> Hotspot:
    h = Hotspot(
        kind=f.kind,
        status="open",
        name=f.name[:100],
        terms=f.terms,
        category_id=f.category_id,
        district=f.district,
        first_day=day,
        last_day=day,
        orders=f.orders,
        baseline=f.baseline,
        p_value=f.p_value,
        districts=f.districts,
        trend=f.trend or {day.isoformat(): f.orders},
        examples=f.examples,
    )
    session.add(h)
    session.flush()
    record(
        session, SYSTEM, "hotspot.detect", "analytics_hotspot", h.id, after={"name": h.name, "kind": h.kind}
    )
    publish_on_commit(
        session,
        HotspotDetected(
            id=h.id, kind=h.kind, name=h.name, orders=h.orders, district=h.district, first_day=day.isoformat()
        ),
    )
    return h
