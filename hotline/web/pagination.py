"""Cursor (keyset) pagination and sorting shared by every list endpoint.

`?sort=-created_at&limit=50&cursor=...`: the cursor encodes the last row's sort value and id, so
pages stay stable while rows are added and cost O(log n) at any depth, unlike OFFSET.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, TypeVar

from fastapi import Query
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.errors import HotlineError, Invalid

T = TypeVar("T")
MAX_LIMIT = 500


class ListParams:
    """Query parameters every list accepts."""

    def __init__(
        self,
        limit: int = Query(50, ge=1, le=MAX_LIMIT, description="page size"),
        cursor: str | None = Query(None, max_length=500, description="next_cursor of the previous page"),
        sort: str | None = Query(None, max_length=64, description="field, '-' prefix for descending"),
    ) -> None:
        self.limit = limit
        self.cursor = cursor
        self.sort = sort


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"dt": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2:
            raise ValueError
        return [_decode(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise HotlineError("the cursor is not valid", "分页游标无效") from exc


def paginate(
    session: Session,
    stmt: Select[Any],
    params: ListParams,
    sortable: dict[str, InstrumentedAttribute[Any]],
    id_col: InstrumentedAttribute[Any],
    to_out: Callable[[Any], T],
    default_sort: str = "-id",
) -> dict[str, Any]:
    sort = params.sort or default_sort
    desc = sort.startswith("-")
    name = sort.lstrip("-+")
    if name != "id" and name not in sortable:
        raise Invalid(
            f"cannot sort by {name!r}; use one of: id, {', '.join(sorted(sortable))}",
            f"不能按 {name} 排序",
        )
    col = id_col if name == "id" else sortable[name]
    if params.cursor:
        last_value, last_id = decode_cursor(params.cursor)
        if name == "id":
            stmt = stmt.where(id_col < last_id if desc else id_col > last_id)
        elif desc:
            stmt = stmt.where(or_(col < last_value, and_(col == last_value, id_col < last_id)))
        else:
            stmt = stmt.where(or_(col > last_value, and_(col == last_value, id_col > last_id)))
    order = [col.desc(), id_col.desc()] if desc else [col.asc(), id_col.asc()]
    if name == "id":
        order = order[:1]
    rows = list(session.scalars(stmt.order_by(*order).limit(params.limit + 1)))
    more = len(rows) > params.limit
    rows = rows[: params.limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, col.key), getattr(last, id_col.key)])
    return {"items": [to_out(r) for r in rows], "next_cursor": next_cursor}
