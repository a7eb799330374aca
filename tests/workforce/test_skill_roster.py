"""A roster planned per skill in one run over the API, on both databases: each skill's requirement
(普通话, 粤语, 手语) is covered by agents whose profile has that skill, each shift says the skill
it covers, the roster shows coverage per skill and names the skill of each gap; malformed
requests are refused."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from hotline.store.db import Database
from tests.workforce.test_api import DAY, _add_agents, _uid

Auth = Callable[[str], dict[str, str]]
DAYS = 7


def _daily(first: int, end: int, n: int) -> list[int]:
    out = [0] * (DAYS * 48)
    for d in range(DAYS):
        for slot in range(first, end):
            out[d * 48 + slot] = n
    return out


def test_each_skill_is_covered_by_agents_with_it(client: TestClient, auth: Auth, db: Database) -> None:
    sup = auth("supervisor")
    ids = _add_agents(db, 9)
    skills = {ids[i]: ["普通话"] for i in range(5)}
    skills |= {
        ids[5]: ["普通话", "粤语"],
        ids[6]: ["粤语"],
        ids[7]: ["粤语", "普通话"],
        ids[8]: ["手语", "普通话"],
    }
    for user_id, theirs in skills.items():
        body = {"skills": theirs, "templates": None, "weekdays_off": [], "planned": True}
        assert (
            client.put(f"/api/workforce/agents/{user_id}/profile", json=body, headers=sup).status_code == 200
        )
    for name in ("agent", "supervisor"):  # the seeded people take no part
        body = {"skills": [], "templates": None, "weekdays_off": [], "planned": False}
        assert (
            client.put(f"/api/workforce/agents/{_uid(db, name)}/profile", json=body, headers=sup).status_code
            == 200
        )
    requirements = {"普通话": _daily(18, 34, 2), "粤语": _daily(18, 34, 1), "手语": _daily(20, 28, 1)}
    body = {"name": "按技能排班", "first_day": DAY.isoformat(), "days": DAYS, "requirements": requirements}
    r = client.post("/api/workforce/rosters", json=body, headers=sup)
    assert r.status_code == 201, r.text
    detail = r.json()
    assert set(detail["by_skill"]) == set(requirements)
    for skill, view in detail["by_skill"].items():
        assert view["required"] == requirements[skill]
        mine = [s for s in detail["shifts"] if s["skill"] == skill]
        assert mine and all(skill in skills[s["user_id"]] for s in mine), skill
    # 手语 has one signer working at most 5 days: two days short, named as 手语 gaps.
    sign = detail["by_skill"]["手语"]
    short_days = {
        i // 48 for i, (n, c) in enumerate(zip(sign["required"], sign["covered"], strict=True)) if c < n
    }
    assert len(short_days) == 2
    assert {g["skill"] for g in detail["gaps"]} == {"手语"} and len(detail["gaps"]) == 2 * 8
    for skill in ("普通话", "粤语"):  # enough people: every half hour met
        view = detail["by_skill"][skill]
        assert all(c >= n for n, c in zip(view["required"], view["covered"], strict=True)), skill
    assert detail["required"] == [a + b + c for a, b, c in zip(*requirements.values(), strict=True)]
    roster = detail["roster"]
    assert roster["met_share"] == 1 - 16 / (DAYS * 48)
    # One shift a day per agent whatever the skill.
    days_of = [(s["user_id"], s["day"]) for s in detail["shifts"]]
    assert len(days_of) == len(set(days_of))


def test_malformed_skill_requirements_are_refused(client: TestClient, auth: Auth) -> None:
    sup = auth("supervisor")
    base = {"name": "x", "first_day": DAY.isoformat(), "days": DAYS}
    short = {**base, "requirements": {"粤语": [1] * 10}}
    assert client.post("/api/workforce/rosters", json=short, headers=sup).status_code == 422
    both = {**base, "requirements": {"粤语": _daily(18, 34, 1)}, "required": _daily(18, 34, 1)}
    assert client.post("/api/workforce/rosters", json=both, headers=sup).status_code == 422
    skill_too = {**base, "requirements": {"粤语": _daily(18, 34, 1)}, "skill": "粤语"}
    assert client.post("/api/workforce/rosters", json=skill_too, headers=sup).status_code == 422
    empty = {**base, "requirements": {}}
    assert client.post("/api/workforce/rosters", json=empty, headers=sup).status_code == 422
