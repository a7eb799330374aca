"""Roster generation: which agent works which shift on which day over a horizon (4 weeks), so that
the agents scheduled cover the agents required per half hour, with legal rest and fair weekends.

Greedy then repair (chosen over OR-Tools CP-SAT by measurement, see bench/RESULTS.md "Workforce:
roster"): the greedy step always places the (day, shift) that covers the most still-uncovered
half hours, given to the eligible agent with the fewest shifts that week, then the fewest
weekend shifts; the repair step moves single shifts to another shift template or day while that
lowers the total shortfall. An agent is eligible when not on leave (the whole day, or hours the
shift overlaps), the shift is one they can work, they work at most one shift a day, at most
`max_days_per_week` days a calendar week and `max_consecutive_days` in a row, with at least
`min_rest_hours` between two shifts.

A requirement per skill (a queue, or 普通话 / 粤语 / 手语) is planned in one run
(`generate_by_skill`): the greedy step picks the (skill, day, shift) that fills the most, only
agents with that skill may take it (those with fewer of the run's skills first), each shift
counts for one skill, and an agent still works at most one shift a day.

What cannot be covered is reported per half hour (`Result.shortfall`), never raised: too few
agents is an answer, not an error. Pure: no database, no clock; slot 0 is 00:00 local of day 0.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

SLOTS_PER_DAY = 48


@dataclass(frozen=True, slots=True)
class Template:
    """A shift template: starts `start` half hours after local midnight, lasts `length` half hours
    (may run past midnight into the next day)."""

    code: str
    start: int
    length: int


@dataclass(frozen=True)
class AgentSpec:
    id: int
    skills: frozenset[str] = frozenset()
    off: frozenset[date] = frozenset()  # leave and days they are not available
    templates: frozenset[str] | None = None  # None: any template
    # Leave for hours of a day: (day, first half hour, end half hour), local; no shift may overlap.
    hours_off: tuple[tuple[date, int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Rules:
    max_days_per_week: int = 5
    max_consecutive_days: int = 6
    min_rest_hours: float = 11.0


@dataclass(frozen=True, slots=True)
class Assignment:
    agent_id: int
    day: date
    template: str
    skill: str | None = None  # the requirement the shift covers (None: the run had no skill)


@dataclass
class Result:
    assignments: list[Assignment]
    required: np.ndarray  # per half hour (all skills together)
    scheduled: np.ndarray  # per half hour (all skills together)
    weekend_shifts: dict[int, int] = field(default_factory=dict)
    # A run with a requirement per skill: skill → (required, scheduled) per half hour. A half hour
    # is met only when every skill's is: surplus of one skill never covers another's gap.
    skills: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    def missing(self) -> np.ndarray:
        """Agents missing per half hour (summed over the skills)."""
        if self.skills:
            return np.sum([np.clip(r - s, 0, None) for r, s in self.skills.values()], axis=0)
        return np.clip(self.required - self.scheduled, 0, None)

    @property
    def shortfall(self) -> list[tuple[int, int]]:
        """(half-hour index, agents missing) wherever the requirement is not met."""
        gap = self.missing()
        return [(int(i), int(gap[i])) for i in np.flatnonzero(gap > 0)]

    @property
    def met_share(self) -> float:
        """Share of all half hours whose requirement is met."""
        if len(self.required) == 0:
            return 1.0
        return float(np.mean(self.missing() == 0))


class _Board:
    """The roster being built: who works when, and the rule checks."""

    def __init__(
        self, start: date, days: int, agents: Sequence[AgentSpec], rules: Rules, templates: Sequence[Template]
    ) -> None:
        self.start = start
        self.days = days
        self.rules = rules
        self.templates = list(templates)
        self.agents = list(agents)
        self.shift: dict[int, dict[int, int]] = {a.id: {} for a in agents}  # agent → day → template index
        self.tag: dict[int, dict[int, int]] = {a.id: {} for a in agents}  # agent → day → skill index
        self.weekend: dict[int, int] = {a.id: 0 for a in agents}
        self.rest = round(rules.min_rest_hours * 2)
        self.week_of = [((start + timedelta(days=d)).toordinal() - 1) // 7 for d in range(days)]
        self.is_weekend = [(start + timedelta(days=d)).weekday() >= 5 for d in range(days)]
        self.busy: dict[int, list[tuple[int, int]]] = {}  # agent → half-hour spans on leave
        for a in agents:
            for day, lo, hi in a.hours_off:
                d = (day - start).days
                if 0 <= d < days:
                    self.busy.setdefault(a.id, []).append((d * SLOTS_PER_DAY + lo, d * SLOTS_PER_DAY + hi))

    def span(self, day: int, t: int) -> tuple[int, int]:
        tpl = self.templates[t]
        first = day * SLOTS_PER_DAY + tpl.start
        return first, first + tpl.length

    def eligible(self, agent: AgentSpec, day: int, t: int) -> bool:
        mine = self.shift[agent.id]
        if day in mine:
            return False
        if (self.start + timedelta(days=day)) in agent.off:
            return False
        if agent.templates is not None and self.templates[t].code not in agent.templates:
            return False
        week = self.week_of[day]
        if sum(1 for d in mine if self.week_of[d] == week) >= self.rules.max_days_per_week:
            return False
        first, end = self.span(day, t)
        busy = self.busy.get(agent.id)
        if busy and any(lo < end and first < hi for lo, hi in busy):
            return False
        for d in (day - 1, day + 1):
            if d in mine:
                f2, e2 = self.span(d, mine[d])
                if (d < day and first - e2 < self.rest) or (d > day and f2 - end < self.rest):
                    return False
        run = 1
        d = day - 1
        while d in mine:
            run, d = run + 1, d - 1
        d = day + 1
        while d in mine:
            run, d = run + 1, d + 1
        return run <= self.rules.max_consecutive_days

    def place(self, agent_id: int, day: int, t: int, k: int = 0) -> None:
        self.shift[agent_id][day] = t
        self.tag[agent_id][day] = k
        self.weekend[agent_id] += self.is_weekend[day]

    def remove(self, agent_id: int, day: int) -> tuple[int, int]:
        """Take the shift off; its template and skill index."""
        t = self.shift[agent_id].pop(day)
        self.weekend[agent_id] -= self.is_weekend[day]
        return t, self.tag[agent_id].pop(day)

    def week_load(self, agent_id: int, day: int) -> int:
        week = self.week_of[day]
        return sum(1 for d in self.shift[agent_id] if self.week_of[d] == week)


def generate(
    start: date,
    days: int,
    required: Sequence[int] | np.ndarray,
    templates: Sequence[Template],
    agents: Sequence[AgentSpec],
    rules: Rules | None = None,
    skill: str | None = None,
    repair_rounds: int = 3,
) -> Result:
    """Build a roster for `days` days from `start` covering `required` (days × 48 agents per half
    hour, flat). Agents without `skill` (when given) are left out."""
    pool = [a for a in agents if skill is None or skill in a.skills]
    return _run(start, days, [skill], [required], [pool], templates, rules, repair_rounds)


def generate_by_skill(
    start: date,
    days: int,
    required: Mapping[str, Sequence[int] | np.ndarray],
    templates: Sequence[Template],
    agents: Sequence[AgentSpec],
    rules: Rules | None = None,
    repair_rounds: int = 3,
) -> Result:
    """One roster covering a requirement per skill (queue or language: 普通话, 粤语, 手语): each
    skill's half hours are covered by agents with that skill, every agent works at most one
    shift a day whatever its skill, and each shift counts for one skill only. Agents with fewer
    of the skills asked for are planned first, keeping the versatile ones for the scarce skills."""
    skills = list(required)
    pools = [[a for a in agents if k in a.skills] for k in skills]
    return _run(
        start, days, list(skills), [required[k] for k in skills], pools, templates, rules, repair_rounds
    )


def _run(
    start: date,
    days: int,
    skills: list[str | None],
    required: Sequence[Sequence[int] | np.ndarray],
    pools: list[list[AgentSpec]],
    templates: Sequence[Template],
    rules: Rules | None,
    repair_rounds: int,
) -> Result:
    rules = rules or Rules()
    horizon = days * SLOTS_PER_DAY
    need = np.zeros((len(skills), horizon), dtype=np.int64)
    for k, req in enumerate(required):
        flat = np.asarray(req, dtype=np.int64).ravel()
        if len(flat) != horizon:
            raise ValueError(f"requirement has {len(flat)} half hours, expected {horizon}")
        need[k] = flat
    everyone = list({a.id: a for pool in pools for a in pool}.values())
    # How many of this run's skills each agent has: the fewer, the sooner they are planned.
    members = [{a.id for a in pool} for pool in pools]
    reach = {a.id: sum(a.id in m for m in members) for a in everyone} if len(skills) > 1 else {}
    board = _Board(start, days, everyone, rules, templates)
    cover = np.zeros((days * len(templates), horizon + SLOTS_PER_DAY), dtype=np.int64)
    for d in range(days):
        for t in range(len(templates)):
            first, end = board.span(d, t)
            cover[d * len(templates) + t, first:end] = 1
    cover = cover[:, :horizon]  # a shift running past the horizon covers what is inside it
    scheduled = np.zeros_like(need)
    blocked = np.zeros((len(skills), len(cover)), dtype=bool)
    while True:
        gap = np.minimum(np.clip(need - scheduled, 0, None), 1)
        # skill × (day, shift): the half hours still short each shift would fill
        gains = (cover @ gap[0])[np.newaxis] if len(gap) == 1 else np.stack([cover @ g for g in gap])
        gains[blocked] = -1
        k, best = divmod(int(np.argmax(gains)), len(cover))
        if gains[k, best] <= 0:
            break
        day, t = divmod(best, len(templates))
        chosen = _pick(board, pools[k], day, t, reach)
        if chosen is None:
            blocked[k, best] = True
            continue
        board.place(chosen.id, day, t, k)
        scheduled[k] += cover[best]
    _repair(board, everyone, need, scheduled, cover, repair_rounds)
    _balance_weekends(board, everyone, members)
    assignments = [
        Assignment(a, start + timedelta(days=d), templates[t].code, skills[board.tag[a][d]])
        for a, mine in board.shift.items()
        for d, t in sorted(mine.items())
    ]
    by_skill = {str(k): (need[i], scheduled[i]) for i, k in enumerate(skills)} if len(skills) > 1 else {}
    return Result(assignments, need.sum(axis=0), scheduled.sum(axis=0), dict(board.weekend), by_skill)


def _pick(
    board: _Board, pool: Sequence[AgentSpec], day: int, t: int, reach: dict[int, int]
) -> AgentSpec | None:
    weekend = board.is_weekend[day]
    best: AgentSpec | None = None
    best_key: tuple[int, int, int, int, int] | None = None
    for agent in pool:
        if not board.eligible(agent, day, t):
            continue
        key = (
            reach.get(agent.id, 1),
            board.weekend[agent.id] if weekend else 0,
            board.week_load(agent.id, day),
            len(board.shift[agent.id]),
            agent.id,
        )
        if best_key is None or key < best_key:
            best, best_key = agent, key
    return best


def _shortfall(need: np.ndarray, scheduled: np.ndarray) -> int:
    return int(np.clip(need - scheduled, 0, None).sum())


def _repair(
    board: _Board,
    pool: Sequence[AgentSpec],
    need: np.ndarray,
    scheduled: np.ndarray,
    cover: np.ndarray,
    rounds: int,
) -> None:
    """Move single shifts (another template the same day, or another day) while the shortfall
    of the shift's skill drops (`scheduled`, skills × half hours, is updated in place)."""
    n_t = len(board.templates)
    for _ in range(rounds):
        improved = False
        gap = need - scheduled
        if (gap <= 0).all():
            break
        for agent in pool:
            for day in list(board.shift[agent.id]):
                t, k = board.shift[agent.id][day], board.tag[agent.id][day]
                row = cover[day * n_t + t]
                # What the shift covers that is not needed (surplus) is what it may give up.
                if not ((gap[k] > 0) & (row == 0)).any():
                    continue
                base = _shortfall(need[k], scheduled[k])
                board.remove(agent.id, day)
                without = scheduled[k] - row
                best = (base, day, t)
                lo, hi = max(0, day - 3), min(board.days, day + 4)
                for d2 in range(lo, hi):
                    for t2 in range(n_t):
                        if (d2, t2) == (day, t) or not board.eligible(agent, d2, t2):
                            continue
                        cost = _shortfall(need[k], without + cover[d2 * n_t + t2])
                        if cost < best[0]:
                            best = (cost, d2, t2)
                _, d2, t2 = best
                board.place(agent.id, d2, t2, k)
                scheduled[k] = without + cover[d2 * n_t + t2]
                if (d2, t2) != (day, t):
                    improved = True
                    gap = need - scheduled
        if not improved:
            break


