"""What an opinion brief (舆情日报/周报) says, whatever it is written as: its period (a local
Asia/Shanghai day, or a Monday-to-Sunday week), the overview figures and the tables of spreading
stories, high-risk items and incidents. `briefs.workbook` writes it as Excel, `briefpdf` as PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hotline.errors import Invalid
from hotline.opinion.models import OpinionAlert, OpinionGroup, OpinionIncident, OpinionItem, OpinionSource
from hotline.opinion.risk import HIGH

LOCAL = ZoneInfo("Asia/Shanghai")
NAME_ZH = {"daily": "舆情日报", "weekly": "舆情周报"}


def period(kind: str, first: date) -> tuple[date, date]:
    """The period starting `first` (a week starts on a Monday)."""
    if kind == "weekly":
        if first.weekday() != 0:
            raise Invalid("a weekly brief starts on a Monday", "周报须从周一开始")
        return first, first + timedelta(days=6)
    return first, first


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(first, time.min, LOCAL),
        datetime.combine(last + timedelta(days=1), time.min, LOCAL),
    )


def _when(at: datetime | None) -> str:
    return at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if at else ""


def figures(session: Session, first: date, last: date) -> dict[str, Any]:
    lo, hi = _bounds(first, last)
    in_period = (OpinionItem.fetched_at >= lo) & (OpinionItem.fetched_at < hi)
    items = int(session.scalar(select(func.count()).where(in_period)) or 0)
    negative = int(session.scalar(select(func.count()).where(in_period, OpinionItem.negative >= 0.5)) or 0)
    return {
        "items": items,
        "negative_share": round(negative / items, 3) if items else 0.0,
        "stories": int(
            session.scalar(
                select(func.count()).where(OpinionGroup.first_seen >= lo, OpinionGroup.first_seen < hi)
            )
            or 0
        ),
        "high_risk": int(
            session.scalar(select(func.count()).where(in_period, OpinionItem.risk >= HIGH)) or 0
        ),
        "alerts": int(
            session.scalar(
                select(func.count()).where(OpinionAlert.raised_at >= lo, OpinionAlert.raised_at < hi)
            )
            or 0
        ),
        "incidents_opened": int(
            session.scalar(
                select(func.count()).where(OpinionIncident.created_at >= lo, OpinionIncident.created_at < hi)
            )
            or 0
        ),
        "incidents_closed": int(
            session.scalar(
                select(func.count()).where(OpinionIncident.closed_at >= lo, OpinionIncident.closed_at < hi)
            )
            or 0
        ),
    }


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Brief:
    """One brief's content, written out as Excel (`workbook`) or PDF (`briefpdf.brief_pdf`)."""

    kind: str
    span: str
    figures: dict[str, Any]  # `figures()` of the period, the overview's and the mail's numbers
    overview: list[tuple[str, Any]]
    tables: list[Table]

    @property
    def title(self) -> str:
        return NAME_ZH.get(self.kind, self.kind)


def content(session: Session, kind: str, first: date) -> Brief:
    """The brief: 概况, then 热点话题, 高风险条目, 舆情事件."""
    first, last = period(kind, first)
    lo, hi = _bounds(first, last)
    f = figures(session, first, last)
    span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
    overview = [
        ("新采集条目", f["items"]),
        ("负面条目占比", f["negative_share"]),
        ("新话题", f["stories"]),
        ("高风险条目", f["high_risk"]),
        ("告警", f["alerts"]),
        ("新立舆情事件", f["incidents_opened"]),
        ("办结舆情事件", f["incidents_closed"]),
    ]
    in_period = (OpinionItem.fetched_at >= lo) & (OpinionItem.fetched_at < hi)
    stories = session.execute(
        select(OpinionGroup, func.count(OpinionItem.id), func.max(OpinionItem.risk))
        .join(OpinionItem, OpinionItem.group_id == OpinionGroup.id)
        .where(in_period)
        .group_by(OpinionGroup.id)
        .order_by(func.count(OpinionItem.id).desc(), OpinionGroup.id)
        .limit(20)
    ).all()
    hot = Table(
        "热点话题",
        ("话题", "期内条数", "累计传播", "最高风险", "首次发现"),
        [
            (group.title, int(count), group.size, round(float(risk or 0), 1), _when(group.first_seen))
            for group, count, risk in stories
        ],
    )
    risky = Table(
        "高风险条目",
        ("采集时间", "来源", "标题", "风险", "负面概率", "敏感词", "链接"),
        [
            (
                _when(item.fetched_at), source, item.title, round(item.risk, 1), round(item.negative, 3),
                "、".join(item.risk_terms or []), item.url,
            )
            for item, source in session.execute(
                select(OpinionItem, OpinionSource.name)
                .join(OpinionSource, OpinionSource.id == OpinionItem.source_id)
                .where(in_period, OpinionItem.risk >= HIGH)
                .order_by(OpinionItem.risk.desc(), OpinionItem.id)
                .limit(200)
            ).all()
        ],
    )  # fmt: skip
    incidents = session.scalars(
        select(OpinionIncident)
        .where(
            or_(
                (OpinionIncident.created_at >= lo) & (OpinionIncident.created_at < hi),
                (OpinionIncident.closed_at >= lo) & (OpinionIncident.closed_at < hi),
            )
        )
        .order_by(OpinionIncident.id)
    )
    events = Table(
        "舆情事件",
        ("标题", "级别", "状态", "发现时间", "办结时间"),
        [(i.title, i.level, i.state, _when(i.created_at), _when(i.closed_at)) for i in incidents],
    )
    return Brief(kind, span, f, overview, [hot, risky, events])
