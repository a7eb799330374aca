"""The same matter elsewhere in the hotline: work orders and knowledge articles about what an
opinion item says, found read-only through the work orders' own text search and the knowledge
base's search (never their tables), so a rising complaint online and the same complaint on the
phone show up as one hotspot.

The query is the item's key words (jieba's TF-IDF keywords of the title and lead, places and
institutions first since they pin a matter down). Work-order search requires every term, so it is
asked with the three strongest keywords, then with fewer, until something is found; knowledge
search ranks, so it gets the title.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hotline.audit.service import SYSTEM
from hotline.knowledge import search as ksearch
from hotline.knowledge import views as kviews
from hotline.masking import mask_text
from hotline.opinion.models import OpinionItem
from hotline.people.permissions import PERMISSIONS
from hotline.store.base import utcnow
from hotline.store.pagination import PageRequest
from hotline.workorders import queries
from hotline.workorders.models import WorkOrder
from hotline.workorders.orders import Who

_PLACES = ("ns", "nt", "nr", "nz", "n", "vn", "v")
_READER = Who(SYSTEM, frozenset(PERMISSIONS) - {"pii.read"})


def keywords(title: str, text: str, k: int = 5) -> list[str]:
    # imported here: jieba's part-of-speech tables take seconds to load, which every process
    # importing the opinion routers (each `hotline serve` start) would otherwise pay
    import jieba.analyse

    words = jieba.analyse.extract_tags(f"{title}。{text[:300]}", topK=k * 2, allowPOS=_PLACES)
    return [w for w in words if len(w) >= 2][:k]


def _order_out(o: WorkOrder) -> dict[str, Any]:
    return {
        "id": o.id,
        "number": o.number,
        "title": mask_text(o.title),
        "state": o.state,
        "created_at": o.created_at.isoformat(),
    }


def work_orders(session: Any, words: list[str], limit: int = 5) -> list[dict[str, Any]]:
    now = utcnow()
    tried: set[tuple[str, ...]] = set()
    for n in (3, 2, 1):
        terms = tuple(words[:n])
        if not terms or terms in tried:
            continue
        tried.add(terms)
        q = queries.build(session, _READER, queries.Filters(q=" ".join(terms)), now)
        found = queries.page(session, q, PageRequest(limit=limit), _order_out)["items"]
        if found:
            return list(found)
    return []


def articles(
    session: Any, data_dir: Path, database_url: str, query: str, limit: int = 3
) -> list[dict[str, Any]]:
    idx = kviews.fresh_index(session, data_dir, database_url)
    hits, _ = ksearch.run(idx, query, limit=limit)
    return [{"id": h.id, "title": h.title, "score": round(h.score, 3)} for h in hits]


def for_item(session: Any, item: OpinionItem, data_dir: Path, database_url: str) -> dict[str, Any]:
    words = keywords(item.title, item.text)
    return {
        "keywords": words,
        "work_orders": work_orders(session, words),
        "articles": articles(session, data_dir, database_url, item.title),
    }
