"""Skip logic and answer checking, evaluated on the server for every way of answering.

`visible(defn, answers)` walks the questionnaire in order and keeps only answers to questions the
respondent could see: a condition reads answers to earlier questions that were themselves visible,
so changing an early answer hides (and drops) what depended on it. `check_answer` says what is
wrong with one value for one question (None when it is fine); `check_page` collects those as 422
errors naming `answers.<code>` (the console shows each beside its question). The browser runs the
same rules (`frontend/src/surveys/logic.ts`) only to spare a round trip; the server's word is final.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from hotline.errors import Invalid
from hotline.surveys.definition import CHOICE_TYPES, Condition, Definition, Option, Page, Question

Answers = dict[str, Any]


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _lookup(answers: Answers, ref: str) -> Any:
    code, _, row = ref.partition(".")
    value = answers.get(code)
    if row:
        return value.get(row) if isinstance(value, dict) else None
    return value


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value))
    except ValueError:
        return None


def evaluate(cond: Condition, answers: Answers) -> bool:
    """True when `cond` holds for `answers` (an unanswered question satisfies only `unanswered`,
    `ne` and `not_in`)."""
    if cond.all is not None:
        return all(evaluate(c, answers) for c in cond.all)
    if cond.any is not None:
        return any(evaluate(c, answers) for c in cond.any)
    if cond.not_ is not None:
        return not evaluate(cond.not_, answers)
    value = _lookup(answers, cond.q or "")
    op = cond.op
    if op == "answered":
        return not is_empty(value)
    if op == "unanswered":
        return is_empty(value)
    wanted = cond.value if isinstance(cond.value, list) else [cond.value]
    given = [str(v) for v in value] if isinstance(value, list) else ([] if is_empty(value) else [str(value)])
    if op in ("eq", "in"):
        return any(_same(g, w) for g in given for w in wanted)
    if op in ("ne", "not_in"):
        return not any(_same(g, w) for g in given for w in wanted)
    left, right = (_num(given[0]) if given else None), _num(wanted[0])
    if left is None or right is None:
        return False
    return {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}[str(op)]


def _same(given: str, wanted: Any) -> bool:
    if given == str(wanted):
        return True
    a, b = _num(given), _num(wanted)
    return a is not None and b is not None and a == b


def visible(defn: Definition, answers: Answers) -> tuple[list[int], Answers]:
    """(indexes of visible pages, answers kept): answers to hidden questions are dropped as the
    walk goes, so later conditions never see them."""
    kept: Answers = {}
    pages: list[int] = []
    for pi, page in enumerate(defn.pages):
        if page.visible_if and not evaluate(page.visible_if, kept):
            continue
        pages.append(pi)
        for q in page.questions:
            if q.visible_if and not evaluate(q.visible_if, kept):
                continue
            if q.code in answers:
                kept[q.code] = answers[q.code]
    return pages, kept


def visible_questions(page: Page, answers: Answers) -> list[Question]:
    return [q for q in page.questions if not q.visible_if or evaluate(q.visible_if, answers)]


def check_answer(q: Question, value: Any) -> tuple[str, str] | None:
    """(English, Chinese) reason `value` is not an answer to `q`, or None. Empty values are
    checked by `required` alone."""
    if is_empty(value):
        return ("an answer is required", "此题必答") if q.required else None
    codes = {o.code for o in q.options}
    if q.type == "single":
        if not isinstance(value, str) or value not in codes:
            return "not one of the options", "不是该题的选项"
    elif q.type == "multiple":
        if not isinstance(value, list) or not all(isinstance(v, str) and v in codes for v in value):
            return "a list of the options", "须为该题选项的列表"
        if len(set(value)) != len(value):
            return "an option chosen twice", "选项重复"
        if q.min_choices and len(value) < q.min_choices:
            return f"choose at least {q.min_choices}", f"至少选择 {q.min_choices} 项"
        if q.max_choices and len(value) > q.max_choices:
            return f"choose at most {q.max_choices}", f"最多选择 {q.max_choices} 项"
    elif q.type in ("rating", "nps"):
        lo, hi = q.scale()
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
            return f"a whole number from {lo} to {hi}", f"须为 {lo} 至 {hi} 的整数"
    elif q.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "a number", "须为数字"
        if q.integer and float(value) != int(value):
            return "a whole number", "须为整数"
        if q.min is not None and value < q.min:
            return f"at least {q.min:g}", f"不能小于 {q.min:g}"
        if q.max is not None and value > q.max:
            return f"at most {q.max:g}", f"不能大于 {q.max:g}"
    elif q.type in ("text", "longtext"):
        if not isinstance(value, str):
            return "text", "须为文字"
        if len(value) > q.text_limit():
            return f"at most {q.text_limit()} characters", f"不能超过 {q.text_limit()} 个字"
    elif q.type == "date":
        try:
            date.fromisoformat(value if isinstance(value, str) and len(value) == 10 else "")
        except ValueError:
            return "a date as YYYY-MM-DD", "须为日期（年-月-日）"
    elif q.type == "matrix":
        return _check_matrix(q, value, codes)
    return None


def _check_matrix(q: Question, value: Any, codes: set[str]) -> tuple[str, str] | None:
    rows = {r.code for r in q.rows}
    if not isinstance(value, dict) or not set(value) <= rows:
        return "an object of row code to option code", "须为 行编号→选项编号"
    if not all(isinstance(v, str) and v in codes for v in value.values()):
        return "not one of the options", "不是该题的选项"
    if q.required and set(value) != rows:
        return "every row needs an answer", "每一行都须作答"
    return None


def check_page(defn: Definition, page_index: int, submitted: Answers, merged: Answers) -> None:
    """422 naming each `answers.<code>` of this page that is wrong (`submitted`: this page's answers,
    unknown codes refused; `merged`: every answer so far, for the conditions)."""
    page = defn.pages[page_index]
    _, kept = visible(defn, merged)
    shown = visible_questions(page, kept)
    errors: list[dict[str, Any]] = []
    known = {q.code for q in page.questions}
    for code in submitted:
        if code not in known:
            errors.append(error(code, "no such question on this page", "本页没有此题"))
    for q in shown:
        problem = check_answer(q, merged.get(q.code))
        if problem:
            errors.append(error(q.code, *problem))
    if errors:
        raise_invalid(errors)


def check_all(defn: Definition, answers: Answers) -> Answers:
    """Every visible question of every visible page answered as required; returns the kept answers."""
    pages, kept = visible(defn, answers)
    errors = []
    for pi in pages:
        for q in visible_questions(defn.pages[pi], kept):
            problem = check_answer(q, kept.get(q.code))
            if problem:
                errors.append(error(q.code, *problem))
    if errors:
        raise_invalid(errors)
    return {k: v for k, v in kept.items() if not is_empty(v)}


def error(code: str, msg: str, msg_zh: str) -> dict[str, Any]:
    """One 422 error naming `answers.<code>`."""
    return {"loc": ["answers", code], "msg": msg, "type": "answer", "field_zh": code, "rule_zh": msg_zh}


def raise_invalid(errors: list[dict[str, Any]]) -> None:
    raise Invalid(
        "; ".join(f"{'.'.join(e['loc'])}: {e['msg']}" for e in errors)[:500],
        "；".join(f"{e['field_zh']}：{e['rule_zh']}" for e in errors)[:500],
        errors=errors,
    )


def next_page(defn: Definition, after: int, answers: Answers) -> int | None:
    """The next visible page after `after` (-1: the first), or None when the questionnaire is done."""
    pages, _ = visible(defn, answers)
    return next((p for p in pages if p > after), None)


def shuffled(q: Question, seed: int) -> list[Option]:
    """The respondent's order of `q`'s options: shuffled by a per-response seed when asked (the
    same order every time that respondent comes back), `fixed` options kept in place."""
    if not q.randomize or q.type not in CHOICE_TYPES:
        return list(q.options)
    movable = [o for o in q.options if not o.fixed]
    random.Random(f"{seed}:{q.code}").shuffle(movable)
    it = iter(movable)
    return [o if o.fixed else next(it) for o in q.options]
