"""Cursor (keyset) pagination and sorting, independent of HTTP.

`sort="-created_at"`, `limit=50`, `cursor=...`: the cursor encodes the last row's sort value and
id, so pages stay stable while rows are added and cost O(log n) at any depth, unlike OFFSET.
Domain services page with `PageRequest`; the web layer's `ListParams` is one filled from the URL.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from hotline.errors import HotlineError, Invalid

T = TypeVar("T")
MAX_LIMIT = 500


@dataclass
class PageRequest:
    """Which page of a list: size, the previous page's `next_cursor`, and the sort field."""

    limit: int = 50
    cursor: str | None = None
    sort: str | None = None


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


# Row ids are database integers: anything outside 64 bits would overflow in the driver (a 500).
MAX_DB_INT = 2**63 - 1


def _invalid_cursor() -> HotlineError:
    return HotlineError("the cursor is not valid", "分页游标无效")


def _is_db_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and -MAX_DB_INT <= value <= MAX_DB_INT


def decode_cursor(cursor: str) -> list[Any]:
    """[sort value, row id] from a client's cursor; anything else is a 400, not a database error."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != 2:
            raise ValueError
        decoded = [_decode(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise _invalid_cursor() from exc
    if not _is_db_int(decoded[1]):
        raise _invalid_cursor()
    return decoded


def _check_sort_value(value: Any, col: InstrumentedAttribute[Any]) -> None:
    """The cursor's sort value must have the column's type (clients can send any JSON)."""
    if value is None:
        return
    try:
        expected = col.type.python_type
    except NotImplementedError:
        expected = object
    if expected is int:
        ok = _is_db_int(value)
    elif expected is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is bool:
        ok = isinstance(value, bool)
    else:
        ok = isinstance(value, expected) and not isinstance(value, list | dict)
    if not ok:
        raise _invalid_cursor()


def paginate(
    session: Session,
    stmt: Select[Any],
    params: PageRequest,
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
        _check_sort_value(last_value, col)
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
