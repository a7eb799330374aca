"""In-call suggestions from IVR path, caller profile and typed text; expired articles show as
expired where they are linked and are never suggested."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hotline.knowledge import incall, service, usage
from hotline.knowledge.models import Article
from hotline.people.schemas import CallerIn, CareProfileIn
from hotline.people.service import create_caller
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.knowledge.helpers import ACTOR, fresh_index, load_demo


def test_profile_ivr_and_text_signals(sqlite_db: Database, tmp_path: Path) -> None:
    keys = load_demo(sqlite_db)
    idx = fresh_index(sqlite_db, tmp_path)
    with sqlite_db.session() as s:
        caller = create_caller(
            s, ACTOR, CallerIn(name="张大爷", care_profile=CareProfileIn(age=86, living_alone=True))
        )
        caller_id = caller.id
    with sqlite_db.session() as s:
        found = incall.suggest_in_call(s, idx, [], caller_id, "")
        assert found[0].id in {keys["gljt_apply"], keys["gljt_amount"], keys["gljt_stop"]}
        assert any(r.startswith("profile:") for r in found[0].reasons)
        found = incall.suggest_in_call(s, idx, ["残疾人服务"], None, "")
        assert found[0].id in {keys["liangxiang"], keys["canjirenzheng"], keys["shenghuo_butie"]}
        # Typed text outweighs the menu path.
        found = incall.suggest_in_call(s, idx, ["养老服务"], caller_id, "离婚冷静期")
        assert found[0].id == keys["lihun"] and "text" in found[0].reasons
        assert incall.suggest_in_call(s, idx, [], 999_999, "") == []


def test_expired_article_is_flagged_where_linked_and_not_suggested(
    sqlite_db: Database, tmp_path: Path
) -> None:
    keys = load_demo(sqlite_db)
    article_id = keys["lihun"]
    now = utcnow()
    with sqlite_db.session() as s:
        usage.link_work_order(s, ACTOR, article_id, "WO-9", "complaint")
        a = s.get(Article, article_id)
        assert a is not None
        a.live_valid_until = now + timedelta(days=1)
        a.valid_until = now + timedelta(days=1)
    later = now + timedelta(days=2)
    with sqlite_db.session() as s:
        # Before the sweep runs, the clock alone makes it expired.
        assert usage.links_for(s, "WO-9", later)[0]["expired"] is True
        service.sweep(s, later)
    with sqlite_db.session() as s:
        assert usage.links_for(s, "WO-9")[0]["expired"] is True
    idx = fresh_index(sqlite_db, tmp_path)
    with sqlite_db.session() as s:
        found = incall.suggest_in_call(s, idx, [], None, "离婚冷静期", now=later)
    assert article_id not in [f.id for f in found]