def _balance_weekends(board: _Board, pool: Sequence[AgentSpec], members: list[set[int]]) -> None:
    """Hand weekend shifts from the agents with the most to those with the fewest (same day, same
    shift, same skill - `members`: who has each skill -, so coverage does not change) until the
    spread is at most one or nothing can move."""
    weekend_days = [d for d in range(board.days) if board.is_weekend[d]]
    if not pool or not weekend_days:  # nobody to balance (no agent has the skill), or no weekend
        return
    for _ in range(len(pool) * len(weekend_days) + 1):
        ranked = sorted(pool, key=lambda a: board.weekend[a.id])
        low, high = ranked[0], ranked[-1]
        if board.weekend[high.id] - board.weekend[low.id] <= 1:
            return
        moved = False
        for giver in reversed(ranked):
            for taker in ranked:
                if board.weekend[giver.id] - board.weekend[taker.id] <= 1:
                    break
                for day in weekend_days:
                    t = board.shift[giver.id].get(day)
                    if t is None or taker.id not in members[board.tag[giver.id][day]]:
                        continue
                    if _hand_over(board, giver, taker, day, t, members):
                        moved = True
                        break
                if moved:
                    break
            if moved:
                break
        if not moved:
            return


def _hand_over(
    board: _Board, giver: AgentSpec, taker: AgentSpec, day: int, t: int, members: list[set[int]]
) -> bool:
    """Give `giver`'s weekend shift to `taker`; if the taker's week is full, the giver takes one
    of the taker's weekdays that week in exchange (coverage unchanged either way)."""
    _, k = board.remove(giver.id, day)
    if board.eligible(taker, day, t):
        board.place(taker.id, day, t, k)
        return True
    week = board.week_of[day]
    for other, t2 in list(board.shift[taker.id].items()):
        if board.week_of[other] != week or board.is_weekend[other] or other in board.shift[giver.id]:
            continue
        if giver.id not in members[board.tag[taker.id][other]]:
            continue
        _, k2 = board.remove(taker.id, other)
        if board.eligible(taker, day, t):
            board.place(taker.id, day, t, k)
            if board.eligible(giver, other, t2):
                board.place(giver.id, other, t2, k2)
                return True
            board.remove(taker.id, day)
        board.place(taker.id, other, t2, k2)
    board.place(giver.id, day, t, k)
    return False
