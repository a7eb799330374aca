"""Adherence: the agents' actual states (the call center's agent state log) against their
published shifts. Per agent and period: minutes scheduled, minutes signed in and available for
calls during them (ready, ringing, talking, hold, wrap-up), minutes signed in but not ready, and
the adherence share; live: who should be on now and in what state they are.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from hotline.calls.volume import agent_states
from hotline.people.queries import active_users
from hotline.workforce.rosters import schedule

WORKING = frozenset({"ready", "ringing", "talking", "hold", "wrap_up"})
AWAY = frozenset({"logged_out", "signed_out"})


def _timelines(session: Session, start: datetime, end: datetime) -> dict[int, list[tuple[datetime, str]]]:
    lines: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for agent, state, at in agent_states(session, start, end):
        lines[agent].append((at, state))
    return lines


def _overlap(line: list[tuple[datetime, str]], a: datetime, b: datetime) -> dict[str, float]:
    """Seconds per state of `line` (sorted changes) inside [a, b); before the first change the
    agent counts as logged out."""
    out: dict[str, float] = defaultdict(float)
    marks = [(a, "logged_out")] + [(t, s) for t, s in line if t < b]
    current = "logged_out"
    cursor = a
    for t, s in marks:
        if t <= a:
            current = s
            continue
        out[current] += (t - cursor).total_seconds()
        cursor, current = t, s
    out[current] += (b - cursor).total_seconds()
    return out


def report(session: Session, start: datetime, end: datetime, now: datetime) -> list[dict[str, Any]]:
    """Per agent with a published shift in [start, end): adherence up to `now`."""
    until = min(end, now)
    shifts = schedule(session, start, end)
    lines = _timelines(session, start - timedelta(hours=16), until) if until > start else {}
    names = {i: n for i, n, _ in active_users(session, ("agent", "supervisor"))}
    rows: dict[int, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for s in shifts:
        a, b = max(s.starts_at, start), min(s.ends_at, until)
        if b <= a:
            rows[s.user_id]["scheduled"] += 0
            continue
        spent = _overlap(lines.get(s.user_id, []), a, b)
        total = (b - a).total_seconds()
        rows[s.user_id]["scheduled"] += total
        rows[s.user_id]["working"] += sum(v for k, v in spent.items() if k in WORKING)
        rows[s.user_id]["not_ready"] += spent.get("not_ready", 0.0)
        rows[s.user_id]["away"] += sum(v for k, v in spent.items() if k in AWAY)
    out = []
    for user_id, r in sorted(rows.items()):
        scheduled = r["scheduled"]
        out.append(
            {
                "user_id": user_id,
                "name": names.get(user_id, str(user_id)),
                "scheduled_minutes": round(scheduled / 60, 1),
                "working_minutes": round(r["working"] / 60, 1),
                "not_ready_minutes": round(r["not_ready"] / 60, 1),
                "away_minutes": round(r["away"] / 60, 1),
                "adherence": round(r["working"] / scheduled, 4) if scheduled else None,
            }
        )
    return out


def live(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Agents whose published shift covers `now`, with their current state and whether it
    adheres (working), for the wallboard."""
    shifts = schedule(session, now, now + timedelta(seconds=1))
    lines = _timelines(session, now - timedelta(hours=16), now + timedelta(seconds=1))
    names = {i: n for i, n, _ in active_users(session, ("agent", "supervisor"))}
    out = []
    for s in shifts:
        line = lines.get(s.user_id, [])
        state = line[-1][1] if line else "logged_out"
        out.append(
            {
                "user_id": s.user_id,
                "name": names.get(s.user_id, str(s.user_id)),
                "template": s.template,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "state": state,
                "adheres": state in WORKING,
            }
        )
    return out
