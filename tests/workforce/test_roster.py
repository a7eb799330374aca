"""Roster generation: a generated requirement covered over 4 weeks with legal rest and fair
weekends; leave respected; too few agents reported per half hour (issue 15)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest

from hotline.workforce.roster import (
    SLOTS_PER_DAY,
    AgentSpec,
    Result,
    Rules,
    Template,
    generate,
    generate_by_skill,
)
from hotline.workforce.synthetic import requirement

TEMPLATES = [
    Template("A", 12, 16),  # 06-14
    Template("B", 16, 16),  # 08-16
    Template("C", 18, 16),  # 09-17
    Template("D", 20, 16),  # 10-18
    Template("E", 24, 16),  # 12-20
    Template("F", 28, 16),  # 14-22
    Template("G", 32, 16),  # 16-24
    Template("N", 44, 16),  # 22-06
]
START = date(2026, 1, 5)  # Monday


def _check_rules(result: Result, rules: Rules) -> None:
    by_agent: dict[int, dict[date, str]] = defaultdict(dict)
    spans = {t.code: t for t in TEMPLATES}
    for a in result.assignments:
        assert a.day not in by_agent[a.agent_id], "two shifts a day"
        by_agent[a.agent_id][a.day] = a.template
    for days in by_agent.values():
        per_week: dict[int, int] = defaultdict(int)
        for day in days:
            per_week[(day - START).days // 7] += 1
        assert max(per_week.values()) <= rules.max_days_per_week
        for day, code in days.items():
            nxt = days.get(day + timedelta(days=1))
            if nxt is not None:
                rest = SLOTS_PER_DAY + spans[nxt].start - spans[code].start - spans[code].length
                assert rest >= rules.min_rest_hours * 2
            run = 0
            while day + timedelta(days=run) in days:
                run += 1
            assert run <= rules.max_consecutive_days


def test_four_weeks_cover_a_generated_requirement() -> None:
    need = requirement(START, 28, peak=18)
    agents = [AgentSpec(i) for i in range(30)]
    result = generate(START, 28, need, TEMPLATES, agents)
    _check_rules(result, Rules())
    # Day 0 before 06:00 can only be covered by the previous roster's night shift.
    first_morning = 12
    assert all(i < first_morning for i, _ in result.shortfall)
    assert result.met_share >= 0.98
    weekend = list(result.weekend_shifts.values())
    assert max(weekend) - min(weekend) <= 1  # fair weekends
    scheduled = np.zeros_like(need)
    for a in result.assignments:
        t = next(t for t in TEMPLATES if t.code == a.template)
        first = (a.day - START).days * SLOTS_PER_DAY + t.start
        scheduled[first : first + t.length] += 1
    assert (scheduled[: len(need)] == result.scheduled).all()


def test_leave_skills_and_allowed_shifts_are_respected() -> None:
    need = requirement(START, 7, peak=6)
    leave = frozenset(START + timedelta(days=d) for d in range(3))
    agents = [AgentSpec(0, frozenset({"elderly"}), off=leave)] + [
        AgentSpec(i, frozenset({"elderly"}), templates=frozenset({"A", "B", "C", "D", "E"}))
        for i in range(1, 10)
    ]
    agents.append(AgentSpec(99, frozenset({"tax"})))
    result = generate(START, 7, need, TEMPLATES, agents, skill="elderly")
    assert not any(a.agent_id == 0 and a.day in leave for a in result.assignments)
    assert not any(a.agent_id == 99 for a in result.assignments)
    assert all(a.template in set("ABCDE") for a in result.assignments if a.agent_id != 0)


def test_too_few_agents_says_where_and_by_how_many() -> None:
    need = np.zeros(7 * SLOTS_PER_DAY, dtype=np.int64)
    need[18:34] = 4  # day 0, 09:00-17:00 (shift C): four agents
    templates = [t for t in TEMPLATES if t.code in "ACE"]
    need[SLOTS_PER_DAY + 18 : SLOTS_PER_DAY + 34] = 1
    result = generate(START, 7, need, templates, [AgentSpec(1), AgentSpec(2)])
    gaps = dict(result.shortfall)
    assert set(gaps) == set(range(18, 34))  # day 1 is covered, day 0 is two short all day
    assert set(gaps.values()) == {2}
    assert result.met_share == pytest.approx(1 - 16 / len(need))


def test_requirement_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError):
        generate(START, 7, [1] * 10, TEMPLATES, [AgentSpec(1)])


def test_hours_of_leave_keep_the_agent_off_the_shifts_they_overlap() -> None:
    need = np.zeros(7 * SLOTS_PER_DAY, dtype=np.int64)
    need[18:34] = 1  # day 0, 09:00-17:00
    away = AgentSpec(1, hours_off=((START, 16, 24),))  # 08:00-12:00 on day 0
    result = generate(START, 7, need, TEMPLATES, [away])
    (only,) = result.assignments
    assert only.day == START and only.template in {"E", "F", "G"}  # starts at 12:00 or later
    free = generate(START, 7, need, TEMPLATES, [AgentSpec(1)])
    assert [a.template for a in free.assignments] == ["C"]  # without the leave: 09-17 exactly


def test_one_run_covers_each_skill_with_agents_who_have_it() -> None:
    days = 14
    mandarin = requirement(START, days, peak=10)
    cantonese = np.zeros(days * SLOTS_PER_DAY, dtype=np.int64)
    signs = np.zeros(days * SLOTS_PER_DAY, dtype=np.int64)
    for d in range(days):
        cantonese[d * SLOTS_PER_DAY + 16 : d * SLOTS_PER_DAY + 40] = 2  # 08:00-20:00
        signs[d * SLOTS_PER_DAY + 18 : d * SLOTS_PER_DAY + 34] = 1  # 09:00-17:00
    # Signers are few and all speak Mandarin too: planned for 普通话 first, 手语 would go short.
    agents = [AgentSpec(i, frozenset({"普通话"})) for i in range(30)]
    agents += [AgentSpec(100 + i, frozenset({"普通话", "粤语"})) for i in range(8)]
    agents += [AgentSpec(200 + i, frozenset({"普通话", "手语"})) for i in range(3)]
    agents.append(AgentSpec(300, frozenset({"英语"})))  # no requirement of theirs: not planned
    need = {"普通话": mandarin, "粤语": cantonese, "手语": signs}
    result = generate_by_skill(START, days, need, TEMPLATES, agents)
    _check_rules(result, Rules())
    skills_of = {a.id: a.skills for a in agents}
    assert not any(a.agent_id == 300 for a in result.assignments)
    spans = {t.code: t for t in TEMPLATES}
    for skill, wanted in need.items():
        mine = [a for a in result.assignments if a.skill == skill]
        assert all(skill in skills_of[a.agent_id] for a in mine), skill
        covered = np.zeros(days * SLOTS_PER_DAY, dtype=np.int64)
        for a in mine:
            first = (a.day - START).days * SLOTS_PER_DAY + spans[a.template].start
            covered[first : first + spans[a.template].length] += 1
        covered = covered[: len(wanted)]
        assert (covered == result.skills[skill][1]).all()
        short = np.flatnonzero(covered < wanted)
        assert all(i < 12 for i in short), (skill, short[:5])  # only day 0 before the first shift
    assert sum(r.sum() for r, _ in result.skills.values()) == result.required.sum()
    assert result.met_share >= 0.98


def test_a_skill_nobody_has_is_reported_short_not_covered_by_others() -> None:
    need = np.zeros(7 * SLOTS_PER_DAY, dtype=np.int64)
    need[18:34] = 1
    agents = [AgentSpec(i, frozenset({"普通话"})) for i in range(4)]
    result = generate_by_skill(START, 7, {"普通话": need, "手语": need}, TEMPLATES, agents)
    assert {a.skill for a in result.assignments} == {"普通话"}
    assert dict(result.shortfall) == {i: 1 for i in range(18, 34)}  # the 普通话 agent does not count
    assert result.met_share == pytest.approx(1 - 16 / len(need))
