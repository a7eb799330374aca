"""Query parameters every list endpoint accepts, on top of `hotline.store.pagination`."""

from __future__ import annotations

from fastapi import Query

from hotline.store.pagination import (
    MAX_LIMIT,
    PageRequest,
    decode_cursor,
    encode_cursor,
    paginate,
)

__all__ = ["MAX_LIMIT", "ListParams", "PageRequest", "decode_cursor", "encode_cursor", "paginate"]


class ListParams(PageRequest):
    """`?limit=&cursor=&sort=` from the URL."""

    def __init__(
        self,
        limit: int = Query(50, ge=1, le=MAX_LIMIT, description="page size"),
        cursor: str | None = Query(None, max_length=500, description="next_cursor of the previous page"),
        sort: str | None = Query(None, max_length=64, description="field, '-' prefix for descending"),
    ) -> None:
        super().__init__(limit, cursor, sort)
