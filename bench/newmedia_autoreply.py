"""WeChat auto-reply: how often the knowledge answer is the right one, and how often a question
the knowledge base does not cover is answered anyway, per confidence threshold.

Run: .venv/bin/python -m bench.newmedia_autoreply
Questions: the repository's search set (tests/knowledge/search_set.json, the demo article each
must find; pinyin-initial queries left out, nobody types those into WeChat) over the 42 demo
articles, plus 30 off-topic messages citizens send a civil-affairs account (street lights,
noise, pensions at the social-security bureau...) that no demo article answers. Baseline in the
same run: threshold 0, i.e. always answer with the search's top hit.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from hotline.audit.service import Actor
from hotline.knowledge import demo, index
from hotline.knowledge.models import Article
from hotline.newmedia.autoreply import best_match
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.store.migrate import upgrade

SEARCH_SET = Path(__file__).resolve().parents[1] / "tests" / "knowledge" / "search_set.json"
OFF_TOPIC = [
    "我家楼下的路灯坏了好几天了", "楼上邻居半夜装修太吵了", "小区垃圾没人清运", "公交车改线了怎么坐",
    "社保卡丢了怎么补办", "养老保险缴费基数是多少", "医保报销比例怎么算", "孩子上学划片怎么查",
    "房屋漏水物业不管", "停水什么时候恢复", "违章停车挡住消防通道", "快递丢了找谁",
    "电动车充电桩什么时候装", "燃气费怎么缴", "驾驶证到期换证", "小区门口占道经营",
    "出租车拒载投诉", "网购退款不成功", "工资被拖欠怎么办", "公积金怎么提取",
    "路面塌陷很危险", "狗叫扰民", "户口迁移需要什么材料", "护照办理要多久",
    "地铁站电梯坏了", "天然气泄漏味道很大", "公园厕所太脏", "学校门口交通拥堵",
    "个税退税怎么操作", "新能源车牌照怎么申请",
]  # fmt: skip
THRESHOLDS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="nm-autoreply-"))
    url = f"sqlite:///{work / 'kb.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as s:
        demo.load(s, Actor(None, "bench"))
        by_title = {a.title: a.id for a in s.query(Article)}
    keys = {r["key"]: by_title[r["title"]] for r in demo.demo_articles()}
    with db.session() as s:
        index.rebuild_index(s, index.get_index(work / "data", url))
    queries = [(q, keys[k]) for q, k in json.loads(SEARCH_SET.read_text(encoding="utf-8"))["queries"]]
    queries = [(q, k) for q, k in queries if not q.isascii()]
    now = utcnow()
    t = time.perf_counter()
    on = [(best_match(db, work / "data", q, now), want) for q, want in queries]
    off = [best_match(db, work / "data", q, now) for q in OFF_TOPIC]
    per_q = (time.perf_counter() - t) / (len(on) + len(off)) * 1000
    print(f"auto-reply: {len(on)} covered questions over {len(keys)} demo articles, {len(off)} off-topic")
    print(
        f"{'threshold':<24}{'right':>8}{'wrong':>8}{'handed':>8}{'precision':>11}{'off-topic answered':>20}"
    )
    for th in THRESHOLDS:
        answered = [(m, w) for m, w in on if m is not None and m.confidence >= th]
        right = sum(m.article_id == w for m, w in answered)
        wrong = len(answered) - right
        off_answered = sum(1 for m in off if m is not None and m.confidence >= th)
        name = "baseline: always top hit" if th == 0 else f"confidence >= {th}"
        precision = right / len(answered) if answered else 0.0
        print(
            f"{name:<24}{right:>8}{wrong:>8}{len(on) - len(answered):>8}{precision:>11.3f}"
            f"{off_answered:>13} / {len(off)}"
        )
    print(f"mean time per message (search + coverage): {per_q:.1f} ms")


if __name__ == "__main__":
    main()
