"""Processing: reposts grouped with the original (spread, not new stories), rules matched, risk
rising with spread and sensitive terms, one alert per story, and the same matter found among
work orders and knowledge articles."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.bus import Event, get_bus
from hotline.opinion import minhash, process, related, sentiment
from hotline.opinion.models import OpinionAlert, OpinionGroup, OpinionItem, OpinionRule, OpinionSource
from hotline.opinion.topics import OpinionAlertRaised
from hotline.store.db import Database
from tests.knowledge.helpers import make_article
from tests.opinion.pages import STORY
from tests.workorders.helpers import new_order

COPY = "转发：" + STORY.replace("，", ",").replace("近日", "日前") + "（来源：网络）"
OTHER = "区民政局举办重阳节敬老活动，为辖区百岁老人送上祝福和慰问品，现场气氛温馨热烈，老人们纷纷点赞。"


def negative_if_abuse(title: str, text: str) -> float:
    return 0.95 if "虐待" in title + text else 0.1


def add_items(db: Database, texts: list[tuple[str, str]]) -> list[int]:
    with db.session() as s:
        src = s.scalar(select(OpinionSource).where(OpinionSource.name == "t"))
        if src is None:
            src = OpinionSource(name="t", kind="feed", url="http://x.example/rss")
            s.add(src)
            s.flush()
        base = len(s.scalars(select(OpinionItem.id)).all())
        rows = [
            OpinionItem(
                source_id=src.id, guid=f"g{base + i}", url=f"http://x.example/{base + i}", title=t, text=x
            )
            for i, (t, x) in enumerate(texts)
        ]
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def test_minhash_similarity_separates_copies_from_other_stories() -> None:
    a, b, c = (minhash.signature(t) for t in (STORY, COPY, OTHER))
    assert minhash.similarity(a, b) >= minhash.THRESHOLD
    assert minhash.similarity(a, c) < 0.2
    assert minhash.from_bytes(minhash.to_bytes(a)).tolist() == a.tolist()
    assert len(set(minhash.buckets(a)) & set(minhash.buckets(b))) >= 1


def test_reposts_join_the_story_and_raise_one_alert(db: Database) -> None:
    seen: list[Event] = []
    unsubscribe = get_bus().subscribe(OpinionAlertRaised, seen.append)  # no loop: called at publish
    try:
        add_items(db, [("养老院护工虐待老人被曝光", STORY), ("重阳节敬老", OTHER)])
        first = process.process_pending(db, classify=negative_if_abuse)
        assert (first.processed, first.grouped, first.alerts) == (2, 0, [])  # one copy: not yet
        add_items(db, [("网友曝光养老院虐待老人", COPY), ("转：养老院护工虐待老人", "【转载】" + STORY)])
        second = process.process_pending(db, classify=negative_if_abuse)
        assert (second.processed, second.grouped, len(second.alerts)) == (2, 2, 1)
        add_items(db, [("再转", STORY + "。")])
        assert process.process_pending(db, classify=negative_if_abuse).alerts == []  # same story
        with db.session() as s:
            groups = {g.title: g.size for g in s.scalars(select(OpinionGroup))}
            assert groups == {"养老院护工虐待老人被曝光": 4, "重阳节敬老": 1}
            items = list(s.scalars(select(OpinionItem).order_by(OpinionItem.id)))
            assert [i.duplicate for i in items] == [False, False, True, True, True]
            assert items[0].risk < 60 <= items[3].risk
            assert set(items[0].risk_terms) >= {"虐待", "曝光", "投诉无果"}
            assert items[1].risk < 10
            alert = s.scalars(select(OpinionAlert)).one()
            assert alert.group_id == items[0].group_id
            assert (
                s.scalar(select(AuditEntry.action).where(AuditEntry.entity == "opinion_alert"))
                == "opinion.alert_raise"
            )
        assert [e.body.alert_id for e in seen]  # type: ignore[union-attr] == [alert.id]
    finally:
        unsubscribe()


def test_rules_decide_what_is_on_topic(sqlite_db: Database) -> None:
    with sqlite_db.session() as s:
        s.add(
            OpinionRule(name="养老机构安全", expression="(养老院 OR 敬老院) AND (虐待 OR 殴打) AND NOT 演习")
        )
        s.add(OpinionRule(name="东城区", expression="东城区"))
    add_items(
        sqlite_db, [("养老院消防演习", "某养老院开展消防演习，模拟护工殴打情景处置。"), ("东城", STORY)]
    )
    process.process_pending(sqlite_db, classify=negative_if_abuse)
    with sqlite_db.session() as s:
        got = [i.rule_ids for i in s.scalars(select(OpinionItem).order_by(OpinionItem.id))]
    assert got == [[], [1, 2]]


def test_rule_tester_and_rules_api(
    client: TestClient, auth: Callable[[str], dict[str, str]], db: Database
) -> None:
    add_items(db, [("养老院护工虐待老人", STORY), ("重阳节", OTHER)])
    expr = {"expression": "养老院 且 (虐待 或 殴打) 非 演习", "text": "某养老院护工殴打老人"}
    tested = client.post("/api/opinion/rules/test", json=expr, headers=auth("supervisor")).json()
    assert tested["valid"] and tested["text"] == {"matched": True, "found": ["养老院", "殴打"]}
    assert tested["sample"]["matched"] == 1 and tested["sample"]["items"][0]["title"] == "养老院护工虐待老人"
    broken = client.post(
        "/api/opinion/rules/test", json={"expression": "(养老院 OR"}, headers=auth("analyst")
    ).json()
    assert broken["valid"] is False and broken["position"] == 8
    bad = client.post("/api/opinion/rules", json={"name": "x", "expression": "AND"}, headers=auth("analyst"))
    assert bad.status_code == 422
    made = client.post(
        "/api/opinion/rules", json={"name": "养老", "expression": "养老院 虐待"}, headers=auth("analyst")
    )
    assert made.status_code == 201 and made.json()["terms"] == ["养老院", "虐待"]
    assert (
        client.post(
            "/api/opinion/rules", json={"name": "y", "expression": "z"}, headers=auth("supervisor")
        ).status_code
        == 403
    )
    patch = {"version": 1, "enabled": False}
    assert (
        client.patch(f"/api/opinion/rules/{made.json()['id']}", json=patch, headers=auth("analyst")).json()[
            "enabled"
        ]
        is False
    )


def test_snownlp_reads_abuse_as_negative() -> None:
    assert sentiment.negative("养老院护工虐待老人，家属投诉无果", "太让人气愤了") > 0.5
    assert sentiment.negative("社区服务很贴心，感谢工作人员", "老人们都很满意") < 0.5
    assert sentiment.negative("", "") == 0.5


def test_related_work_orders_and_articles(db: Database, tmp_root: Path) -> None:
    with db.session() as s:
        order = new_order(s, "来电反映东城区幸福养老院护工虐待老人，家属投诉无果")
        new_order(s, "咨询高龄津贴申领")
        order_id = order.id
    article = make_article(db, title="养老机构虐待老人举报处理流程", questions=["养老院虐待老人怎么举报"])
    (item_id,) = add_items(db, [("东城区幸福养老院护工虐待老人被曝光", STORY)])
    with db.session() as s:
        item = s.get(OpinionItem, item_id)
        assert item is not None
        found = related.for_item(
            s, item, tmp_root / f"data-{item_id}-{db.engine.url.get_backend_name()}", db.url
        )
    assert order_id in [o["id"] for o in found["work_orders"]]
    assert article in [a["id"] for a in found["articles"]]
