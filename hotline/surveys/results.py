"""Results of completed responses: tallies per question, cross-tabs by a respondent attribute (or
by the category or department of the work order a return-visit respondent was sampled from),
open-text word frequencies (jieba) and the texts themselves.

Everything counts `survey_answers` rows with one GROUP BY on a covering index (see models; a cut by
work order joins each answer's response, link and order), so the figures are live: a response
counts as soon as it is submitted. Question codes are stable across versions, so answers to
several versions add up; labels come from the version asked for (default: the latest). Free text
is masked (phones, ID numbers) for readers without `pii.read`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.masking import mask_text
from hotline.surveys.definition import Definition, Question
from hotline.surveys.models import SurveyAnswer, SurveyLink, SurveyResponse
from hotline.surveys.respond import ANSWERED
from hotline.surveys.service import get_version, version_definition
from hotline.workorders.labels import category_paths, department_names
from hotline.workorders.models import WorkOrder

By = Literal["district", "age_band", "channel", "category", "department"]
BY_ZH = {
    "district": "区县",
    "age_band": "年龄段",
    "channel": "渠道",
    "category": "工单分类",
    "department": "承办单位",
}
# Cuts by the work order a return-visit respondent was sampled from (its link's `work_order_id`):
# how satisfied the people each department served are. Respondents without one are one group.
BY_ORDER = {"category": WorkOrder.category_id, "department": WorkOrder.department_id}
NO_ORDER_ZH = "非工单回访"
UNSET_ZH = {"category": "未分类", "department": "未指定承办单位"}
Q = TypeVar("Q", bound="Select[*tuple[Any, ...]]")
CHANNEL_ZH = {"web": "网页", "sms": "短信", "wechat": "微信", "ivr": "电话语音", "cati": "坐席电话"}


@dataclass(frozen=True)
class Filters:
    version: int | None = None
    channel: str | None = None
    district: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def apply(self, q: Q, survey_id: int) -> Q:
        q = q.where(SurveyAnswer.survey_id == survey_id)
        if self.version is not None:
            q = q.where(SurveyAnswer.version_number == self.version)
        if self.channel:
            q = q.where(SurveyAnswer.channel == self.channel)
        if self.district:
            q = q.where(SurveyAnswer.district == self.district)
        if self.since:
            q = q.where(SurveyAnswer.completed_at >= self.since)
        if self.until:
            q = q.where(SurveyAnswer.completed_at < self.until)
        return q


def _labels(session: Session, survey_id: int, version: int | None) -> Definition:
    return version_definition(get_version(session, survey_id, version))


def _completed(session: Session, survey_id: int, f: Filters) -> int:
    q = (
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.survey_id == survey_id, SurveyResponse.state == "completed")
    )
    if f.version is not None:
        q = q.where(SurveyResponse.version_number == f.version)
    if f.channel:
        q = q.where(SurveyResponse.channel == f.channel)
    if f.district:
        q = q.where(SurveyResponse.district == f.district)
    if f.since:
        q = q.where(SurveyResponse.completed_at >= f.since)
    if f.until:
        q = q.where(SurveyResponse.completed_at < f.until)
    return int(session.scalar(q) or 0)


def tallies(session: Session, survey_id: int, f: Filters) -> dict[str, Any]:
    """{completed, version, questions: [{code, type, text, answered, options: [{code, label, count}],
    rows (matrix), mean, nps, min, max}]}."""
    v = get_version(session, survey_id, f.version)
    defn = version_definition(v)
    q = f.apply(
        select(
            SurveyAnswer.question,
            SurveyAnswer.item,
            SurveyAnswer.option,
            func.count(),
            func.sum(SurveyAnswer.value_num),
            func.min(SurveyAnswer.value_num),
            func.max(SurveyAnswer.value_num),
        ),
        survey_id,
    ).group_by(SurveyAnswer.question, SurveyAnswer.item, SurveyAnswer.option)
    by_q: dict[str, list[tuple[str, str, int, float | None, float | None, float | None]]] = {}
    for question, item, option, n, total, lo, hi in session.execute(q).all():
        by_q.setdefault(question, []).append((item, option, int(n), total, lo, hi))
    out = [_one(q, by_q.get(q.code, []), _answered(by_q.get(q.code, []))) for q in defn.questions()]
    return {"completed": _completed(session, survey_id, f), "version": v.number, "questions": out}


def _answered(rows: list[tuple[str, str, int, float | None, float | None, float | None]]) -> int:
    """Responses that answered: the marker row's count where there is one, else one row each."""
    marked = [n for item, _, n, *_ in rows if item == ANSWERED]
    return marked[0] if marked else sum(n for item, _, n, *_ in rows if item == "")


