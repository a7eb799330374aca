"""Bulk generation of synthetic work orders for the work-order benchmark (not the ORM: raw
executemany on SQLite, COPY on PostgreSQL, indexes dropped during the load and rebuilt after).

Texts are built from phrase slots joined by Chinese punctuation; neither bigrams nor jieba cross
punctuation, so an order's token weights are the sums of its phrases' token counts (title thrice,
plus the number, the caller's name and the contact phone), computed once per phrase with the
product's own `search.terms` and checked against `search.weights` on the first orders.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, text

from hotline.audit.service import Actor
from hotline.people.models import Caller, Department
from hotline.store.db import Database
from hotline.workorders.calendar import LOCAL
from hotline.workorders.config import load_default_categories
from hotline.workorders.models import Category, SearchToken, WorkOrder
from hotline.workorders.search import MAX_WEIGHT, TITLE_WEIGHT, terms, weights

WHO = [
    "我家老人",
    "独居老人",
    "社区里的残疾人",
    "孤儿",
    "留守儿童",
    "低保户",
    "特困人员",
    "失能老人",
    "我母亲",
    "我父亲",
    "邻居大爷",
    "我的孩子",
    "盲人按摩师",
    "退休职工",
    "高龄老人",
    "聋哑人",
]
ISSUES: list[tuple[str, str]] = [
    ("想申请低保", "0201"),
    ("低保金这个月没有发放", "0201"),
    ("特困供养人员护理费标准", "0202"),
    ("临时救助审批太慢", "0203"),
    ("咨询养老院床位", "0102"),
    ("养老机构收费不合理", "0102"),
    ("居家养老服务补贴怎么申请", "0101"),
    ("上门服务人员态度差", "0101"),
    ("高龄津贴停发了", "0103"),
    ("护理补贴标准是多少", "0103"),
    ("助餐点饭菜不合口味", "0104"),
    ("社区食堂离家太远", "0104"),
    ("残疾人两项补贴没有到账", "0301"),
    ("康复服务预约不上", "0302"),
    ("无障碍坡道被占用", "0303"),
    ("孤儿基本生活费发放", "0401"),
    ("留守儿童没人照看", "0402"),
    ("婚姻登记预约", "0501"),
    ("殡葬补贴申领", "0502"),
    ("咨询政策文件", "0599"),
]
ASK = [
    "希望尽快处理",
    "请相关部门核实",
    "已经反映多次没有结果",
    "要求给个答复",
    "家里实在困难",
    "需要上门评估",
    "希望增加服务次数",
    "请给予帮助",
    "电话一直打不通",
    "表示感谢",
]
DISTRICTS = ["东城区", "西城区", "南湖区", "北山区", "新港区", "高新区"]
STREETS = ["和平路", "建设街", "幸福里", "光明巷", "长寿路", "团结街", "文化路"]
TYPES = ["inquiry", "help_request", "complaint", "suggestion", "praise", "report", "emergency"]
STATES = [("accepted", 10), ("dispatched", 30), ("received", 35), ("replied", 15), ("return_visit", 10)]
DEPT_CODES = ["YLFWC", "SHJZC", "CLFLC", "ETFLC", "SHSWC", "JDBSC"]
TOP_TO_DEPT = {"01": 0, "02": 1, "03": 2, "04": 3, "05": 4}
SQLITE_FMT = "%Y-%m-%d %H:%M:%S.%f"
CALLERS = 20_000

COLUMNS = [c.name for c in WorkOrder.__table__.columns]


def _tok(phrase: str) -> Counter[str]:
    return terms(phrase)


def prepare(db: Database) -> dict[str, Any]:
    """Departments, callers and categories; returns id maps for the generator."""
    actor = Actor(None, "bench")
    with db.engine.begin() as conn:
        existing = conn.execute(text("SELECT count(*) FROM departments")).scalar_one()
        conn.execute(
            insert(Department),
            [{"code": c, "name": c, "active": True, "version": 1} for c in DEPT_CODES],
        )
        conn.execute(
            insert(Caller),
            [{"id": 100_000 + i, "name": f"来电人{i}", "version": 1} for i in range(CALLERS)],
        )
    dept_ids = list(range(existing + 1, existing + 1 + len(DEPT_CODES)))
    with db.session() as s:
        load_default_categories(s, actor)
        s.flush()
        cats = {c.code: c.id for c in s.query(Category)}
    return {"dept_ids": dept_ids, "cats": cats}


def rows(
    count: int, now: datetime, maps: dict[str, Any], seed: int = 7
) -> Iterator[tuple[tuple[Any, ...], dict[str, int]]]:
    """(order row tuple in COLUMNS order, token → weight) for ids 1..count; created over the last
    30 days."""
    rng = random.Random(seed)
    who_t = [_tok(w) for w in WHO]
    issue_t = [_tok(i) for i, _ in ISSUES]
    ask_t = [_tok(a) for a in ASK]
    addr = [(d, s) for d in DISTRICTS for s in STREETS]
    addr_t = [_tok(f"地址在{d}{s}附近") for d, s in addr]
    state_pool = [s for s, w in STATES for _ in range(w)]
    prev = now - timedelta(hours=1)  # the previous sweep: alert levels are consistent with it
    per_day: dict[str, int] = {}
    for oid in range(1, count + 1):
        created = now - timedelta(seconds=rng.uniform(0, 30 * 86400))
        day = created.astimezone(LOCAL).strftime("%Y%m%d")
        seq = per_day[day] = per_day.get(day, 0) + 1
        number = f"GD{day}-{seq:04d}"
        wi, ii, ai, di = (rng.randrange(len(x)) for x in (WHO, ISSUES, ASK, addr))
        issue, cat_code = ISSUES[ii]
        content = f"{WHO[wi]}，{issue}，{ASK[ai]}。地址在{addr[di][0]}{addr[di][1]}附近"
        state = rng.choice(state_pool)
        dept = None if state == "accepted" else maps["dept_ids"][TOP_TO_DEPT[cat_code[:2]]]
        due = warn = esc = None
        level = 0
        if state != "accepted":
            due = created + timedelta(days=rng.uniform(1, 20))
            warn, esc = due - timedelta(hours=24), due + timedelta(days=2.8)
            level = sum(t <= prev for t in (warn, due, esc))
        type_ = TYPES[rng.randrange(len(TYPES))]  # drawn in the same order as before weights existed
        caller = 100_000 + rng.randrange(CALLERS) if rng.random() < 0.7 else None
        phone = f"139{rng.randrange(10**8):08d}"
        counts = who_t[wi] + issue_t[ii] + ask_t[ai] + addr_t[di] + _tok(number) + _tok(phone)
        for tok, n in issue_t[ii].items():
            counts[tok] += TITLE_WEIGHT * n
        if caller is not None:
            counts += _tok(f"来电人{caller - 100_000}")
        toks = {t: min(n, MAX_WEIGHT) for t, n in counts.items()}
        if oid <= 50:  # the shortcut above must equal what the product stores
            identity = [phone] + ([f"来电人{caller - 100_000}"] if caller is not None else [])
            assert toks == weights(issue, f"{content}\n\n{number}", identity), oid
        values = {
            "id": oid,
            "number": number,
            "type": type_,
            "state": state,
            "urgency": "normal",
            "channel": "phone",
            "category_id": maps["cats"][cat_code],
            "caller_id": caller,
            "contact_phone": phone,
            "title": issue,
            "content": content,
            "district": addr[di][0],
            "confidential": rng.random() < 0.05,
            "department_id": dept,
            "receive_due_at": due,
            "reply_due_at": due,
            "close_due_at": due,
            "due_at": due,
            "warn_at": warn,
            "escalate_at": esc,
            "alert_level": level,
            "supervised": level >= 2,
            "extension_pending": False,
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }
        yield tuple(values.get(c) for c in COLUMNS), toks


def _naive(v: Any, sqlite: bool) -> Any:
    if isinstance(v, datetime):
        v = v.astimezone(UTC).replace(tzinfo=None)
        return v.strftime(SQLITE_FMT) if sqlite else v
    return v


def load(db: Database, count: int, now: datetime) -> float:
    """Fill `count` orders and their tokens; returns seconds."""
    t0 = time.perf_counter()
    maps = prepare(db)
    sqlite = db.is_sqlite
    tables = [WorkOrder.__table__, SearchToken.__table__]
    with db.engine.begin() as conn:
        for table in tables:
            for idx in table.indexes:  # type: ignore[attr-defined]
                idx.drop(conn)
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        if sqlite:
            cur.execute("PRAGMA synchronous=OFF")
        tokens: list[tuple[str, int, int]] = []
        batch: list[tuple[Any, ...]] = []
        cols = ", ".join(COLUMNS)
        marks = ", ".join("?" * len(COLUMNS))

        def flush_orders() -> None:
            if sqlite:
                cur.executemany(f"INSERT INTO workorders ({cols}) VALUES ({marks})", batch)
            else:
                with cur.copy(f"COPY workorders ({cols}) FROM STDIN") as cp:
                    for r in batch:
                        cp.write_row(r)
            batch.clear()

        for row, toks in rows(count, now, maps):
            batch.append(tuple(_naive(v, sqlite) for v in row))
            oid = row[0]
            tokens.extend((t, oid, w) for t, w in toks.items())
            if len(batch) >= 50_000:
                flush_orders()
        flush_orders()
        tokens.sort()
        if sqlite:
            cur.executemany(
                "INSERT INTO workorder_tokens (token, workorder_id, weight) VALUES (?, ?, ?)", tokens
            )
        else:
            with cur.copy("COPY workorder_tokens (token, workorder_id, weight) FROM STDIN") as cp:
                for r in tokens:
                    cp.write_row(r)
            cur.execute("SELECT setval('workorders_id_seq', %s)", (count,))
        raw.commit()
        print(f"  {count:,} orders, {len(tokens):,} tokens inserted in {time.perf_counter() - t0:.0f} s")
        del tokens
    finally:
        raw.close()
    with db.engine.begin() as conn:
        for table in tables:
            for idx in table.indexes:  # type: ignore[attr-defined]
                idx.create(conn)
        if sqlite:
            conn.execute(text("ANALYZE"))
    if not sqlite:
        # The steady state autovacuum reaches a little later: statistics, and the visibility map
        # that lets index-only scans of the token table skip the heap.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - t0
