"""How far behind the rollups are: each high-water mark beside the head of its source."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.analytics import watermarks
from hotline.calls import stats as call_stats
from hotline.workorders import stats as order_stats


def status(session: Session) -> dict[str, int]:
    return {
        "calls_mark": watermarks.read(session, watermarks.CALLS),
        "calls_head": call_stats.last_line_id(session),
        "orders_mark": watermarks.read(session, watermarks.ORDERS),
        "orders_head": order_stats.last_event_id(session),
    }