def _one(
    q: Question, rows: list[tuple[str, str, int, float | None, float | None, float | None]], answered: int
) -> dict[str, Any]:
    out: dict[str, Any] = {"code": q.code, "type": q.type, "text": q.text, "answered": answered}
    counts = {(item, option): n for item, option, n, *_ in rows}
    if q.type in ("single", "multiple"):
        out["options"] = [
            {"code": o.code, "label": o.label, "count": counts.get(("", o.code), 0)} for o in q.options
        ]
    elif q.type == "matrix":
        out["options"] = [{"code": o.code, "label": o.label} for o in q.options]
        out["rows"] = [
            {"code": r.code, "label": r.label, "counts": [counts.get((r.code, o.code), 0) for o in q.options]}
            for r in q.rows
        ]
    elif q.type in ("rating", "nps"):
        lo, hi = q.scale()
        out["options"] = [
            {"code": str(v), "label": str(v), "count": counts.get(("", str(v)), 0)} for v in range(lo, hi + 1)
        ]
        n = sum(o["count"] for o in out["options"])
        total = sum(int(o["code"]) * o["count"] for o in out["options"])
        out["mean"] = round(total / n, 2) if n else None
        if q.type == "nps" and n:
            promoters = sum(o["count"] for o in out["options"] if int(o["code"]) >= 9)
            detractors = sum(o["count"] for o in out["options"] if int(o["code"]) <= 6)
            out["nps"] = round(100 * (promoters - detractors) / n, 1)
    elif q.type == "number" and rows:
        _, _, n, total, lo_v, hi_v = rows[0]
        out.update(mean=round((total or 0) / n, 2) if n else None, min=lo_v, max=hi_v)
    return out


def crosstab(session: Session, survey_id: int, code: str, by: By, f: Filters) -> dict[str, Any]:
    """Counts of `code`'s options (rating values; matrix as row:option) per value of `by`."""
    defn = _labels(session, survey_id, f.version)
    q = defn.question(code)
    if q is None or q.type in ("text", "longtext", "date", "number"):
        raise Invalid(
            f"{code} cannot be cross-tabulated",
            f"{code} 不能做交叉分析",
            errors=[{"loc": ["query", "question"]}],
        )
    col = getattr(SurveyAnswer, by) if by not in BY_ORDER else _order_group(BY_ORDER[by])
    stmt = f.apply(select(col, SurveyAnswer.item, SurveyAnswer.option, func.count()), survey_id)
    if by in BY_ORDER:
        stmt = (
            stmt.join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
            .outerjoin(SurveyLink, SurveyLink.id == SurveyResponse.link_id)
            .outerjoin(WorkOrder, WorkOrder.id == SurveyLink.work_order_id)
        )
    stmt = stmt.where(SurveyAnswer.question == code).group_by(col, SurveyAnswer.item, SurveyAnswer.option)
    if q.type in ("rating", "nps"):
        lo, hi = q.scale()
        columns = [(str(v), str(v)) for v in range(lo, hi + 1)]
    elif q.type == "matrix":
        columns = [(f"{r.code}:{o.code}", f"{r.label}·{o.label}") for r in q.rows for o in q.options]
    else:
        columns = [(o.code, o.label) for o in q.options]
    table: dict[str, dict[str, int]] = {}
    answered: dict[str, int] = {}
    for value, item, option, n in session.execute(stmt).all():
        group = "" if value is None else str(value)
        if item == ANSWERED:
            answered[group] = answered.get(group, 0) + int(n)
            continue
        key = f"{item}:{option}" if item else option
        row = table.setdefault(group, {})
        row[key] = row.get(key, 0) + int(n)
    labels = _group_labels(session, by)
    # By name, then orders without one, then respondents without an order; attributes by value.
    groups = sorted(table, key=lambda g: (g == "", g == "0", labels(g))) if by in BY_ORDER else sorted(table)
    return {
        "question": code,
        "by": by,
        "by_zh": BY_ZH[by],
        "columns": [{"code": c, "label": label} for c, label in columns],
        "rows": [
            {
                "group": g,
                "label": labels(g),
                "counts": [table[g].get(c, 0) for c, _ in columns],
                "total": answered.get(g, sum(table[g].values())),
            }
            for g in groups
        ],
    }


