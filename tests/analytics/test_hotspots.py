"""Hotspots: 90 days of quiet synthetic orders (≈20,000, weekday/weekend/holiday volumes, 30
everyday complaint templates over 8 districts) raise none; 30 orders about 助餐点关闭 in one
district over 3 days are one hotspot, found on the first day (when it passes the threshold),
named by its terms, announced on the bus; an analyst renames, merges and dismisses."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import insert

from hotline.analytics import hotspots, rollup, textterms
from hotline.analytics.daytypes import LOCAL, DayType, day_type
from hotline.analytics.models import Hotspot
from hotline.bus import Event, get_bus
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder
from tests.analytics.helpers import categories

START = date(2025, 8, 1)  # 120 days: National Day week inside, detection from 31 Aug
DAYS = 120
DISTRICTS = ["东城区", "西城区", "朝阳区", "海淀区", "丰台区", "石景山区", "通州区", "顺义区"]
TEMPLATES = [
    "{d}{p}路灯不亮，晚上出行不便",
    "{d}{p}垃圾清运不及时，异味很大",
    "{d}{p}噪音扰民，夜间施工",
    "{d}{p}自来水停水，没有提前通知",
    "{d}{p}供暖温度不达标",
    "{d}{p}电梯故障，老人上下楼困难",
    "{d}{p}占道经营，影响通行",
    "{d}{p}违章停车堵塞消防通道",
    "咨询{d}养老服务补贴申请条件",
    "咨询{d}居家养老上门服务怎么预约",
    "{d}{p}公交站台破损",
    "{d}{p}下水道堵塞污水外溢",
    "咨询{d}医保报销比例",
    "咨询{d}社保卡补办流程",
    "{d}{p}小广告乱贴乱画",
    "{d}{p}树木倒伏需要修剪",
    "{d}{p}物业收费不合理",
    "{d}{p}燃气味道很重担心泄漏",
    "咨询{d}低保申请材料",
    "{d}{p}共享单车乱停乱放",
    "{d}{p}道路坑洼积水",
    "{d}{p}餐馆油烟扰民",
    "咨询{d}高龄津贴发放时间",
    "{d}{p}宠物狗不拴绳吓到老人",
    "{d}{p}快递柜收费不合理",
    "{d}{p}公厕无人打扫",
    "咨询{d}老年卡办理",
    "{d}{p}楼道杂物堆放有安全隐患",
    "{d}{p}停车位被占用",
    "{d}{p}网络信号差",
]
PLACES = ["幸福里", "安华西里", "和平街", "光明小区", "团结湖", "望京花园", "枫林苑", "金台里"]
BURST = [
    "{d}{p}社区助餐点关闭了，老人吃饭没有着落",
    "{d}{p}的老年助餐点突然关闭，希望恢复",
    "{d}{p}助餐点关闭，独居老人吃饭困难",
    "反映{d}{p}助餐点关闭后老人没地方吃午饭",
]


def _at(day: date, rnd: random.Random) -> datetime:
    local = datetime.combine(day, time(8), LOCAL) + timedelta(seconds=rnd.randrange(0, 12 * 3600))
    return local.astimezone(UTC)


def _rows(
    day: date, n: int, texts: list[str], cats: list[int], rnd: random.Random, district: str | None = None
):
    rows = []
    for i in range(n):
        t = rnd.randrange(len(texts))
        d = district or rnd.choice(DISTRICTS)
        text = texts[t].format(d=d, p=rnd.choice(PLACES))
        rows.append(
            {
                "number": f"H{day:%Y%m%d}{'B' if district else 'N'}{i:05d}",
                "type": "complaint",
                "state": "accepted",
                "channel": "phone",
                "category_id": cats[t % len(cats)],
                "title": text[:30],
                "content": text,
                "district": d,
                "created_at": _at(day, rnd),
                "updated_at": _at(day, rnd),
                "version": 1,
            }
        )
    return rows


def _volume(day: date, rnd: random.Random) -> int:
    kind = day_type(day)
    base = {DayType.workday: 190, DayType.makeup: 190, DayType.weekend: 120, DayType.holiday: 90}[kind]
    return base + rnd.randrange(-20, 21)


def test_quiet_data_raises_none_and_a_burst_is_one_named_hotspot(
    sqlite_db: Database,
) -> None:
    db, rnd = sqlite_db, random.Random(16)
    cats = categories(db)
    total = 0
    with db.session() as s:
        for i in range(DAYS):
            rows = _rows(
                START + timedelta(days=i), _volume(START + timedelta(days=i), rnd), TEMPLATES, cats, rnd
            )
            total += len(rows)
            s.execute(insert(WorkOrder), rows)
    assert 19_000 < total < 21_000
    rollup.rebuild(db)
    cache = textterms.TokenCache()
    for i in range(30, DAYS):  # 90 days of detection, each against its own past
        with db.session() as s:
            got = hotspots.detect(s, START + timedelta(days=i), cache)
            assert got == [], [(h.name, h.kind, h.orders, h.baseline, h.p_value, h.terms) for h in got]

    burst_day = START + timedelta(days=100)
    with db.session() as s:
        for k in range(3):
            s.execute(
                insert(WorkOrder), _rows(burst_day + timedelta(days=k), 10, BURST, cats[:1], rnd, "西城区")
            )
    rollup.rebuild(db)
    events: list[Event] = []
    unsubscribe = get_bus().subscribe("analytics.*", events.append)
    found: list[tuple[date, str]] = []
    for k in range(-1, 5):
        with db.session() as s:
            found += [
                (burst_day + timedelta(days=k), h.name)
                for h in hotspots.detect(s, burst_day + timedelta(days=k), cache)
            ]
    assert len(found) == 1 and found[0][0] == burst_day, found
    with db.session() as s:
        (h,) = s.query(Hotspot).all()
        assert h.kind == "cluster" and h.district == "西城区"
        assert {"关闭", "餐点"} <= set(h.terms) or {"关闭", "助餐点"} <= set(h.terms), h.terms
        assert h.orders == 30 and sum(h.trend.values()) == 30 and len(h.examples) == 10
    unsubscribe()
    assert [(e.topic, e.data["name"]) for e in events] == [("analytics.hotspot_detected", found[0][1])]
