"""Completed responses as a data file: CSV and XLSX in words (labels), SPSS `.sav` in codes with
value labels (pyreadstat), one row per response.

Variables: a single choice or a matrix row is one variable (`Q8_r1`); a multiple choice one 0/1
variable per option (`Q2_meal`); numbers, dates and texts as they are; after them `work_order`,
the number of the work order a return-visit respondent was sampled from (回访), else empty. In
`.sav` a choice is numbered 1..n in option order (or by its own code where every code is a whole
number) with the labels attached, so SPSS shows 满意/不满意 and computes on numbers. Free text has
phones and ID numbers masked for readers without `pii.read`, as everywhere.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.exports import row as safe_row
from hotline.masking import mask_text
from hotline.surveys.definition import Definition, Option, Question
from hotline.surveys.models import SurveyLink, SurveyResponse
from hotline.surveys.results import CHANNEL_ZH, Filters
from hotline.surveys.service import get_version, version_definition
from hotline.workorders.sampling import order_numbers

TZ = ZoneInfo("Asia/Shanghai")
MAX_ROWS = 200_000
BASE = [
    ("response_id", "答卷编号"),
    ("version", "问卷版本"),
    ("completed_at", "提交时间"),
    ("channel", "渠道"),
    ("district", "区县"),
    ("age_band", "年龄段"),
]
# After the answers (the columns before them keep their places): the number of the work order a
# return-visit respondent was sampled from (回访), else empty.
TAIL = [("work_order", "回访工单")]


@dataclass
class Variable:
    question: str
    name: str
    label: str
    kind: str  # code | flag | number | text
    codes: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)


def _codes(options: list[Option]) -> dict[str, int]:
    if all(o.code.isdigit() for o in options):
        return {o.code: int(o.code) for o in options}
    return {o.code: i for i, o in enumerate(options, start=1)}


def variables(defn: Definition) -> list[Variable]:
    out: list[Variable] = []
    for q in defn.questions():
        if q.type == "single":
            out.append(
                Variable(
                    q.code, q.code, q.text, "code", _codes(q.options), {o.code: o.label for o in q.options}
                )
            )
        elif q.type == "multiple":
            out += [Variable(q.code, f"{q.code}_{o.code}", f"{q.text}：{o.label}", "flag") for o in q.options]
        elif q.type == "matrix":
            codes, labels = _codes(q.options), {o.code: o.label for o in q.options}
            out += [
                Variable(q.code, f"{q.code}_{r.code}", f"{q.text}：{r.label}", "code", codes, labels)
                for r in q.rows
            ]
        elif q.type in ("rating", "nps", "number"):
            out.append(Variable(q.code, q.code, q.text, "number"))
        else:
            out.append(Variable(q.code, q.code, q.text, "text"))
    return out


def _value(q: Question, var: Variable, answers: dict[str, Any]) -> Any:
    value = answers.get(q.code)
    if q.type == "multiple":
        return None if value is None else int(var.name[len(q.code) + 1 :] in value)
    if q.type == "matrix":
        return None if not isinstance(value, dict) else value.get(var.name[len(q.code) + 1 :])
    return value


def _responses(session: Session, survey_id: int, f: Filters) -> Iterator[tuple[SurveyResponse, int | None]]:
    """Completed responses with the work order their link was sampled from (if any)."""
    q = (
        select(SurveyResponse, SurveyLink.work_order_id)
        .outerjoin(SurveyLink, SurveyLink.id == SurveyResponse.link_id)
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
    q = q.order_by(SurveyResponse.id).limit(MAX_ROWS)
    yield from session.execute(q.execution_options(yield_per=1000))


def _table(
    session: Session, actor: Actor, survey_id: int, f: Filters, unmasked: bool, coded: bool, fmt: str
) -> tuple[Definition, list[Variable], list[list[Any]]]:
    """The rows of an export, audited as one `export` of the survey (format, row count)."""
    defn = version_definition(get_version(session, survey_id, f.version))
    vars_ = variables(defn)
    owners = {q.code: q for q in defn.questions()}
    rows: list[list[Any]] = []
    orders: list[int | None] = []
    for r, order_id in _responses(session, survey_id, f):
        at = r.completed_at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S") if r.completed_at else ""
        channel = r.channel if coded else CHANNEL_ZH.get(r.channel, r.channel)
        line: list[Any] = [r.id, r.version_number, at, channel, r.district, r.age_band]
        orders.append(order_id)
        for v in vars_:
            value = _value(owners[v.question], v, r.answers)
            if v.kind == "code" and value is not None:
                value = v.codes.get(value) if coded else v.labels.get(value, value)
            elif v.kind == "text" and isinstance(value, str) and not unmasked:
                value = mask_text(value)
            line.append(value)
        rows.append(line)
    numbers = order_numbers(session, {o for o in orders if o is not None})
    for line, order_id in zip(rows, orders, strict=True):
        line.append("" if order_id is None else numbers.get(order_id, ""))
    record(session, actor, "export", "survey", survey_id, after={"format": fmt, "rows": len(rows)})
    return defn, vars_, rows


def to_csv(session: Session, actor: Actor, survey_id: int, f: Filters, unmasked: bool) -> bytes:
    _, vars_, rows = _table(session, actor, survey_id, f, unmasked, coded=False, fmt="csv")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow([name for name, _ in BASE] + [v.name for v in vars_] + [name for name, _ in TAIL])
    w.writerow([zh for _, zh in BASE] + [v.label for v in vars_] + [zh for _, zh in TAIL])
    for line in rows:
        w.writerow(safe_row("" if x is None else x for x in line))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(session: Session, actor: Actor, survey_id: int, f: Filters, unmasked: bool) -> bytes:
    from openpyxl import Workbook

    _, vars_, rows = _table(session, actor, survey_id, f, unmasked, coded=False, fmt="xlsx")
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("答卷")
    ws.append([zh for _, zh in BASE] + [v.label[:200] for v in vars_] + [zh for _, zh in TAIL])
    ws.append([name for name, _ in BASE] + [v.name for v in vars_] + [name for name, _ in TAIL])
    for line in rows:
        ws.append(safe_row(line))
    info = wb.create_sheet("变量")
    info.append(["变量", "题目", "取值"])
    for v in vars_:
        info.append(
            safe_row([v.name, v.label, "；".join(f"{c}={v.labels.get(k, k)}" for k, c in v.codes.items())])
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def to_sav(session: Session, actor: Actor, survey_id: int, f: Filters, unmasked: bool) -> bytes:
    import pandas as pd
    import pyreadstat

    defn, vars_, rows = _table(session, actor, survey_id, f, unmasked, coded=True, fmt="sav")
    names = [name for name, _ in BASE] + [v.name for v in vars_] + [name for name, _ in TAIL]
    frame = pd.DataFrame(rows, columns=names)
    for v in vars_:
        if v.kind in ("code", "flag", "number"):
            frame[v.name] = pd.to_numeric(frame[v.name], errors="coerce").astype("float64")
        else:
            frame[v.name] = frame[v.name].astype("object").where(frame[v.name].notna(), "").astype(str)
    for name in ("channel", "district", "age_band", "completed_at", "work_order"):
        frame[name] = frame[name].astype(str)
    labels: dict[str, dict[int | float, str]] = {}
    for v in vars_:
        if v.kind == "code":
            labels[v.name] = {float(c): v.labels[k] for k, c in v.codes.items()}
        elif v.kind == "flag":
            labels[v.name] = {0.0: "未选", 1.0: "选中"}
    column_labels: list[str | None] = [
        *(zh for _, zh in BASE),
        *(v.label[:250] for v in vars_),
        *(zh for _, zh in TAIL),
    ]
    fd, path = tempfile.mkstemp(suffix=".sav")
    os.close(fd)
    try:
        pyreadstat.write_sav(
            frame,
            path,
            file_label=defn.title[:60],
            column_labels=column_labels,
            variable_value_labels=labels,
        )
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        os.unlink(path)
