"""Index consistency: a rebuild equals the incrementally kept index, and a crash between database
commit and index update (or a lost index) is repaired by the next catch-up."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import tantivy
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from hotline.knowledge import index, service
from hotline.knowledge.models import Article, IndexOutbox
from hotline.knowledge.schemas import ArticlePatch
from hotline.store.db import Database
from tests.knowledge.helpers import ACTOR, fresh_index, load_demo, make_article


def _docs(idx: index.KnowledgeIndex) -> dict[int, Any]:
    searcher = idx.index.searcher()
    result = searcher.search(tantivy.Query.all_query(), limit=10_000)
    out = {}
    for _, addr in result.hits:
        doc = searcher.doc(addr)
        out[int(doc["id"][0])] = json.loads(bytes(doc["data"][0]))
    return out


def test_rebuild_equals_incremental(sqlite_db: Database, tmp_path: Path) -> None:
    keys = load_demo(sqlite_db)
    inc = fresh_index(sqlite_db, tmp_path / "a")
    with sqlite_db.session() as s:
        a = s.get(Article, keys["dibao_apply"])
        assert a is not None
        service.update_article(s, ACTOR, a.id, ArticlePatch(version=a.version, title="低保申请条件（修订）"))
        b = s.get(Article, keys["guer"])
        assert b is not None
        service.act(s, ACTOR, b.id, "retire", b.version)
    make_article(sqlite_db, publish=False, title="新草稿")
    with sqlite_db.session() as s:
        assert index.catch_up(s, inc) == 3
    full = index.get_index(tmp_path / "b", sqlite_db.url)
    with sqlite_db.session() as s:
        assert index.rebuild_index(s, full) == 43
    assert _docs(inc) == _docs(full)
    assert _docs(full)[keys["guer"]]["served"] is False


def test_crash_between_commit_and_index_is_repaired(sqlite_db: Database, tmp_path: Path) -> None:
    load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    assert idx.num_docs() == 42
    # Commits land, the process dies before the index hears of them.
    new_ids = [make_article(sqlite_db, title=f"临时条目{i}") for i in range(3)]
    index.forget_index(tmp_path, sqlite_db.url)
    restarted = index.get_index(tmp_path, sqlite_db.url)
    assert restarted.num_docs() == 42
    with sqlite_db.session() as s:
        index.catch_up(s, restarted)
    assert restarted.num_docs() == 45 and set(new_ids) <= set(_docs(restarted))


def test_lost_or_foreign_index_is_rebuilt(sqlite_db: Database, tmp_path: Path) -> None:
    load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    path = idx.path
    index.forget_index(tmp_path, sqlite_db.url)
    shutil.rmtree(path)
    again = fresh_index(sqlite_db, tmp_path)
    assert again.num_docs() == 42
    # A marker ahead of the database (index from another copy of it) forces a rebuild too.
    state = again.read_state()
    state["outbox"] = 10**9
    again.write_state(state)
    with sqlite_db.session() as s:
        assert index.catch_up(s, again) == 42
    # Documents missing while the marker claims they are in: the startup count check repairs it.
    with again.lock:
        writer = again.index.writer(heap_size=15_000_000, num_threads=1)
        writer.delete_documents_by_term("id", 1)
        writer.commit()
        writer.wait_merging_threads()
        again.index.reload()
    assert again.num_docs() == 41
    index.forget_index(tmp_path, sqlite_db.url)
    restarted = index.get_index(tmp_path, sqlite_db.url)
    with sqlite_db.session() as s:
        index.catch_up(s, restarted)
    assert restarted.num_docs() == 42


def test_outbox_row_committed_late_with_a_lower_id_is_applied(sqlite_db: Database, tmp_path: Path) -> None:
    """PostgreSQL sequences hand out ids at insert, so a transaction can commit a lower id after a
    higher one was applied; the late window re-reads recent rows so it is not skipped."""
    a_id = make_article(sqlite_db, title="甲条目")
    b_id = make_article(sqlite_db, title="乙条目")
    idx = fresh_index(sqlite_db, tmp_path)
    with sqlite_db.session() as s:
        top = s.scalar(select(func.max(IndexOutbox.id))) or 0
        s.add(IndexOutbox(id=top + 5, article_id=a_id))
    with sqlite_db.session() as s:
        index.catch_up(s, idx)
    assert idx.marker == top + 5
    # The "slow" transaction: article b renamed, its outbox row gets the lower id top + 2.
    with sqlite_db.session() as s:
        b = s.get(Article, b_id)
        assert b is not None
        b.title = "乙条目（改）"
        s.add(IndexOutbox(id=top + 2, article_id=b_id))
    with sqlite_db.session() as s:
        assert index.catch_up(s, idx) == 1
    assert _docs(idx)[b_id]["title"] == "乙条目（改）"


def test_concurrent_edit_of_the_same_version_fails_for_one(sqlite_db: Database) -> None:
    """Both writers pass the version check in their own transaction; the row's version column
    (SQLAlchemy version_id_col) stops the second at flush (the web layer answers 409)."""
    article_id = make_article(sqlite_db, publish=False)
    s1, s2 = sqlite_db.sessionmaker(), sqlite_db.sessionmaker()
    try:
        a1, a2 = s1.get(Article, article_id), s2.get(Article, article_id)
        assert a1 is not None and a2 is not None
        service.update_article(s1, ACTOR, article_id, ArticlePatch(version=a1.version, fees="免费"))
        s1.commit()
        with pytest.raises(StaleDataError):
            service.update_article(s2, ACTOR, article_id, ArticlePatch(version=a2.version, fees="收费"))
    finally:
        s1.close()
        s2.close()