def _order_group(col: Any) -> Any:
    """The order's department/category id; 0 for an order without one (a return visit all the
    same), NULL for a respondent not sampled from an order."""
    return case((WorkOrder.id.is_(None), None), else_=func.coalesce(col, 0))


def _group_labels(session: Session, by: By) -> Callable[[str], str]:
    if by in BY_ORDER:
        names = category_paths(session) if by == "category" else department_names(session)
        names[0] = UNSET_ZH[by]
        return lambda g: names.get(int(g), g) if g else NO_ORDER_ZH
    if by == "channel":
        return lambda g: CHANNEL_ZH.get(g, g) or "未知"
    return lambda g: g or "未知"


_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]{2,}")
STOPWORDS = frozenset(
    {
        "我们",
        "你们",
        "他们",
        "这个",
        "那个",
        "就是",
        "还是",
        "没有",
        "可以",
        "什么",
        "一个",
        "不是",
        "但是",
        "因为",
        "所以",
        "如果",
        "已经",
        "比较",
        "非常",
        "希望",
        "觉得",
    }
)
MAX_TEXTS = 20_000


def _texts_query(survey_id: int, code: str, f: Filters) -> Select[str | None, int, datetime, str, str]:
    return (
        f.apply(
            select(
                SurveyAnswer.value_text,
                SurveyAnswer.response_id,
                SurveyAnswer.completed_at,
                SurveyAnswer.district,
                SurveyAnswer.channel,
            ),
            survey_id,
        )
        .where(SurveyAnswer.question == code, SurveyAnswer.value_text.is_not(None))
        .order_by(SurveyAnswer.id.desc())
    )


def words(session: Session, survey_id: int, code: str, f: Filters, top: int = 50) -> list[dict[str, Any]]:
    """The commonest words (jieba, two characters and more, stop words left out) of the newest
    20,000 answers to a text question."""
    import jieba

    jieba.setLogLevel(60)
    counter: Counter[str] = Counter()
    for text, *_rest in session.execute(_texts_query(survey_id, code, f).limit(MAX_TEXTS)).all():
        counter.update(
            w for w in jieba.cut(mask_text(text or "")) if _WORD.fullmatch(w) and w not in STOPWORDS
        )
    return [{"word": w, "count": n} for w, n in counter.most_common(top)]


def texts(
    session: Session, survey_id: int, code: str, f: Filters, unmasked: bool, limit: int = 50, offset: int = 0
) -> list[dict[str, Any]]:
    rows = session.execute(_texts_query(survey_id, code, f).limit(limit).offset(offset)).all()
    return [
        {
            "response_id": rid,
            "text": text if unmasked else mask_text(text or ""),
            "completed_at": at,
            "district": district,
            "channel": channel,
        }
        for text, rid, at, district, channel in rows
    ]
