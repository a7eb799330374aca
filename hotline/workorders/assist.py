"""Assistance for agents: suggest a category and a department from the text, flag likely duplicates.

The suggester is a multinomial naive Bayes over jieba tokens, trained with numpy on the center's
own closed orders (`train(session)`, wire it to `hotline workorders train`); its parameters live in
`workorder_classifiers` so every worker uses the same model. Naive Bayes because it trains in one
pass, needs no extra package and does well on short texts with a few thousand samples.

Duplicates: an open order of the same caller (or contact phone) within `DUPLICATE_DAYS`, else one
whose tokens overlap the new text by Jaccard >= `DUPLICATE_JACCARD`, found through the search
token table restricted to the window's id range.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from hotline.workorders.models import ClassifierModel, SearchToken, WorkOrder
from hotline.workorders.search import index_tokens, order_text
from hotline.workorders.states import TERMINAL

DUPLICATE_DAYS = 7
DUPLICATE_JACCARD = 0.6
MAX_VOCAB = 5000
KEEP_MODELS = 3
TARGETS = {"category": WorkOrder.category_id, "department": WorkOrder.department_id}


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
    toks = set(index_tokens(order_text(order).rsplit("\n", 1)[0]))
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
        other = set(index_tokens(order_text(cand).rsplit("\n", 1)[0]))
        if len(toks & other) / len(toks | other) >= DUPLICATE_JACCARD:
            return int(cand_id)
    return None


def train(session: Session, target: str = "category", limit: int = 50_000) -> ClassifierModel:
    """Fit naive Bayes on closed orders with a known `target`; stores and returns the model."""
    col = TARGETS[target]
    rows = session.execute(
        select(WorkOrder.title, WorkOrder.content, col)
        .where(WorkOrder.state == "closed", col.is_not(None))
        .order_by(WorkOrder.id.desc())
        .limit(limit)
    ).all()
    docs = [(index_tokens(f"{t}\n{c}"), int(label or 0)) for t, c, label in rows]
    counts = Counter(tok for toks, _ in docs for tok in toks)
    vocab = [t for t, _ in counts.most_common(MAX_VOCAB)]
    classes = sorted({label for _, label in docs})
    params: dict[str, Any] = {"vocab": vocab, "classes": classes, "log_prior": [], "log_like": []}
    if classes and vocab:
        vi = {t: i for i, t in enumerate(vocab)}
        ci = {c: i for i, c in enumerate(classes)}
        mat = np.ones((len(classes), len(vocab)))  # Laplace smoothing
        prior = np.ones(len(classes))
        for toks, label in docs:
            prior[ci[label]] += 1
            for t in toks:
                if t in vi:
                    mat[ci[label], vi[t]] += 1
        params["log_prior"] = np.log(prior / prior.sum()).round(5).tolist()
        params["log_like"] = np.log(mat / mat.sum(axis=1, keepdims=True)).round(5).tolist()
    model = ClassifierModel(target=target, samples=len(docs), params=params)
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


def suggest(session: Session, text: str, target: str = "category", top: int = 3) -> list[dict[str, Any]]:
    """Top labels (ids) with probabilities; empty when no model has been trained yet."""
    model = session.scalar(
        select(ClassifierModel).where(ClassifierModel.target == target).order_by(ClassifierModel.id.desc())
    )
    if model is None or not model.params.get("classes"):
        return []
    p = model.params
    vi = {t: i for i, t in enumerate(p["vocab"])}
    idx = [vi[t] for t in index_tokens(text) if t in vi]
    scores = np.array(p["log_prior"]) + np.array(p["log_like"])[:, idx].sum(axis=1)
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    order = np.argsort(-probs)[:top]
    return [{"id": int(p["classes"][i]), "probability": round(float(probs[i]), 4)} for i in order]
