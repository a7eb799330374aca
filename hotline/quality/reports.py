"""Calibration and scorecards: what the submitted scores add up to.

Calibration (校准): several inspectors score the same call; per item the spread (max − min of
the points given), the mean and each inspector's points, and the same for the totals, so the
team sees where its reading of the form differs. Scorecards: per agent or per team (the agent's
department) over a period, the count, average percentage, critical failures and pass rate, the
monthly trend, and the items most often missed (given less than their full points). Only final
scores count (`states.FINAL`, never calibration scores); an appeal counts once decided.
"""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.errors import NotFound
from hotline.exports import row as xlsx_row
from hotline.people.service import get_department, get_user
from hotline.quality import forms
from hotline.quality.models import Form, Score
from hotline.quality.sampling import aware
from hotline.quality.states import FINAL, ScoreState

PASS_PERCENT = 80.0


def calibration(session: Session, call_id: str) -> dict[str, Any]:
    done = (ScoreState.draft,)
    rows = [
        s for s in session.scalars(select(Score).where(Score.call_uuid == call_id)) if s.state not in done
    ]
    if not rows:
        raise NotFound(f"no submitted scores of call {call_id}", "该通话还没有提交的评分")
    form = forms.get(session, rows[0].form_id)
    rows = [s for s in rows if s.form_id == form.id]  # one version: the items must be the same
    out_items = []
    for key, item in forms.items(form).items():
        given = {s.inspector_id: float((s.answers or {}).get(key, {}).get("score", 0.0)) for s in rows}
        values = list(given.values())
        out_items.append(
            {
                "key": key,
                "label": item["label"],
                "points": item["points"],
                "by_inspector": given,
                "mean": round(statistics.fmean(values), 2),
                "spread": round(max(values) - min(values), 2),
            }
        )
    totals = {s.inspector_id: s.total or 0.0 for s in rows}
    return {
        "call_id": call_id,
        "form_id": form.id,
        "inspectors": sorted(totals),
        "items": sorted(out_items, key=lambda i: -i["spread"]),
        "totals": totals,
        "total_spread": round(max(totals.values()) - min(totals.values()), 2),
        "total_stdev": round(statistics.pstdev(totals.values()), 2),
    }


def _final(session: Session, since: datetime, until: datetime) -> list[Score]:
    stmt = select(Score).where(
        Score.calibration.is_(False),
        Score.state.in_([s.value for s in FINAL]),
        Score.submitted_at >= since,
        Score.submitted_at < until,
    )
    return list(session.scalars(stmt.order_by(Score.submitted_at)))


def scorecards(session: Session, since: datetime, until: datetime, by: str = "agent") -> list[dict[str, Any]]:
    scores = _final(session, aware(since), aware(until))
    form_cache: dict[int, Form] = {}
    names: dict[int, tuple[str, int | None]] = {}

    def who(agent_id: int | None) -> tuple[str, int | None]:
        if agent_id is None:
            return "—", None
        if agent_id not in names:
            try:
                user = get_user(session, agent_id)
                names[agent_id] = (user.display_name, user.department_id)
            except NotFound:
                names[agent_id] = (f"#{agent_id}", None)
        return names[agent_id]

    groups: dict[Any, list[Score]] = defaultdict(list)
    for s in scores:
        key = s.agent_id if by == "agent" else who(s.agent_id)[1]
        groups[key].append(s)
    cards = []
    for key, rows in groups.items():
        percents = [100.0 * (s.total or 0) / s.max_points for s in rows if s.max_points]
        monthly: dict[str, list[float]] = defaultdict(list)
        missed: Counter[str] = Counter()
        labels: dict[str, str] = {}
        for s in rows:
            if s.max_points and s.submitted_at is not None:
                monthly[s.submitted_at.strftime("%Y-%m")].append(100.0 * (s.total or 0) / s.max_points)
            form = form_cache.get(s.form_id) or form_cache.setdefault(
                s.form_id, forms.get(session, s.form_id)
            )
            for k, item in forms.items(form).items():
                labels[k] = item["label"]
                score = (s.answers or {}).get(k, {})
                if float(score.get("score", item["points"])) < float(item["points"]) or score.get("failed"):
                    missed[k] += 1
        card = {
            "key": key,
            "name": who(key)[0] if by == "agent" else _department(session, key),
            "count": len(rows),
            "average": round(statistics.fmean(percents), 1) if percents else None,
            "critical_failed": sum(1 for s in rows if s.critical_failed),
            "pass_rate": round(sum(1 for p in percents if p >= PASS_PERCENT) / len(percents), 3)
            if percents
            else None,
            "appealed": sum(1 for s in rows if s.appealed_at is not None),
            "changed": sum(1 for s in rows if s.state == ScoreState.changed),
            "trend": [
                {"month": m, "average": round(statistics.fmean(v), 1)} for m, v in sorted(monthly.items())
            ],
            "most_missed": [{"key": k, "label": labels[k], "count": n} for k, n in missed.most_common(5)],
        }
        cards.append(card)
    return sorted(cards, key=lambda c: (-(c["average"] or 0), str(c["name"])))


def _department(session: Session, department_id: int | None) -> str:
    if department_id is None:
        return "未分组"
    try:
        return get_department(session, department_id).name
    except NotFound:
        return f"#{department_id}"


def scorecards_xlsx(cards: list[dict[str, Any]], since: datetime, until: datetime) -> bytes:
    from openpyxl import Workbook  # loaded on first use (a second of server start-up)

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "质检成绩"
    ws.append(xlsx_row([f"质检成绩单 {since:%Y-%m-%d} 至 {until:%Y-%m-%d}"]))
    ws.append(
        xlsx_row(["对象", "评分数", "平均得分率(%)", "一票否决", "合格率", "申诉", "改判", "最常失分项"])
    )
    for c in cards:
        missed = "；".join(f"{m['label']}×{m['count']}" for m in c["most_missed"])
        pass_rate = None if c["pass_rate"] is None else round(100 * c["pass_rate"], 1)
        ws.append(
            xlsx_row(
                [
                    c["name"],
                    c["count"],
                    c["average"],
                    c["critical_failed"],
                    pass_rate,
                    c["appealed"],
                    c["changed"],
                    missed,
                ]
            )
        )
    trend = wb.create_sheet("月度趋势")
    trend.append(xlsx_row(["对象", "月份", "平均得分率(%)"]))
    for c in cards:
        for t in c["trend"]:
            trend.append(xlsx_row([c["name"], t["month"], t["average"]]))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
