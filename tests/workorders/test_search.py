"""Work-order text search finds what an agent types (both databases): parts of words however
jieba splits them, single characters, the caller's name and phone (whole, last digits, first
digits) but never through a confidential order's hidden identity, text with invisible
characters; results most relevant first, paged without loss; a query of only common words is a
clear 422; `reindex_all` rebuilds the table."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.errors import Invalid
from hotline.people.permissions import ROLE_PERMISSIONS, Role
from hotline.people.schemas import CallerIn
from hotline.people.service import create_caller
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.store.migrate import downgrade, upgrade
from hotline.store.pagination import PageRequest
from hotline.workorders import ranking, search
from hotline.workorders.models import SearchToken, WorkOrder
from hotline.workorders.queries import Filters, build, page
from hotline.workorders.schemas import order_out
from hotline.workorders.service import SYSTEM_WHO, NewOrder, Who, create
from tests.workorders.helpers import who

NO_PII = next(
    r for r in Role if "workorders.read" in ROLE_PERMISSIONS[r] and "pii.read" not in ROLE_PERMISSIONS[r]
)


def order(s: Session, content: str, title: str = "来电反映", days_ago: int = 0, **kw: Any) -> WorkOrder:
    data = NewOrder(type="help_request", title=title, content=content, **kw)
    return create(s, SYSTEM_WHO, data, now=utcnow() - timedelta(days=days_ago))


def find(s: Session, q: str, viewer: Who | None = None, limit: int = 50, **kw: Any) -> list[int]:
    viewer = viewer or who("supervisor")
    res = page(s, build(s, viewer, Filters(q=q), utcnow()), PageRequest(limit, **kw), lambda o: o.id)
    return list(res["items"])


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("想了解新农合报销比例", "农合"),
        ("残疾人两项补贴迟迟未到账", "到账"),
        ("社区助餐点太远，老人走不过去", "助餐"),
        ("申请居家养老服务上门", "居家养老"),
        ("老人在家买药难", "药"),
    ],
)
def test_finds_parts_of_words_and_single_characters(db: Database, text: str, query: str) -> None:
    with db.session() as s:
        target = order(s, text)
        order(s, "孤儿基本生活费标准咨询")
        assert find(s, query) == [target.id]


def test_finds_the_caller_by_name_and_phone(db: Database) -> None:
    with db.session() as s:
        caller = create_caller(
            s,
            Actor(None, "t"),
            CallerIn(name="宋建国", phones=[{"number": "138-1038-0112"}]),  # type: ignore[list-item]
        )
        mine = order(s, "老人家里漏雨，希望社区帮忙维修", caller_id=caller.id)
        contact = order(s, "咨询低保办理", contact_name="李秀英", contact_phone="13912345678")
        order(s, "老人家里漏雨，邻居帮忙维修")
        for q in ("宋建国", "13810380112", "0112", "1381038", "宋建国 漏雨"):
            assert find(s, q) == [mine.id], q
        assert find(s, "李秀英") == [contact.id]
        assert find(s, "5678") == [contact.id]
        # A role without pii.read may search by phone (it sees the order) but gets it masked.
        res = page(
            s, build(s, who(NO_PII), Filters(q="13912345678"), utcnow()), PageRequest(),
            lambda o: order_out(o, who(NO_PII)),
        )  # fmt: skip
        assert [o.id for o in res["items"]] == [contact.id]
        assert res["items"][0].contact_phone == "139****5678"


def test_confidential_identity_is_no_search_oracle_for_a_department(db: Database) -> None:
    with db.session() as s:
        secret = order(
            s, "举报有人冒领补贴", contact_name="王德明", contact_phone="13700001111", confidential=True
        )
        secret.department_id = 1
        s.flush()
        handler = who("department_handler", 1)
        assert find(s, "冒领") == find(s, "冒领", handler) == [secret.id]
        assert find(s, "王德明") == [secret.id]  # the hotline sees who reported it
        assert find(s, "王德明", handler) == find(s, "13700001111", handler) == []
        assert find(s, "王德明", handler, sort="-id") == []


def test_invisible_characters_do_not_hide_an_order(db: Database) -> None:
    with db.session() as s:
        zw = order(s, "母亲的低\u200b保金停发了")
        rtl = order(s, "养老院\u202e收费\u202c不合理")
        wide = order(s, "电话１３６００００２２２２")
        assert find(s, "低保金") == [zw.id]
        assert find(s, "收费不合理") == [rtl.id]
        assert find(s, "养\u200d老院") == [rtl.id]
        assert find(s, "2222") == [wide.id]


def test_most_relevant_first_ties_newest_first(db: Database) -> None:
    with db.session() as s:
        best = order(s, "高龄津贴停发，高龄津贴一直没有补发", title="高龄津贴停发", days_ago=3)
        once = order(s, "老人反映高龄津贴的事情，顺便问一下低保", days_ago=1)
        tie_old = order(s, "咨询高龄津贴", title="咨询", days_ago=2)
        tie_new = order(s, "咨询高龄津贴", title="咨询", days_ago=0)
        ranked = find(s, "高龄津贴")
        assert ranked[0] == best.id
        assert ranked.index(tie_new.id) < ranked.index(tie_old.id)
        assert set(ranked) == {best.id, once.id, tie_old.id, tie_new.id}
        assert find(s, "高龄津贴", sort="-id") == [tie_new.id, tie_old.id, once.id, best.id]


def test_pages_cover_every_match_once(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ranking, "RANK_WINDOW", 4)  # past the window: newest first
    with db.session() as s:
        ids = {order(s, "低保" * (1 + i % 3) + f"第{i}次反映", days_ago=i).id for i in range(9)}
        order(s, "与此无关的咨询")
        seen: list[int] = []
        cursor = None
        viewer = who("supervisor")
        while True:
            res = page(
                s, build(s, viewer, Filters(q="低保"), utcnow()), PageRequest(2, cursor), lambda o: o.id
            )
            seen += res["items"]
            cursor = res["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids) and len(seen) == len(ids)


@pytest.mark.parametrize("q", ["的", "我们 没有", "？？！", "的了"])
def test_a_query_of_only_common_words_is_a_clear_error(db: Database, q: str) -> None:
    with db.session() as s:
        order(s, "我们的低保没有了")
        with pytest.raises(Invalid) as err:
            find(s, q)
        assert "常用字词" in err.value.detail_zh


def test_reindex_all_rebuilds_the_tokens(db: Database) -> None:
    with db.session() as s:
        target = order(s, "想了解新农合报销比例")
        before = s.scalar(select(func.count()).select_from(SearchToken))
        s.execute(delete(SearchToken))
        assert search.reindex_all(s, batch=1) == 1
        assert s.scalar(select(func.count()).select_from(SearchToken)) == before
        assert find(s, "农合") == [target.id]


def test_migration_reindexes_existing_orders(db: Database) -> None:
    """Orders indexed by the former jieba-only indexer become findable by parts of words."""
    downgrade(db.url, "0110_channels_intake_hardening")
    with db.session() as s:
        row = WorkOrder(
            number="GD20261201-0001", type="inquiry", title="报销咨询", content="想了解新农合报销比例"
        )
        s.add(row)
        s.flush()
        oid = row.id
        for tok in search.jieba_tokens(search.order_text(row)):
            s.execute(
                text("INSERT INTO workorder_tokens (token, workorder_id) VALUES (:t, :i)"),
                {"t": tok, "i": oid},
            )
    db.dispose()
    upgrade(db.url)
    with db.session() as s:
        assert find(s, "农合") == [oid]
        assert (
            s.scalar(select(SearchToken.weight).where(SearchToken.token == "报销")) == 1 + search.TITLE_WEIGHT
        )


def test_a_long_query_matches_on_its_rarest_terms(db: Database) -> None:
    text_ = "独居老人在家摔倒，已联系120，需要社区上门协助，家属在外地赶不回来，请尽快安排网格员"
    with db.session() as s:
        target = order(s, text_)
        order(s, "独居老人需要社区上门协助")
        assert find(s, text_) == [target.id]
