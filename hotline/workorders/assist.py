"""Assistance for agents: suggest a category and a department from the text, flag likely duplicates.

The suggester (`classifier.py`: character n-grams, logistic regression, calibrated probabilities)
is trained on the center's own closed orders (`train(session)`, `hotline workorders train`, and
nightly); its parameters live in `workorder_classifiers` so every worker uses the same model.
`suggest` decodes the latest model once per process and keeps it until a newer one appears (one
indexed `id` probe per call tells). Models stored by the former naive Bayes keep answering until
the next training.

Duplicates: an open order of the same caller (or contact phone) within `DUPLICATE_DAYS`, else one
whose tokens overlap the new text by Jaccard >= `DUPLICATE_JACCARD`, found through the search
token table restricted to the window's id range.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hotline.workorders.classifier import KIND, Model, fit
from hotline.workorders.models import ClassifierModel, SearchToken, WorkOrder
from hotline.workorders.search import index_tokens, jieba_tokens, order_text
from hotline.workorders.states import TERMINAL

DUPLICATE_DAYS = 7
DUPLICATE_JACCARD = 0.6
KEEP_MODELS = 3
TARGETS = {"category": WorkOrder.category_id, "department": WorkOrder.department_id}


def _shingles(text: str) -> set[str]:
    """Tokens of two characters and more, without the order number: single characters are
    too common to tell orders apart, and their posting lists are the longest."""
    return {t for t in index_tokens(text.rsplit("\n", 1)[0]) if len(t) >= 2}


def find_duplicate(session: Session, order: WorkOrder, now: datetime) -> int | None:
    since = now - timedelta(days=DUPLICATE_DAYS)
    open_states = [
        s for s in ("draft", "accepted", "dispatched", "received", "replied", "return_visit", "returned")
    ]
    who = []
    if order.caller_id is not None:
        who.append(WorkOrder.caller_id == order.caller_id)
    if order.contact_phone:
        who.append(WorkOrder.contact_phone == order.contact_phone)
    if who:
        same = session.scalar(
            select(WorkOrder.id)
            .where(or_(*who), WorkOrder.created_at >= since, WorkOrder.state.in_(open_states))
            .order_by(WorkOrder.id.desc())
            .limit(1)
        )
        if same is not None:
            return int(same)
    toks = _shingles(order_text(order))
    if len(toks) < 3:
        return None
    first_id = session.scalar(select(func.min(WorkOrder.id)).where(WorkOrder.created_at >= since))
    if first_id is None:
        return None
    need = max(2, int(len(toks) * DUPLICATE_JACCARD))
    rows = session.execute(
        select(SearchToken.workorder_id, func.count())
        .where(SearchToken.token.in_(toks), SearchToken.workorder_id >= first_id)
        .group_by(SearchToken.workorder_id)
        .having(func.count() >= need)
        .order_by(func.count().desc())
        .limit(5)
    ).all()
    for cand_id, _n in rows:
        cand = session.get(WorkOrder, cand_id)
        if cand is None or cand.state in TERMINAL:
            continue
        other = _shingles(order_text(cand))
        if len(toks & other) / len(toks | other) >= DUPLICATE_JACCARD:
            return int(cand_id)
    return None


def train(session: Session, target: str = "category", limit: int = 50_000) -> ClassifierModel:
    """Fit the classifier on closed orders with a known `target`; stores and returns the model."""
    col = TARGETS[target]
    rows = session.execute(
        select(WorkOrder.title, WorkOrder.content, col)
        .where(WorkOrder.state == "closed", col.is_not(None))
        .order_by(WorkOrder.id.desc())
        .limit(limit)
    ).all()
    params = fit([f"{t}\n{c}" for t, c, _ in rows], [int(label or 0) for _, _, label in rows])
    model = ClassifierModel(target=target, samples=len(rows), params=params)
    session.add(model)
    session.flush()
    # Keep the last few models (for comparison), not one per night forever.
    old = (
        select(ClassifierModel.id).where(ClassifierModel.target == target).order_by(ClassifierModel.id.desc())
    )
    session.execute(
        delete(ClassifierModel).where(ClassifierModel.id.in_(old.offset(KEEP_MODELS).scalar_subquery()))
    )
    return model


class _NaiveBayes:
    """A model stored before the classifier change (answers until the next training)."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.classes = [int(c) for c in params["classes"]]
        self.vocab = {t: i for i, t in enumerate(params["vocab"])}
        self.prior = np.array(params["log_prior"])
        self.like = np.array(params["log_like"])

    def predict(self, text: str, top: int = 3) -> list[tuple[int, float]]:
        idx = [self.vocab[t] for t in jieba_tokens(text) if t in self.vocab]
        scores = self.prior + self.like[:, idx].sum(axis=1)
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        return [(self.classes[i], float(probs[i])) for i in np.argsort(-probs)[:top]]


# (database url, target) → (model id, trained_at, decoded model): decoding is most of the cost.
_cache: dict[tuple[str, str], tuple[int, datetime, Model | _NaiveBayes]] = {}
_cache_lock = threading.Lock()


def latest_model(session: Session, target: str) -> Model | _NaiveBayes | None:
    """The newest model of `target`, decoded once per process and reused until retrained."""
    head = session.execute(
        select(ClassifierModel.id, ClassifierModel.trained_at)
        .where(ClassifierModel.target == target)
        .order_by(ClassifierModel.id.desc())
        .limit(1)
    ).first()
    if head is None:
        return None
    key = (str(session.get_bind().engine.url), target)
    cached = _cache.get(key)
    # trained_at too: a recreated database (tests, restores) reuses ids.
    if cached is not None and (cached[0], cached[1]) == (head.id, head.trained_at):
        return cached[2]
    params = session.scalar(select(ClassifierModel.params).where(ClassifierModel.id == head.id))
    if not params or not params.get("classes"):
        return None
    model: Model | _NaiveBayes = Model(params) if params.get("kind") == KIND else _NaiveBayes(params)
    with _cache_lock:
        _cache[key] = (head.id, head.trained_at, model)
    return model


def suggest(session: Session, text: str, target: str = "category", top: int = 3) -> list[dict[str, Any]]:
    """Top labels (ids) with calibrated probabilities; empty when no model has been trained yet."""
    model = latest_model(session, target)
    if model is None:
        return []
    return [{"id": label, "probability": round(p, 4)} for label, p in model.predict(text, top)]
