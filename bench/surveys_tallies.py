"""Results over a million answers: the tallies of a whole questionnaire and a cross-tab of one
question by district, on SQLite (and PostgreSQL with --pg), straight through `hotline.surveys.results`.

Data: one published questionnaire (the sample: single, multiple, rating, NPS, number, date, text,
matrix), completed responses spread over 11 districts, 4 age bands and 3 channels, inserted in bulk
until `survey_answers` holds --answers rows (default 1,000,000). Timed: `tallies` (every question's
counts, means, NPS, and the completed count) and `crosstab(Q1 by district)`, each 5 times after a
warm-up, median and max reported; the reference is a `count(*)` of the answers table in the same run.

Usage: .venv/bin/python -m bench.surveys_tallies [--answers 1000000] [--pg]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text

from hotline.audit.service import Actor
from hotline.store.base import utcnow
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from hotline.surveys import results, service
from hotline.surveys.models import SurveyAnswer, SurveyResponse
from hotline.surveys.respond import facts
from tests.surveys.helpers import SAMPLE

DISTRICTS = [
    "越秀区",
    "海珠区",
    "荔湾区",
    "天河区",
    "白云区",
    "黄埔区",
    "番禺区",
    "花都区",
    "南沙区",
    "从化区",
    "增城区",
]
AGES = ["60-69", "70-79", "80-89", "90+"]
CHANNELS = ["web", "sms", "wechat"]


def answers_for(rng: random.Random) -> dict[str, Any]:
    a: dict[str, Any] = {
        "Q1": rng.choice("123"),
        "Q3": rng.randint(1, 5),
        "Q4": rng.randint(0, 10),
        "Q5": rng.randint(60, 99),
    }
    a["Q2"] = rng.sample(["meal", "bath", "clean", "other"], rng.randint(1, 3))
    if "other" in a["Q2"]:
        a["Q2o"] = "陪诊"
    a["Q6"] = "2026-11-30"
    if a["Q1"] == "3":
        a["Q7"] = rng.choice(["送餐不准时", "服务态度一般", "上门次数太少"])
    a["Q8"] = {"r1": rng.choice(["good", "fair", "bad"]), "r2": rng.choice(["good", "fair", "bad"])}
    return a


def fill(db: Database, target: int) -> int:
    with db.session() as s:
        survey = service.create_survey(s, Actor(None, "bench"), service.parse(SAMPLE))
        v = service.publish(s, Actor(None, "bench"), survey.id, survey.version)
        s.commit()
        sid, vid = survey.id, v.id
    defn = service.parse(SAMPLE)
    rng = random.Random(7)
    rows = 0
    rid = 0
    t = time.perf_counter()
    now = utcnow()
    while rows < target:
        resp_batch, ans_batch = [], []
        for _ in range(2000):
            rid += 1
            a = answers_for(rng)
            attrs = {
                "district": rng.choice(DISTRICTS),
                "age_band": rng.choice(AGES),
                "channel": rng.choice(CHANNELS),
            }
            resp_batch.append(
                {
                    "id": rid,
                    "survey_id": sid,
                    "version_id": vid,
                    "version_number": 1,
                    "resume_hash": f"h{rid}",
                    "state": "completed",
                    "page": 2,
                    "seed": 1,
                    "answers": a,
                    "started_at": now,
                    "updated_at": now,
                    "completed_at": now,
                    **attrs,
                }
            )
            for q in defn.questions():
                if q.code in a:
                    for fact in facts(q, a[q.code]):
                        ans_batch.append(
                            {
                                "response_id": rid,
                                "survey_id": sid,
                                "version_number": 1,
                                "question": q.code,
                                "item": "",
                                "option": "",
                                "value_num": None,
                                "value_text": None,
                                "completed_at": now,
                                **attrs,
                                **fact,
                            }
                        )
        with db.engine.begin() as conn:
            conn.execute(insert(SurveyResponse), resp_batch)
            conn.execute(insert(SurveyAnswer), ans_batch)
        rows += len(ans_batch)
    with db.engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"  {rid:,} responses, {rows:,} answers in {time.perf_counter() - t:.0f} s")
    return sid


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    fn()
    out = []
    for _ in range(5):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return statistics.median(out), max(out)


def measure(db: Database, sid: int) -> dict[str, tuple[float, float]]:
    f = results.Filters()
    with db.session() as s:
        return {
            "tallies (all 11 questions)": timed(lambda: results.tallies(s, sid, f)),
            "cross-tab Q1 x district": timed(lambda: results.crosstab(s, sid, "Q1", "district", f)),
            "cross-tab Q3 x age band": timed(lambda: results.crosstab(s, sid, "Q3", "age_band", f)),
            "count(*) answers (ref)": timed(lambda: s.scalar(select(func.count()).select_from(SurveyAnswer))),
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--answers", type=int, default=1_000_000)
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="surveys-tallies-"))
    out: dict[str, dict[str, tuple[float, float]]] = {}
    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    print("SQLite")
    out["SQLite"] = measure(db, fill(db, args.answers))
    db.dispose()
    if args.pg:
        from tests.pg import PgCluster

        cluster = PgCluster()
        cluster.start()
        try:
            cluster.execute("CREATE DATABASE bench")
            upgrade(cluster.url("bench"))
            db = Database(cluster.url("bench"))
            print("PostgreSQL")
            out["PostgreSQL"] = measure(db, fill(db, args.answers))
            db.dispose()
        finally:
            cluster.stop()
    print(f"\n{'ms (median / max of 5)':<30}" + "".join(f"{k:>22}" for k in out))
    for key in next(iter(out.values())):
        print(f"{key:<30}" + "".join(f"{out[b][key][0]:>12.0f} / {out[b][key][1]:<7.0f}" for b in out))


if __name__ == "__main__":
    main()
