"""The category suggester on the shipped evaluation set (tests/fixtures/workorder_suggest_eval.tsv,
written by bench/suggest_data.py): accuracy above a floor, calibrated probabilities (expected
calibration error below a bound), and the latest model decoded once per process until retrained.
Deterministic: fixed corpus, fixed seeds, no timing."""

from __future__ import annotations

from itertools import count

from sqlalchemy import select
from sqlalchemy.orm import Session

from bench.suggest_data import evaluation_rows, training_rows
from hotline.audit.service import Actor
from hotline.store.db import Database
from hotline.workorders import assist, classifier
from hotline.workorders.config import load_default_categories
from hotline.workorders.models import Category, WorkOrder

ACCURACY_FLOOR = 0.87
ECE_BOUND = 0.06
_numbers = count(1)


def _evaluate(params: dict[str, object], codes: list[str]) -> tuple[float, float]:
    model = classifier.Model(params)  # type: ignore[arg-type]
    conf, ok = [], []
    for code, text in evaluation_rows():
        ((label, p),) = model.predict(text, 1)
        conf.append(p)
        ok.append(codes[label] == code)
    return sum(ok) / len(ok), classifier.ece(conf, ok)


def test_shipped_set_is_not_the_training_text() -> None:
    rows = evaluation_rows()
    assert len(rows) >= 2000 and len({c for c, _ in rows}) == 15
    assert not {t for _, t in rows} & {t for _, t in training_rows()}


def test_accuracy_and_calibration_on_the_shipped_set() -> None:
    train = training_rows(100)
    codes = sorted({c for c, _ in train})
    params = classifier.fit([t for _, t in train], [codes.index(c) for c, _ in train])
    accuracy, ece = _evaluate(params, codes)
    assert accuracy >= ACCURACY_FLOOR, accuracy
    assert ece <= ECE_BOUND, ece


def test_features_ignore_invisible_characters() -> None:
    assert classifier.features("低\u200b保\u202e金") == classifier.features("低保金")
    assert classifier.features("１３８") == classifier.features("138")


def _closed(session: Session, rows: list[tuple[str, str]]) -> None:
    cats = {c.code: c.id for c in session.scalars(select(Category))}
    for code, text in rows:
        n = next(_numbers)
        session.add(
            WorkOrder(
                number=f"T{n:08d}", type="inquiry", state="closed", title=text[:10], content=text,
                category_id=cats[code], department_id=None,
            )
        )  # fmt: skip
    session.flush()


def test_suggest_decodes_the_latest_model_once(db: Database) -> None:
    with db.session() as s:
        load_default_categories(s, Actor(None, "test"))
        _closed(s, training_rows(8))
        first = assist.train(s, "category")
    with db.session() as s:
        model = assist.latest_model(s, "category")
        assert model is not None and assist.latest_model(s, "category") is model
        top = assist.suggest(s, "低保金这个月没有到账", "category")
        codes = {c.id: c.code for c in s.scalars(select(Category))}
        assert codes[top[0]["id"]] == "0201"
        assert abs(sum(t["probability"] for t in assist.suggest(s, "低保", top=20)) - 1) < 1e-3
    with db.session() as s:
        second = assist.train(s, "category")
    assert second.id != first.id
    with db.session() as s:
        assert assist.latest_model(s, "category") is not model
