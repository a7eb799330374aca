"""Processing of fetched items: near-duplicate grouping, topic rules, sentiment, risk, alerts.

Each item in state `fetched` is, in order: given a MinHash signature and put in the group of its
most similar earlier item (estimated Jaccard ≥ `minhash.THRESHOLD` among the items sharing an LSH
bucket) or in a new group of its own, so reposts and copies add to a story's spread instead of
being new stories; matched against the enabled topic rules; classified for sentiment; scored for
risk with the story's copies in the last 24 hours; and, when the score reaches `risk.HIGH` and the
item is on topic (it matches a rule, or no rules are set yet), made an alert. Items are processed
in id order in batches, each batch one transaction, so a crash repeats at most a batch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from hotline.opinion import alerts, minhash, risk, rules, sentiment
from hotline.opinion.models import OpinionBand, OpinionGroup, OpinionItem, OpinionRule
from hotline.store.base import utcnow
from hotline.store.db import Database

CANDIDATES = 50
# One processing run at a time in a process (the job and an operator's 立即采集): two runs would
# group the same item twice. Across processes the job lease decides (`jobs.run_source`).
_RUNNING = threading.Lock()
Classifier = Callable[[str, str], float]  # per item, in this process (tests, benches)


@dataclass
class ProcessReport:
    processed: int = 0
    grouped: int = 0  # joined an existing story
    alerts: list[int] = field(default_factory=list)


def enabled_rules(session: Session) -> list[tuple[int, rules.Node]]:
    out = []
    for rule in session.scalars(select(OpinionRule).where(OpinionRule.enabled).order_by(OpinionRule.id)):
        try:
            out.append((rule.id, rules.compile_rule(rule.expression)))
        except Exception:  # a rule saved before a grammar change must not stop processing
            continue
    return out


def _nearest(
    session: Session, item: OpinionItem, sig: NDArray[np.uint32], keys: list[str]
) -> OpinionItem | None:
    ids = session.scalars(
        select(OpinionBand.item_id)
        .where(OpinionBand.bucket.in_(keys), OpinionBand.item_id != item.id)
        .distinct()
        .order_by(OpinionBand.item_id.desc())
        .limit(CANDIDATES)
    ).all()
    if not ids:
        return None
    best, best_sim = None, 0.0
    for cand in session.scalars(
        select(OpinionItem).options(undefer(OpinionItem.signature)).where(OpinionItem.id.in_(ids))
    ):
        if cand.signature is None or cand.group_id is None:
            continue
        sim = minhash.similarity(sig, minhash.from_bytes(cand.signature))
        if sim > best_sim or (sim == best_sim and best is not None and cand.id < best.id):
            best, best_sim = cand, sim
    return best if best_sim >= minhash.THRESHOLD else None


def group_item(session: Session, item: OpinionItem, now: datetime) -> bool:
    """Put the item in a group; True when it joined an existing story."""
    sig = minhash.signature(f"{item.title}\n{item.text}")
    keys = minhash.buckets(sig)
    item.signature = minhash.to_bytes(sig)
    nearest = _nearest(session, item, sig, keys)
    group = session.get(OpinionGroup, nearest.group_id) if nearest is not None and nearest.group_id else None
    if group is not None:
        group.size += 1
        group.last_seen = now
        item.group_id, item.duplicate = group.id, True
    else:
        group = OpinionGroup(title=item.title, first_item_id=item.id, size=1, first_seen=now, last_seen=now)
        session.add(group)
        session.flush()
        item.group_id = group.id
    session.add_all(OpinionBand(bucket=k, item_id=item.id) for k in keys)
    return item.duplicate


def copies_in_window(session: Session, group_id: int, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(OpinionItem.id)).where(
                OpinionItem.group_id == group_id, OpinionItem.fetched_at >= now - risk.WINDOW
            )
        )
        or 0
    )


def process_item(
    session: Session,
    item: OpinionItem,
    compiled: list[tuple[int, rules.Node]],
    now: datetime,
    negative: float,
) -> tuple[bool, int | None]:
    joined = group_item(session, item, now)
    text = f"{item.title}\n{item.text}"
    item.rule_ids = [rid for rid, node in compiled if rules.evaluate(node, text).matched]
    item.negative = negative
    session.flush()
    assert item.group_id is not None
    scored = risk.score(item.negative, copies_in_window(session, item.group_id, now), text)
    item.risk, item.risk_terms = scored.score, scored.terms
    item.state = "processed"
    alert_id = None
    on_topic = bool(item.rule_ids) or not compiled
    if scored.score >= risk.HIGH and on_topic:
        alert = alerts.raise_for(session, item, now)
        alert_id = alert.id if alert is not None else None
    return joined, alert_id


def process_pending(
    db: Database,
    now: datetime | None = None,
    *,
    batch: int = 100,
    limit: int = 5000,
    classify: Classifier | None = None,
) -> ProcessReport:
    """Process fetched items; sentiment from `sentiment.negatives` (its worker process) unless a
    per-item `classify` is given."""
    report = ProcessReport()
    with _RUNNING:
        _run(db, now, batch, limit, classify, report)
    return report


def _run(
    db: Database,
    now: datetime | None,
    batch: int,
    limit: int,
    classify: Classifier | None,
    report: ProcessReport,
) -> None:
    while report.processed < limit:
        with db.session() as s:
            now_ = now or utcnow()
            compiled = enabled_rules(s)
            todo = s.scalars(
                select(OpinionItem)
                .where(OpinionItem.state == "fetched")
                .order_by(OpinionItem.id)
                .limit(batch)
            ).all()
            pairs = [(i.title, i.text) for i in todo]
            scores = [classify(t, x) for t, x in pairs] if classify else sentiment.negatives(pairs)
            for item, negative in zip(todo, scores, strict=True):
                joined, alert_id = process_item(s, item, compiled, now_, negative)
                report.processed += 1
                report.grouped += int(joined)
                if alert_id is not None:
                    report.alerts.append(alert_id)
        if len(todo) < batch:
            break
