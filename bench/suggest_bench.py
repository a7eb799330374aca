"""Category suggester, before and after, in one run: accuracy, expected calibration error (ECE),
how right the most confident suggestions are, and `assist.suggest` latency on a SQLite database.

Run: .venv/bin/python -m bench.suggest_bench [--sizes 30,200] [--calls 300]
"Before" is the former naive Bayes over jieba tokens with a 5,000-word vocabulary, reproduced
here (training and the per-call model load: the newest model selected without LIMIT and its
JSON decoded on every call); "after" is the product code (`classifier.fit`, `assist.suggest`).
Both train on the same generated corpus (`bench.suggest_data`, N messages per category) and are
scored on the shipped evaluation set (tests/fixtures/workorder_suggest_eval.tsv).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.suggest_data import evaluation_rows, training_rows
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.workorders import assist, classifier
from hotline.workorders.models import ClassifierModel
from hotline.workorders.search import jieba_tokens

OLD_TARGET = "bench_old"


def old_fit(texts: list[str], labels: list[int]) -> dict[str, Any]:
    """The former `assist.train` body: multinomial naive Bayes, top 5,000 tokens."""
    docs = [(jieba_tokens(t), y) for t, y in zip(texts, labels, strict=True)]
    counts = Counter(tok for toks, _ in docs for tok in toks)
    vocab = [t for t, _ in counts.most_common(5000)]
    classes = sorted({y for _, y in docs})
    vi = {t: i for i, t in enumerate(vocab)}
    ci = {c: i for i, c in enumerate(classes)}
    mat = np.ones((len(classes), len(vocab)))
    prior = np.ones(len(classes))
    for toks, y in docs:
        prior[ci[y]] += 1
        for t in toks:
            if t in vi:
                mat[ci[y], vi[t]] += 1
    return {
        "vocab": vocab,
        "classes": classes,
        "log_prior": np.log(prior / prior.sum()).round(5).tolist(),
        "log_like": np.log(mat / mat.sum(axis=1, keepdims=True)).round(5).tolist(),
    }


def old_suggest(session: Session, text: str, top: int = 3) -> list[tuple[int, float]]:
    """The former `assist.suggest`: loads and decodes the newest model on every call."""
    newest = ClassifierModel.id.desc()
    stmt = select(ClassifierModel).where(ClassifierModel.target == OLD_TARGET).order_by(newest)
    model = session.scalar(stmt)
    assert model is not None
    p = model.params
    vi = {t: i for i, t in enumerate(p["vocab"])}
    idx = [vi[t] for t in jieba_tokens(text) if t in vi]
    scores = np.array(p["log_prior"]) + np.array(p["log_like"])[:, idx].sum(axis=1)
    probs = np.exp(scores - scores.max())
    probs /= probs.sum()
    order = np.argsort(-probs)[:top]
    return [(int(p["classes"][i]), float(probs[i])) for i in order]


def score(predict: Any, rows: list[tuple[str, str]], codes: list[str]) -> dict[str, float]:
    conf, ok = [], []
    for code, text in rows:
        label, p = predict(text)[0]
        conf.append(p)
        ok.append(codes[label] == code)
    sure = [o for c, o in zip(conf, ok, strict=True) if c >= 0.99]
    return {
        "accuracy": sum(ok) / len(ok),
        "ECE": classifier.ece(conf, ok),
        "share shown >= 0.99": len(sure) / len(ok),
        "accuracy when >= 0.99": sum(sure) / len(sure) if sure else float("nan"),
    }


def latency(db: Database, fn: Any, texts: list[str]) -> float:
    out = []
    for text in texts:
        with db.session() as s:
            t = time.perf_counter()
            fn(s, text)
            out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="30,200", help="training messages per category")
    ap.add_argument("--calls", type=int, default=300)
    args = ap.parse_args()
    rows = evaluation_rows()
    table: dict[str, dict[str, float]] = {}
    tmp = Path(tempfile.mkdtemp(prefix="hotline-suggest-bench-"))
    url = f"sqlite:///{tmp / 'suggest.db'}"
    upgrade(url)
    db = Database(url)
    for size in (int(x) for x in args.sizes.split(",")):
        train = training_rows(size)
        codes = sorted({c for c, _ in train})
        texts, labels = [t for _, t in train], [codes.index(c) for c, _ in train]
        t0 = time.perf_counter()
        old_params = old_fit(texts, labels)
        t1 = time.perf_counter()
        new_params = classifier.fit(texts, labels)
        t2 = time.perf_counter()
        old_model = assist._NaiveBayes(old_params)
        new_model = classifier.Model(new_params)
        for name, predict, fit_s in (
            ("before", old_model.predict, t1 - t0),
            ("after", new_model.predict, t2 - t1),
        ):
            res = score(predict, rows, codes)
            res["train s"] = fit_s
            table[f"{name} n={size}/cat"] = res
        with db.session() as s:
            for _ in range(assist.KEEP_MODELS):  # the job keeps three models per target
                s.add(ClassifierModel(target=OLD_TARGET, samples=len(train), params=old_params))
                s.add(ClassifierModel(target="category", samples=len(train), params=new_params))
        probe = [t for _, t in rows[: args.calls]]
        table[f"before n={size}/cat"]["suggest p50 ms"] = latency(db, old_suggest, probe)
        table[f"after n={size}/cat"]["suggest p50 ms"] = latency(
            db, lambda s, t: assist.suggest(s, t, "category"), probe
        )
    db.dispose()
    metrics = list(next(iter(table.values())))
    print(f"\nevaluation set: {len(rows)} messages, {len({c for c, _ in rows})} categories")
    print(f"{'metric':24}" + "".join(f"{k:>18}" for k in table))
    for m in metrics:
        print(f"{m:24}" + "".join(f"{table[k][m]:>18.3f}" for k in table))


if __name__ == "__main__":
    main()
